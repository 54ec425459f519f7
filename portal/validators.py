"""Validators for Vietnamese identifiers."""

import re

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

# Province codes used as the first three digits of a CCCD (TT 59/2021/TT-BCA, Phụ lục I): 001–096.
_CCCD_RE = re.compile(r"^(\d{3})([0-9])(\d{2})(\d{6})$")
_MST_RE = re.compile(r"^(\d{10})(-\d{3})?$")
_MST_WEIGHTS = (31, 29, 23, 19, 17, 13, 7, 5, 3)
AGENCY_CODE_RE = re.compile(r"^[A-Z0-9]{3}\.[0-9]{2}\.[0-9]{2}\.[A-Z][0-9]{2}$")


def validate_cccd(value: str) -> None:
    """A 12-digit citizen identity number (Căn cước / CCCD) with a valid province prefix."""
    match = _CCCD_RE.match(value or "")
    if not match:
        raise ValidationError(_("Số định danh cá nhân (CCCD) phải gồm đúng 12 chữ số."), code="cccd_format")
    if not 1 <= int(match.group(1)) <= 96:
        raise ValidationError(_("Ba chữ số đầu của CCCD không phải mã tỉnh hợp lệ."), code="cccd_province")


def mst_check_digit(first_nine: str) -> int | None:
    """Check digit of a tax code: 10 − (Σ dᵢ·wᵢ mod 11); no valid code exists when that equals 10."""
    digit = 10 - sum(int(d) * w for d, w in zip(first_nine, _MST_WEIGHTS, strict=True)) % 11
    return None if digit == 10 else digit


def validate_mst(value: str) -> None:
    """A tax code (mã số thuế): 10 digits, or 13 for a branch (10 digits, dash, 3 digits)."""
    match = _MST_RE.match(value or "")
    if not match:
        raise ValidationError(
            _("Mã số thuế gồm 10 chữ số, hoặc 10 chữ số, dấu gạch ngang và 3 chữ số với đơn vị phụ thuộc."),
            code="mst_format",
        )
    base = match.group(1)
    if mst_check_digit(base[:9]) != int(base[9]):
        raise ValidationError(_("Mã số thuế không hợp lệ (sai chữ số kiểm tra)."), code="mst_checksum")


def validate_agency_code(value: str) -> None:
    """Agency identifier V1V2V3.Z1Z2.Y1Y2.MX1X2 (QCVN 102:2016/BTTTT), e.g. 000.00.15.H32."""
    if not AGENCY_CODE_RE.match(value or ""):
        raise ValidationError(
            _("Mã định danh cơ quan phải có dạng V1V2V3.Z1Z2.Y1Y2.MX1X2, ví dụ 000.00.15.H32."),
            code="agency_code",
        )


_PHONE_RE = re.compile(r"^(0|\+84)(3|5|7|8|9)\d{8}$")


def validate_phone(value: str) -> None:
    if value and not _PHONE_RE.match(value.replace(" ", "")):
        raise ValidationError(_("Số điện thoại di động không hợp lệ (ví dụ 0905123456)."), code="phone")


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's length rule, in Vietnamese. Django 5 changed the message's msgid (`%d` instead of
    `%(min_length)d`) and its Vietnamese catalogue still carries the old one, so the error showed in English."""

    def get_error_message(self) -> str:
        return ngettext(
            "Mật khẩu quá ngắn: cần ít nhất %(min_length)d ký tự.",
            "Mật khẩu quá ngắn: cần ít nhất %(min_length)d ký tự.",
            self.min_length,
        ) % {"min_length": self.min_length}

    def get_help_text(self) -> str:
        return ngettext(
            "Mật khẩu cần ít nhất %(min_length)d ký tự.",
            "Mật khẩu cần ít nhất %(min_length)d ký tự.",
            self.min_length,
        ) % {"min_length": self.min_length}
