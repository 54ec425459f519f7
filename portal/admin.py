from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import (
    AdministrativeUnit,
    Agency,
    AgencyMembership,
    CalendarDay,
    Organisation,
    OrganisationMember,
    PendingTask,
    User,
    WorkCalendar,
)
from .second_factor import second_factor_reset
from .services import calendar_seed_holidays


class AgencyMembershipInline(admin.TabularInline):
    model = AgencyMembership
    extra = 0
    autocomplete_fields = ["agency"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "full_name", "account_type", "province_role", "email", "is_active"]
    list_filter = ["account_type", "province_role", "is_active", "is_staff"]
    search_fields = ["username", "full_name", "cccd", "email", "phone"]
    fieldsets = BaseUserAdmin.fieldsets + (
        (
            _("Thông tin định danh"),
            {
                "fields": (
                    "account_type",
                    "full_name",
                    "cccd",
                    "date_of_birth",
                    "phone",
                    "address",
                    "administrative_unit",
                    "province_role",
                )
            },
        ),
    )
    autocomplete_fields = ["administrative_unit"]
    inlines = [AgencyMembershipInline]
    actions = ["reset_second_factor"]

    @admin.action(description=_("Đặt lại xác thực hai bước (xóa ứng dụng xác thực)"), permissions=["change"])
    def reset_second_factor(self, request, queryset):
        for user in queryset:
            second_factor_reset(user=user, actor=request.user)
        self.message_user(
            request,
            _("Đã đặt lại xác thực hai bước cho %(count)d tài khoản; họ sẽ thiết lập lại khi đăng nhập.")
            % {"count": queryset.count()},
            messages.SUCCESS,
        )


class OrganisationMemberInline(admin.TabularInline):
    model = OrganisationMember
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["tax_code", "name", "phone"]
    search_fields = ["tax_code", "name"]
    inlines = [OrganisationMemberInline]


@admin.register(AdministrativeUnit)
class AdministrativeUnitAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent", "valid_from", "valid_to", "successor"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["parent", "successor"]


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "administrative_unit", "has_one_stop_desk", "active"]
    list_filter = ["level", "has_one_stop_desk", "active"]
    search_fields = ["code", "name", "short_name"]
    autocomplete_fields = ["parent", "administrative_unit"]


class CalendarDayInline(admin.TabularInline):
    model = CalendarDay
    extra = 1


@admin.register(WorkCalendar)
class WorkCalendarAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "is_default",
        "morning_start",
        "morning_end",
        "afternoon_start",
        "afternoon_end",
        "cutoff_time",
    ]
    inlines = [CalendarDayInline]
    actions = ["seed_holidays"]

    @admin.action(description=_("Nạp ngày lễ, ngày nghỉ bù năm nay và năm sau"))
    def seed_holidays(self, request, queryset):
        from django.utils import timezone

        year = timezone.localdate().year
        for calendar in queryset:
            added = calendar_seed_holidays(calendar=calendar, years=[year, year + 1])
            self.message_user(
                request,
                _("%(name)s: thêm %(n)d ngày.") % {"name": calendar.name, "n": added},
                messages.SUCCESS,
            )


class PendingFilter(admin.SimpleListFilter):
    title = _("trạng thái gửi")
    parameter_name = "da_gui"

    def lookups(self, request, model_admin):
        return [("0", _("Chờ gửi")), ("1", _("Đã gửi"))]

    def queryset(self, request, queryset):
        if self.value() in ("0", "1"):
            return queryset.filter(dispatched_at__isnull=self.value() == "0")
        return queryset


@admin.register(PendingTask)
class PendingTaskAdmin(admin.ModelAdmin):
    """Read-only: rows are written by `portal.outbox` and sent by the beat task, never edited by hand."""

    list_display = ["task", "args", "queue", "created_at", "last_attempt_at", "attempts", "dispatched_at"]
    list_filter = [PendingFilter, "task", "queue"]
    search_fields = ["task", "last_error"]
    date_hierarchy = "created_at"
    ordering = ["-created_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
