import subprocess
import sys

import pytest
from django.core import mail
from django.urls import reverse

from portal import demo
from portal.constants import Role
from portal.models import AdministrativeUnit, Agency, User

from .factories import AgencyFactory, CitizenFactory, UserFactory, officer_in


@pytest.fixture
def demo_province(db):
    demo.load()


ROLE_ACCOUNTS = [
    ("056090001234", Role.CITIZEN, "Công dân / Tổ chức"),
    ("motcua", Role.INTAKE_OFFICER, "Cán bộ một cửa"),
    ("chuyenvien.sxd", Role.SPECIALIST, "Chuyên viên"),
    ("lanhdaophong.sxd", Role.APPROVER, "Lãnh đạo phòng"),
    ("giamdoc.sxd", Role.AGENCY_LEADER, "Lãnh đạo đơn vị"),
    ("lanhdaotinh", Role.PROVINCE_LEADER, "Lãnh đạo tỉnh"),
    ("quantri", Role.ADMINISTRATOR, "Quản trị hệ thống"),
    ("buudien", Role.POSTAL, "Bưu chính công ích"),
]


@pytest.mark.parametrize(("username", "role", "label"), ROLE_ACCOUNTS)
def test_every_demo_role_logs_in_and_sees_its_home(client, demo_province, username, role, label):
    response = client.post(
        reverse("login"), {"username": username, "password": demo.DEMO_PASSWORD}, follow=True
    )
    assert response.context["user"].is_authenticated
    assert response.context["role"] == role
    assert label in response.content.decode()


def test_demo_data_is_idempotent_and_realistic(demo_province):
    counts = (User.objects.count(), Agency.objects.count(), AdministrativeUnit.objects.count())
    demo.load()
    assert (User.objects.count(), Agency.objects.count(), AdministrativeUnit.objects.count()) == counts
    assert AdministrativeUnit.objects.current().filter(level="province").count() == 34
    old_ward = AdministrativeUnit.objects.get(code="22360")
    assert old_ward.current_successor().name == "Phường Nha Trang"
    assert not AdministrativeUnit.objects.current().filter(code="568").exists()


def test_wrong_password_shows_vietnamese_error(client, demo_province):
    response = client.post(reverse("login"), {"username": "motcua", "password": "sai"})
    assert response.status_code == 200
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in response.content.decode()


def test_brute_force_is_locked_out(client, demo_province, settings):
    settings.AXES_ENABLED = True
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "motcua", "password": "sai"})
    response = client.post(reverse("login"), {"username": "motcua", "password": demo.DEMO_PASSWORD})
    assert response.status_code == 429
    assert "Tạm khóa đăng nhập" in response.content.decode()


def test_citizen_registration_validates_cccd(client, db):
    response = client.post(
        reverse("register"),
        {
            "cccd": "12345",
            "full_name": "Lê Văn Mới",
            "password1": "Khong-de-doan-2026",
            "password2": "Khong-de-doan-2026",
        },
    )
    assert "Số định danh cá nhân (CCCD) phải gồm đúng 12 chữ số." in response.content.decode()
    assert not User.objects.filter(full_name="Lê Văn Mới").exists()

    response = client.post(
        reverse("register"),
        {
            "cccd": "056099000111",
            "full_name": "Lê Văn Mới",
            "password1": "Khong-de-doan-2026",
            "password2": "Khong-de-doan-2026",
        },
        follow=True,
    )
    user = User.objects.get(username="056099000111")
    assert user.is_citizen and user.cccd == "056099000111"
    assert response.context["user"] == user


def test_officer_may_hold_roles_in_several_agencies(db):
    first, second = AgencyFactory(), AgencyFactory()
    officer = officer_in(first, Role.SPECIALIST)
    from portal.services import officer_assign

    officer_assign(user=officer, agency=second, role=Role.APPROVER)
    assert set(officer.agencies()) == {first, second}
    assert officer.has_role(Role.APPROVER, agency=second)
    assert not officer.has_role(Role.APPROVER, agency=first)
    assert officer.primary_role == Role.APPROVER


def test_citizen_cannot_be_assigned_to_an_agency(db):
    from portal.errors import ApplicationError
    from portal.services import officer_assign

    with pytest.raises(ApplicationError):
        officer_assign(user=CitizenFactory(), agency=AgencyFactory(), role=Role.SPECIALIST)


def test_password_reset_sends_mail_in_vietnamese(client, db):
    UserFactory(username="quen", email="quen@example.vn")
    client.post(reverse("password_reset"), {"email": "quen@example.vn"})
    assert len(mail.outbox) == 1
    assert "đặt lại mật khẩu" in mail.outbox[0].body


def test_profile_update(client, db):
    citizen = CitizenFactory()
    client.force_login(citizen)
    response = client.post(
        reverse("profile"),
        {
            "full_name": "Tên Mới",
            "email": "moi@example.vn",
            "phone": "12",
            "address": "",
            "date_of_birth": "",
        },
    )
    assert "Số điện thoại di động không hợp lệ" in response.content.decode()
    client.post(
        reverse("profile"),
        {
            "full_name": "Tên Mới",
            "email": "moi@example.vn",
            "phone": "0905111222",
            "address": "Nha Trang",
            "date_of_birth": "1990-01-02",
        },
    )
    citizen.refresh_from_db()
    assert citizen.full_name == "Tên Mới" and citizen.phone == "0905111222"


def test_english_is_selectable(client, db):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"}, follow=True)
    assert response.context["LANGUAGE_CODE"] == "en"


def test_pages_load_no_asset_from_the_internet(client, demo_province):
    client.login(username="motcua", password=demo.DEMO_PASSWORD)
    html = client.get(reverse("home")).content.decode()
    assert "http://" not in html.replace("http://127.0.0.1", "") and "https://" not in html
    assert 'name="viewport"' in html


def test_healthz(client, db):
    assert client.get(reverse("healthz")).json()["status"] == "ok"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "DJANGO_SECRET_KEY"),
        ({"DJANGO_SECRET_KEY": "x" * 60}, "DJANGO_ALLOWED_HOSTS"),
    ],
)
def test_production_refuses_to_start_without_secrets(env, message):
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='portal.settings'; django.setup()",
        ],
        env={"DJANGO_ENV": "production", "PATH": "/usr/bin:/bin", **env},
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert message in result.stderr


def test_vietnamese_is_the_default_whatever_the_browser_asks(client, db):
    response = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.context["LANGUAGE_CODE"] == "vi"
    assert response["Content-Language"] == "vi"


def test_language_switcher_names_each_language_in_itself(client, db):
    html = client.get(reverse("home")).content.decode()
    assert 'lang="en">English</button>' in html


def test_an_officer_with_two_roles_sees_each_page_once(demo_province):
    from portal.navigation import menu_for

    officer = User.objects.get(username="chuyenvien.nhatrang")  # specialist and approver of the same ward
    names = [item["name"] for item in menu_for(officer)]
    assert names.count("dossiers:work_queue") == 1
    assert len(names) == len(set(names))
