"""`manage.py generate_dossiers --count N --years Y --seed S`: a generated province for measuring at scale."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from dossiers.generator import generate


class Command(BaseCommand):
    help = "Sinh hồ sơ mẫu ở quy mô cấp tỉnh (lịch sử xử lý, bàn giao theo lịch làm việc) để đo hiệu năng."

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=10000, help="Số hồ sơ")
        parser.add_argument("--years", type=float, default=3, help="Số năm lịch sử")
        parser.add_argument(
            "--seed", type=int, default=1, help="Hạt giống ngẫu nhiên (cùng hạt giống, cùng dữ liệu)"
        )
        parser.add_argument("--communes", type=int, default=60, help="Số xã, phường có bộ phận một cửa")
        parser.add_argument("--workers", type=int, default=0, help="Số tiến trình (mặc định: số lõi CPU)")
        parser.add_argument("--keep-indexes", action="store_true", help="Không xóa, dựng lại chỉ mục khi nạp")

    def handle(self, *args, **options):
        if options["count"] < 1:
            raise CommandError("--count phải lớn hơn 0.")
        try:
            report = generate(
                count=options["count"],
                years=options["years"],
                seed=options["seed"],
                communes=options["communes"],
                workers=options["workers"] or None,
                rebuild_indexes=False if options["keep_indexes"] else None,
                log=lambda message: self.stdout.write(message),
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        states = ", ".join(f"{state} {n}" for state, n in sorted(report.states.items()))
        self.stdout.write(
            self.style.SUCCESS(
                f"{report.dossiers} hồ sơ, {report.events} sự kiện, {report.handovers} bàn giao "
                f"trong {report.seconds:.1f} s ({states})."
            )
        )
