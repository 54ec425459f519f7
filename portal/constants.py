from django.db import models
from django.utils.translation import gettext_lazy as _


class AccountType(models.TextChoices):
    CITIZEN = "citizen", _("Công dân")
    OFFICER = "officer", _("Cán bộ, công chức")


class IdentitySource(models.TextChoices):
    """How a citizen's account proved to belong to the person of its CCCD. A password registration proves
    nothing: until one of these, the account is not given dossiers or Kho documents it did not create."""

    NATIONAL_SSO = "national_sso", _("Đăng nhập bằng tài khoản định danh điện tử (VNeID / Cổng DVC quốc gia)")
    DOSSIER_CLAIM = "dossier_claim", _("Mã hồ sơ và mã tra cứu trên giấy tiếp nhận")
    DESK = "desk", _("Đối chiếu giấy tờ tại bộ phận một cửa")


class Role(models.TextChoices):
    """Roles of the brief (DOMAIN §1). Agency-scoped roles live on AgencyMembership."""

    CITIZEN = "citizen", _("Công dân / Tổ chức")
    INTAKE_OFFICER = "intake", _("Cán bộ một cửa")
    SPECIALIST = "specialist", _("Chuyên viên")
    APPROVER = "approver", _("Lãnh đạo phòng")
    AGENCY_LEADER = "agency_leader", _("Lãnh đạo đơn vị")
    PROVINCE_LEADER = "province_leader", _("Lãnh đạo tỉnh")
    ADMINISTRATOR = "admin", _("Quản trị hệ thống")
    POSTAL = "postal", _("Bưu chính công ích")
    FINANCE_OFFICER = "finance", _("Kế toán thu phí, lệ phí")


AGENCY_ROLES = (
    Role.INTAKE_OFFICER,
    Role.SPECIALIST,
    Role.APPROVER,
    Role.AGENCY_LEADER,
    Role.POSTAL,
    Role.FINANCE_OFFICER,
)
PROVINCE_ROLES = (Role.PROVINCE_LEADER, Role.ADMINISTRATOR)


class UnitLevel(models.TextChoices):
    PROVINCE = "province", _("Tỉnh / Thành phố trực thuộc trung ương")
    DISTRICT = "district", _("Huyện / Quận / Thị xã (trước 01/7/2025)")
    COMMUNE = "commune", _("Xã / Phường / Đặc khu")


class AgencyLevel(models.TextChoices):
    CENTRAL = "central", _("Trung ương")
    PROVINCE = "province", _("Cấp tỉnh")
    COMMUNE = "commune", _("Cấp xã")
    SECTORAL = "sectoral", _("Ngành dọc")


class CalendarDayKind(models.TextChoices):
    HOLIDAY = "holiday", _("Ngày nghỉ")
    WORKING = "working", _("Ngày làm việc (làm bù)")
