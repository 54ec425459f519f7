"""The applicant form of a procedure version, defined as a JSON Schema subset.

`ProcedureVersion.form_schema` describes the fields the applicant fills in (tờ khai). This module turns it
into an accessible Django form and validates submitted data on the server, with Vietnamese messages.

Supported subset::

    {
      "type": "object",
      "x-order": ["ho_ten", "ngay_sinh", ...],      # field order (jsonb on PostgreSQL does not keep key order)
      "required": ["ho_ten"],
      "properties": {
        "ho_ten":    {"type": "string", "title": "Họ và tên", "maxLength": 100, "x-prefill": "full_name"},
        "ngay_sinh": {"type": "string", "format": "date", "title": "Ngày sinh"},
        "email":     {"type": "string", "format": "email", "title": "Thư điện tử"},
        "cccd":      {"type": "string", "pattern": "^[0-9]{12}$", "title": "Số CCCD"},
        "so_tang":   {"type": "integer", "minimum": 1, "maximum": 100, "title": "Số tầng"},
        "dien_tich": {"type": "number", "minimum": 0, "title": "Diện tích (m²)"},   # at most NUMBER_CEILING
        "loai":      {"type": "string", "enum": ["a", "b"], "x-enumNames": ["Loại A", "Loại B"]},
        "cam_ket":   {"type": "boolean", "title": "Tôi cam đoan ..."},
        "ghi_chu":   {"type": "string", "x-widget": "textarea"}
      }
    }

Public API (used by the intake screens):

- `schema_errors(schema) -> list[str]` — problems in a schema definition (empty list when usable);
- `applicant_form_class(schema) -> type[forms.Form]` — a form class with AccessibleFormMixin;
- `validate_applicant_data(schema, data) -> dict` — JSON-ready cleaned data or `ValidationError` keyed by field;
- `prefill_initial(schema, user) -> dict` — initial values from the account for fields with `x-prefill`;
- `field_order(schema) -> list[str]` and `field_labels(schema) -> dict[str, str]` for display.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator

from portal.forms import AccessibleFormMixin, autocomplete_token

SUPPORTED_TYPES = {"string", "integer", "number", "boolean"}
SUPPORTED_FORMATS = {"date", "email"}
# Account attributes a field may be prefilled from (User fields).
PREFILL_ATTRIBUTES = {"full_name", "cccd", "date_of_birth", "phone", "email", "address"}
TEXTAREA_FROM_LENGTH = 300
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]
# Bounds of a number field whose schema gives none (10^12: an area in m² or an amount in đồng fits; an
# overflowing float or a 400-digit integer does not).
NUMBER_CEILING = 10**12


def field_order(schema: dict) -> list[str]:
    properties = (schema or {}).get("properties") or {}
    ordered = [name for name in (schema or {}).get("x-order") or [] if name in properties]
    return ordered + [name for name in properties if name not in ordered]


def field_labels(schema: dict) -> dict[str, str]:
    properties = (schema or {}).get("properties") or {}
    return {name: properties[name].get("title") or name for name in field_order(schema)}


def choice_label(schema: dict, name: str, value: Any) -> Any:
    """The name a person chose (`x-enumNames`) for a stored choice value, e.g. "Cấp II" for `cap_ii`; other
    values are returned as they are."""
    spec = ((schema or {}).get("properties") or {}).get(name) or {}
    values, names = spec.get("enum"), spec.get("x-enumNames")
    if not values or not names or len(values) != len(names):
        return value
    for v, n in zip(values, names, strict=True):
        if str(v) == str(value):
            return n
    return value


def schema_errors(schema: dict) -> list[str]:
    """Problems that would make the form unusable, as Vietnamese sentences for the catalogue officer."""
    if not schema:
        return []
    if not isinstance(schema, dict) or schema.get("type", "object") != "object":
        return ['Biểu mẫu phải là một đối tượng JSON Schema có kiểu "object".']
    properties = schema.get("properties")
    if not isinstance(properties, dict):
        return ['Biểu mẫu phải có mục "properties" liệt kê các trường.']
    problems: list[str] = []
    for name, spec in properties.items():
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            problems.append(f"Tên trường “{name}” chỉ được dùng chữ không dấu, số và dấu gạch dưới.")
            continue
        if not isinstance(spec, dict):
            problems.append(f"Trường “{name}” phải là một đối tượng.")
            continue
        kind = spec.get("type")
        if kind not in SUPPORTED_TYPES:
            problems.append(f"Trường “{name}” có kiểu “{kind}” không được hỗ trợ.")
        if spec.get("format") and spec["format"] not in SUPPORTED_FORMATS:
            problems.append(f"Trường “{name}” có định dạng “{spec['format']}” không được hỗ trợ.")
        if spec.get("pattern"):
            try:
                re.compile(spec["pattern"])
            except re.error:
                problems.append(f"Trường “{name}” có biểu thức kiểm tra (pattern) không hợp lệ.")
        if "enum" in spec:
            if not isinstance(spec["enum"], list) or not spec["enum"]:
                problems.append(f"Trường “{name}” phải liệt kê ít nhất một lựa chọn.")
            elif spec.get("x-enumNames") and len(spec["x-enumNames"]) != len(spec["enum"]):
                problems.append(f"Trường “{name}”: số tên lựa chọn không khớp số lựa chọn.")
        prefill = spec.get("x-prefill")
        if prefill and prefill not in PREFILL_ATTRIBUTES:
            problems.append(f"Trường “{name}” lấy sẵn từ “{prefill}”, thông tin tài khoản không có mục này.")
    for name in schema.get("required") or []:
        if name not in properties:
            problems.append(f"Trường bắt buộc “{name}” không có trong danh sách trường.")
    return problems


def _messages(label: str) -> dict[str, str]:
    return {
        "required": f"Vui lòng nhập {label[:1].lower()}{label[1:]}.",
        "invalid": f"{label} không hợp lệ.",
    }


def _build_field(name: str, spec: dict, required: bool) -> forms.Field:
    label = spec.get("title") or name
    common: dict[str, Any] = {
        "label": label,
        "required": required,
        "help_text": spec.get("description", ""),
        "error_messages": _messages(label),
    }
    kind = spec.get("type")
    if "enum" in spec:
        values = spec["enum"]
        names = spec.get("x-enumNames") or [str(v) for v in values]
        choices = [(str(v), str(n)) for v, n in zip(values, names, strict=True)]
        coerce = {"integer": int, "number": Decimal}.get(kind, str)
        common["error_messages"]["invalid_choice"] = f"Vui lòng chọn một giá trị trong danh sách cho {label}."
        if required:
            common["error_messages"]["required"] = f"Vui lòng chọn {label[:1].lower()}{label[1:]}."
        return forms.TypedChoiceField(
            choices=[("", "— Chọn —"), *choices], coerce=coerce, empty_value=None, **common
        )
    if kind == "boolean":
        if required:
            common["error_messages"]["required"] = f"Vui lòng đánh dấu ô “{label}”."
        return forms.BooleanField(**common)
    if kind in ("integer", "number"):
        # without bounds in the schema a number still has sane ones: stored as JSON, read by reports
        minimum = spec.get("minimum", -NUMBER_CEILING)
        maximum = spec.get("maximum", NUMBER_CEILING)
        bounds = {}
        if minimum is not None:
            bounds["min_value"] = minimum
            common["error_messages"]["min_value"] = f"{label} phải lớn hơn hoặc bằng {minimum}."
        if maximum is not None:
            bounds["max_value"] = maximum
            common["error_messages"]["max_value"] = f"{label} phải nhỏ hơn hoặc bằng {maximum}."
        if kind == "integer":
            common["error_messages"]["invalid"] = f"{label} phải là số nguyên."
            return forms.IntegerField(**bounds, **common)
        common["error_messages"]["invalid"] = f"{label} phải là một số."
        return forms.DecimalField(**bounds, **common)
    fmt = spec.get("format")
    if fmt == "date":
        common["error_messages"]["invalid"] = f"{label} phải là ngày hợp lệ, dạng ngày/tháng/năm."
        return forms.DateField(
            input_formats=DATE_INPUT_FORMATS,
            widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            **common,
        )
    if fmt == "email":
        common["error_messages"]["invalid"] = (
            f"{label} phải là địa chỉ thư điện tử hợp lệ, ví dụ ten@example.vn."
        )
        return forms.EmailField(max_length=spec.get("maxLength") or 254, **common)
    max_length = spec.get("maxLength")
    validators = []
    if spec.get("pattern"):
        message = spec.get("x-patternMessage") or f"{label} không đúng định dạng."
        validators.append(RegexValidator(spec["pattern"], message=message, code="pattern"))
    if max_length:
        common["error_messages"]["max_length"] = f"{label} không được quá {max_length} ký tự."
    textarea = spec.get("x-widget") == "textarea" or (max_length or 0) >= TEXTAREA_FROM_LENGTH
    widget = forms.Textarea(attrs={"rows": 3}) if textarea else forms.TextInput
    return forms.CharField(max_length=max_length, validators=validators, widget=widget, **common)


class ApplicantFormBase(AccessibleFormMixin, forms.Form):
    """Base of generated applicant forms; `schema` is set on the generated class."""

    schema: dict = {}


def applicant_form_class(schema: dict) -> type[forms.Form]:
    """A form class for the schema. Raises ValidationError when the schema itself is unusable."""
    problems = schema_errors(schema)
    if problems:
        raise ValidationError(problems)
    properties = (schema or {}).get("properties") or {}
    required = set((schema or {}).get("required") or [])
    attrs: dict[str, Any] = {"schema": schema}
    for name in field_order(schema):
        attrs[name] = _build_field(name, properties[name], name in required)
    form_class = type("ApplicantForm", (ApplicantFormBase,), attrs)
    for name in field_order(schema):
        spec = properties[name]
        attribute = spec.get("x-prefill") or ("email" if spec.get("format") == "email" else None)
        if token := autocomplete_token(name, attribute=attribute):
            form_class.base_fields[name].widget.attrs.setdefault("autocomplete", token)
    return form_class


def _to_json(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def validate_applicant_data(schema: dict, data: dict) -> dict:
    """Validate what the applicant submitted against the schema, on the server.

    Returns the cleaned values ready to store as JSON (dates as YYYY-MM-DD, numbers as int/float, empty optional
    fields as None); keys not in the schema are dropped. Raises ValidationError({field: [messages]}).
    """
    form_class = applicant_form_class(schema)
    form = form_class(data=_as_form_data(schema, data or {}))
    if not form.is_valid():
        raise ValidationError({name: list(errors) for name, errors in form.errors.items()})
    return {name: _to_json(form.cleaned_data.get(name)) for name in field_order(schema)}


def _as_form_data(schema: dict, data: dict) -> dict:
    """Accept JSON values (true/false, numbers) as well as HTML form strings."""
    properties = (schema or {}).get("properties") or {}
    out: dict[str, Any] = {}
    for name, value in data.items():
        spec = properties.get(name)
        if spec is None:
            continue
        if spec.get("type") == "boolean" and isinstance(value, str):
            value = value.strip().lower() in ("true", "on", "1", "yes", "có")
        out[name] = "" if value is None else value
    return out


def prefill_initial(schema: dict, user) -> dict:
    """Initial values taken from the account (once-only: the applicant is not asked again what we know)."""
    properties = (schema or {}).get("properties") or {}
    initial: dict[str, Any] = {}
    if user is None or not getattr(user, "is_authenticated", False):
        return initial
    for name in field_order(schema):
        attribute = properties[name].get("x-prefill")
        if attribute in PREFILL_ATTRIBUTES:
            value = getattr(user, attribute, None)
            if value not in (None, ""):
                initial[name] = value
    return initial
