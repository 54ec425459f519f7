"""Navigation per role. Entries whose URL is not installed are skipped, so each app adds its pages here."""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from .constants import Role

PUBLIC = [
    (_("Thủ tục hành chính"), "procedures:catalogue"),
    (_("Tra cứu hồ sơ"), "dossiers:lookup"),
    (_("Xác thực văn bản"), "repository:verify"),
    (_("Phản ánh, kiến nghị"), "feedback:public_list"),
    (_("Đặt lịch hẹn"), "appointments:book"),
    (_("Chỉ số phục vụ"), "reporting:public"),
]

BY_ROLE = {
    Role.CITIZEN: [
        (_("Hồ sơ của tôi"), "dossiers:my_dossiers"),
        (_("Kho dữ liệu của tôi"), "repository:my_documents"),
    ],
    Role.INTAKE_OFFICER: [
        (_("Tiếp nhận hồ sơ"), "dossiers:intake_queue"),
        (_("Tiếp nhận trực tiếp"), "dossiers:counter_intake"),
        (_("Sổ theo dõi hồ sơ"), "dossiers:register"),
        (_("Số hóa"), "repository:digitisation_jobs"),
        (_("Lưu trữ hồ sơ"), "archive:list"),
        (_("Cấp số thứ tự"), "appointments:kiosk"),
        (_("Gọi số"), "appointments:desk"),
        (_("Thời gian chờ"), "appointments:stats"),
        (_("Xử lý phản ánh"), "feedback:queue"),
    ],
    Role.SPECIALIST: [
        (_("Hồ sơ cần xử lý"), "dossiers:work_queue"),
        (_("Lưu trữ hồ sơ"), "archive:list"),
        (_("Xử lý phản ánh"), "feedback:queue"),
    ],
    Role.APPROVER: [
        (_("Phân công và phê duyệt"), "dossiers:work_queue"),
        (_("Sổ theo dõi hồ sơ"), "dossiers:register"),
        (_("Lưu trữ hồ sơ"), "archive:list"),
        (_("Xử lý phản ánh"), "feedback:queue"),
        (_("Mức độ hài lòng"), "survey:results"),
    ],
    Role.AGENCY_LEADER: [
        (_("Theo dõi đơn vị"), "reporting:dashboard"),
        (_("Hồ sơ của đơn vị"), "dossiers:work_queue"),
        (_("Sổ theo dõi hồ sơ"), "dossiers:register"),
        (_("Lưu trữ hồ sơ"), "archive:list"),
        (_("Xử lý phản ánh"), "feedback:queue"),
        (_("Mức độ hài lòng"), "survey:results"),
    ],
    Role.PROVINCE_LEADER: [
        (_("Chỉ số phục vụ"), "reporting:dashboard"),
        (_("Mức độ hài lòng"), "survey:results"),
        (_("Xử lý phản ánh"), "feedback:queue"),
    ],
    Role.ADMINISTRATOR: [
        (_("Quản trị"), "admin:index"),
        (_("Danh mục thủ tục"), "admin:procedures_procedure_changelist"),
        (_("Lưu trữ hồ sơ"), "archive:list"),
        (_("Mẫu thông báo"), "notifications:template_list"),
        (_("Xử lý phản ánh"), "feedback:queue"),
        (_("Mức độ hài lòng"), "survey:results"),
    ],
    Role.POSTAL: [(_("Hồ sơ bưu chính"), "dossiers:intake_queue")],
    Role.FINANCE_OFFICER: [(_("Thu phí, lệ phí"), "payments:finance")],
}


def _resolve(entries):
    for label, name in entries:
        try:
            yield {"label": label, "url": reverse(name), "name": name}
        except NoReverseMatch:
            continue


def menu_for(user) -> list[dict]:
    entries = list(PUBLIC)
    if user.is_authenticated:
        for role in BY_ROLE:
            if role in user.roles():
                # One entry per page: a specialist who also approves sees the work queue once.
                seen = {name for _, name in entries}
                entries.extend(e for e in BY_ROLE[role] if e[1] not in seen)
    return list(_resolve(entries))


def public_menu_urls() -> frozenset[str]:
    """The addresses of the public menu (the same for every visitor)."""
    return frozenset(item["url"] for item in _resolve(PUBLIC))
