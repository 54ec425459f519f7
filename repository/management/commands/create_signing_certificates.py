from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from portal.models import Agency
from repository import services, signing


class Command(BaseCommand):
    help = (
        "Tạo CA thử nghiệm và chứng thư ký số cho các cơ quan (môi trường phát triển), hoặc nạp chứng thư thật "
        "của một cơ quan từ tệp PKCS#12. Khóa bí mật lưu trong PKI_DIR, không lưu trong cơ sở dữ liệu."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--agency", action="append", default=[], help="Mã cơ quan (lặp lại được); mặc định mọi cơ quan."
        )
        parser.add_argument(
            "--renew",
            action="store_true",
            help="Cấp chứng thư mới kể cả khi cơ quan đã có chứng thư còn hiệu lực.",
        )
        parser.add_argument("--days", type=int, default=730, help="Thời hạn chứng thư (ngày).")
        parser.add_argument(
            "--import-p12", dest="p12", help="Tệp .p12/.pfx do tổ chức chứng thực cấp cho cơ quan (--agency)."
        )
        parser.add_argument("--passphrase", default="", help="Mật khẩu của tệp PKCS#12.")
        parser.add_argument(
            "--pkcs11-key",
            dest="pkcs11_key",
            help="Nhãn khóa bí mật của cơ quan (--agency) trên thiết bị PKCS#11 (SIGNING_PKCS11_MODULE).",
        )
        parser.add_argument("--certificate", help="Tệp chứng thư (PEM) của khóa trên thiết bị PKCS#11.")
        parser.add_argument(
            "--allow-development-ca",
            action="store_true",
            help="Cho phép tạo CA thử nghiệm khi DJANGO_ENV=production (chỉ dùng cho môi trường trình diễn).",
        )

    def handle(
        self,
        *args,
        agency,
        renew,
        days,
        p12,
        passphrase,
        pkcs11_key,
        certificate,
        allow_development_ca,
        **options,
    ):
        if p12 or pkcs11_key:
            if len(agency) != 1:
                raise CommandError("Khi nạp chứng thư của cơ quan cần đúng một --agency.")
            target = Agency.objects.filter(code=agency[0]).first()
            if target is None:
                raise CommandError(f"Không có cơ quan mã {agency[0]}.")
            if pkcs11_key:
                if not certificate:
                    raise CommandError("Cần --certificate: tệp chứng thư của khóa trên thiết bị PKCS#11.")
                certificate = services.signing_certificate_register_pkcs11(
                    agency=target, certificate_pem=Path(certificate).read_bytes(), key_label=pkcs11_key
                )
            else:
                certificate = services.signing_certificate_import(
                    agency=target, p12=Path(p12).read_bytes(), passphrase=passphrase.encode() or None
                )
            self.stdout.write(
                self.style.SUCCESS(f"Đã nạp chứng thư {certificate.serial_number} cho {target.name}.")
            )
            return
        if settings.PRODUCTION and not allow_development_ca:
            raise CommandError(
                "Môi trường production phải dùng chứng thư do tổ chức chứng thực cấp: dùng --import-p12. "
                "Chứng thư của CA thử nghiệm không có giá trị pháp lý."
            )
        agencies = Agency.objects.filter(active=True)
        if agency:
            agencies = agencies.filter(code__in=agency)
            missing = set(agency) - set(agencies.values_list("code", flat=True))
            if missing:
                raise CommandError(f"Không có cơ quan mã {', '.join(sorted(missing))}.")
        signing.ca_ensure()
        created = 0
        with transaction.atomic():
            for target in agencies:
                if not renew and services.signing_certificate_current(target):
                    continue
                services.signing_certificate_issue(agency=target, valid_days=days)
                created += 1
        self.stdout.write(
            self.style.SUCCESS(
                f"CA thử nghiệm: {signing.ca_paths()[0]}. Đã cấp {created} chứng thư ký số mới."
            )
        )
