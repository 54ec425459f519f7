from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from portal.second_factor import second_factor_reset


class Command(BaseCommand):
    help = (
        "Đặt lại xác thực hai bước của một cán bộ (xóa ứng dụng xác thực đã đăng ký) để họ thiết lập lại; "
        "ghi vào lịch sử tài khoản dưới tên quản trị viên thực hiện."
    )

    def add_arguments(self, parser):
        parser.add_argument("username", help="Tài khoản cán bộ cần đặt lại.")
        parser.add_argument("--by", required=True, help="Tài khoản quản trị viên thực hiện (ghi nhật ký).")

    def handle(self, *args, username, by, **options):
        users = get_user_model().objects
        try:
            user = users.get(username=username)
        except users.model.DoesNotExist as exc:
            raise CommandError(f"Không có tài khoản {username}.") from exc
        actor = users.filter(username=by, is_active=True, is_staff=True).first()
        if actor is None or not actor.has_perm("portal.change_user"):
            raise CommandError(f"{by} không phải là quản trị viên.")
        removed = second_factor_reset(user=user, actor=actor)
        self.stdout.write(self.style.SUCCESS(f"Đã xóa {removed} thiết bị xác thực của {username}."))
