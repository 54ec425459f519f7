"""Deploy checks of the Kho dữ liệu: signing keys are never plain files the web process can simply read."""

from __future__ import annotations

from django.core.checks import Error, register

from . import keystore
from .signing import pki_dir


def _key_files():
    base = pki_dir()
    candidates = [base / "ca" / "ca.key"]
    agencies = base / "agencies"
    if agencies.is_dir():
        candidates += sorted(p for p in agencies.rglob("*") if p.is_file())
    return [path for path in candidates if path.is_file()]


@register("security", deploy=True)
def signing_keys_encrypted(app_configs=None, **kwargs) -> list[Error]:
    """`check --deploy` refuses plain PEM signing keys, and encrypted ones without a passphrase to open them."""
    errors = []
    files = _key_files()
    plain = [path for path in files if keystore.is_plain_key(path.read_bytes())]
    if plain:
        listed = ", ".join(str(path) for path in plain[:5]) + (" …" if len(plain) > 5 else "")
        errors.append(
            Error(
                f"Khóa ký số không được mã hóa: {listed}. Ai đọc được tệp là ký được thay cơ quan.",
                hint=(
                    "Đặt SIGNING_KEY_PASSPHRASE rồi nạp lại chứng thư (create_signing_certificates --agency "
                    "<mã> --import-p12 <tệp> --passphrase …), hoặc giữ khóa trên thiết bị PKCS#11 "
                    "(SIGNING_PKCS11_MODULE)."
                ),
                id="repository.E001",
            )
        )
    if len(plain) < len(files) and keystore.key_passphrase() is None:
        errors.append(
            Error(
                "Có khóa ký số đã mã hóa nhưng SIGNING_KEY_PASSPHRASE chưa được đặt: không ký được kết quả.",
                hint="Đặt SIGNING_KEY_PASSPHRASE trong môi trường của web và worker.",
                id="repository.E002",
            )
        )
    return errors
