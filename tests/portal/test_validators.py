import pytest
from django.core.exceptions import ValidationError

from portal.validators import validate_agency_code, validate_cccd, validate_mst


@pytest.mark.parametrize("value", ["056090001234", "001185005678", "079300000001"])
def test_valid_cccd(value):
    validate_cccd(value)


@pytest.mark.parametrize(
    "value", ["", "05609000123", "0560900012345", "05609000123a", "000090001234", "097090001234"]
)
def test_invalid_cccd(value):
    with pytest.raises(ValidationError):
        validate_cccd(value)


@pytest.mark.parametrize("value", ["0100109106", "4201234566", "0100109106-001"])
def test_valid_tax_codes(value):
    validate_mst(value)


@pytest.mark.parametrize("value", ["0100109107", "420123456", "4201234566-01", "abcdefghij"])
def test_invalid_tax_codes(value):
    with pytest.raises(ValidationError):
        validate_mst(value)


@pytest.mark.parametrize("value", ["000.00.15.H32", "G01.05.27.H56"])
def test_valid_agency_codes(value):
    validate_agency_code(value)


@pytest.mark.parametrize("value", ["000.00.15", "000-00-15-H32", "000.00.15.h32", "0000.00.15.H32"])
def test_invalid_agency_codes(value):
    with pytest.raises(ValidationError):
        validate_agency_code(value)
