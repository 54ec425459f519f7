import pytest

from tests.portal.factories import AgencyFactory

DEMO_AGENCIES = {
    "000.00.15.H32": "Trung tâm Phục vụ hành chính công tỉnh Khánh Hòa",
    "000.00.20.H32": "Sở Xây dựng",
    "000.00.21.H32": "Sở Tư pháp",
    "000.00.22.H32": "Sở Nông nghiệp và Môi trường",
    "000.00.23.H32": "Sở Tài chính",
    "000.00.24.H32": "Sở Y tế",
    "000.00.30.H32": "Công an tỉnh Khánh Hòa",
    "000.31.01.H32": "Ủy ban nhân dân phường Nha Trang",
    "000.32.01.H32": "Ủy ban nhân dân phường Bắc Nha Trang",
    "000.33.01.H32": "Ủy ban nhân dân phường Phan Rang",
    "000.34.01.H32": "Ủy ban nhân dân xã Cam Lâm",
}


@pytest.fixture
def demo_agencies(db):
    """The agencies the demo catalogue refers to, by their national codes."""
    return {code: AgencyFactory(code=code, name=name) for code, name in DEMO_AGENCIES.items()}
