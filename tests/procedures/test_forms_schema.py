import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError

from procedures.forms_schema import (
    applicant_form_class,
    field_order,
    prefill_initial,
    schema_errors,
    validate_applicant_data,
)
from tests.portal.factories import CitizenFactory

from .factories import APPLICANT_SCHEMA

VALID = {
    "ho_ten": "Nguyễn Văn An",
    "so_cccd": "056090001234",
    "ngay_sinh": "15/03/1990",
    "email": "an@example.vn",
    "dia_chi": "12 Trần Phú, phường Nha Trang",
    "so_ban": "2",
    "cam_ket": "on",
    "la_truong_la": "bị bỏ qua",
}


def test_valid_submission_is_cleaned_to_json_values():
    cleaned = validate_applicant_data(APPLICANT_SCHEMA, VALID)
    assert cleaned == {
        "ho_ten": "Nguyễn Văn An",
        "so_cccd": "056090001234",
        "ngay_sinh": "1990-03-15",
        "so_dien_thoai": "",
        "email": "an@example.vn",
        "dia_chi": "12 Trần Phú, phường Nha Trang",
        "so_ban": 2,
        "cam_ket": True,
    }


def test_json_values_from_the_api_are_accepted():
    data = {**VALID, "so_ban": 3, "cam_ket": True, "ngay_sinh": "1990-03-15"}
    assert validate_applicant_data(APPLICANT_SCHEMA, data)["so_ban"] == 3


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("ho_ten", "", "Vui lòng nhập họ và tên."),
        ("ho_ten", "A" * 101, "Họ và tên không được quá 100 ký tự."),
        ("so_cccd", "12345", "Số CCCD gồm đúng 12 chữ số."),
        ("ngay_sinh", "31/02/1990", "Ngày sinh phải là ngày hợp lệ, dạng ngày/tháng/năm."),
        ("email", "khong-phai-email", "Thư điện tử phải là địa chỉ thư điện tử hợp lệ"),
        ("so_ban", "0", "Số bản đề nghị cấp phải lớn hơn hoặc bằng 1."),
        ("so_ban", "hai", "Số bản đề nghị cấp phải là số nguyên."),
        ("cam_ket", "", "Vui lòng đánh dấu ô “Tôi cam đoan"),
    ],
)
def test_bad_input_gets_a_vietnamese_message_on_its_field(field, value, message):
    with pytest.raises(ValidationError) as caught:
        validate_applicant_data(APPLICANT_SCHEMA, {**VALID, field: value})
    errors = caught.value.message_dict
    assert list(errors) == [field]
    assert message in errors[field][0]


def test_enum_renders_a_select_and_refuses_unknown_values():
    schema = {
        "type": "object",
        "required": ["loai"],
        "properties": {
            "loai": {
                "type": "integer",
                "title": "Loại công trình",
                "enum": [1, 2],
                "x-enumNames": ["Nhà ở", "Khác"],
            }
        },
    }
    form = applicant_form_class(schema)()
    assert 'class="form-select"' in str(form["loai"])
    assert validate_applicant_data(schema, {"loai": "2"}) == {"loai": 2}
    with pytest.raises(ValidationError, match="Vui lòng chọn một giá trị trong danh sách"):
        validate_applicant_data(schema, {"loai": "9"})


def test_generated_form_is_accessible_and_keeps_declared_order():
    form_class = applicant_form_class(APPLICANT_SCHEMA)
    form = form_class(data={})
    assert list(form.fields) == field_order(APPLICANT_SCHEMA)
    assert not form.is_valid()
    widget_html = str(form["ho_ten"])
    assert 'aria-invalid="true"' in widget_html
    assert re.search(r'aria-describedby="[^"]*\bid_ho_ten_error\b', widget_html)
    assert 'type="date"' in str(form["ngay_sinh"])


@pytest.mark.django_db
def test_prefill_takes_values_from_the_account():
    citizen = CitizenFactory(
        full_name="Trần Thị Bình", date_of_birth=dt.date(1985, 11, 2), email="b@example.vn"
    )
    initial = prefill_initial(APPLICANT_SCHEMA, citizen)
    assert initial["ho_ten"] == "Trần Thị Bình"
    assert initial["so_cccd"] == citizen.cccd
    assert initial["ngay_sinh"] == dt.date(1985, 11, 2)
    assert "so_ban" not in initial


@pytest.mark.parametrize(
    ("schema", "problem"),
    [
        ({"type": "array"}, 'kiểu "object"'),
        ({"type": "object", "properties": {"a": {"type": "file"}}}, "kiểu “file” không được hỗ trợ"),
        ({"type": "object", "properties": {"a": {"type": "string", "pattern": "("}}}, "pattern"),
        ({"type": "object", "properties": {}, "required": ["b"]}, "Trường bắt buộc “b”"),
        ({"type": "object", "properties": {"a": {"type": "string", "x-prefill": "salary"}}}, "salary"),
    ],
)
def test_unusable_schema_is_reported(schema, problem):
    problems = schema_errors(schema)
    assert any(problem in p for p in problems)
    with pytest.raises(ValidationError):
        applicant_form_class(schema)


# ---- issue 17, finding 9: bidi controls stripped at input, numbers bounded ---------------------------------

RLO, PDF_MARK, LRI = "\u202e", "\u202c", "\u2066"


def test_bidi_controls_are_removed_from_typed_text():
    cleaned = validate_applicant_data(
        APPLICANT_SCHEMA,
        {**VALID, "ho_ten": f"{RLO}Nguyễn Văn An{PDF_MARK}", "dia_chi": f"12 Trần Phú{LRI}\u200f, Nha Trang"},
    )
    assert cleaned["ho_ten"] == "Nguyễn Văn An"
    assert cleaned["dia_chi"] == "12 Trần Phú, Nha Trang"


@pytest.mark.parametrize("value", ["1e400", "1000000000001", "-1000000000001"])
def test_a_number_without_bounds_in_the_schema_still_has_sane_ones(value):
    schema = {
        "type": "object",
        "properties": {
            "dien_tich": {"type": "number", "title": "Diện tích (m²)"},
            "so_tang": {"type": "integer", "title": "Số tầng"},
        },
    }
    for field in ("dien_tich", "so_tang"):
        with pytest.raises(ValidationError) as caught:
            validate_applicant_data(schema, {field: value})
        assert list(caught.value.message_dict) == [field]
    assert validate_applicant_data(schema, {"dien_tich": "12500.5", "so_tang": "3"}) == {
        "dien_tich": 12500.5,
        "so_tang": 3,
    }
