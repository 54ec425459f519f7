"""Bidirectional control characters are removed from what people type (issue 17, finding 9)."""

from django.urls import reverse

from dossiers.forms import ApplicantForm
from portal.models import User

RLO = "\u202e"


def test_registration_stores_the_name_without_an_rtl_override(client, db):
    client.post(
        reverse("register"),
        {
            "cccd": "056099000111",
            "full_name": f"Lê Văn {RLO}iớM",
            "address": "\u2067Nha Trang\u2069",
            "password1": f"Khong-de-doan-2026{RLO}",
            "password2": f"Khong-de-doan-2026{RLO}",
        },
    )
    user = User.objects.get(username="056099000111")
    assert user.full_name == "Lê Văn iớM" and user.address == "Nha Trang"
    # passwords are taken exactly as typed
    assert user.check_password(f"Khong-de-doan-2026{RLO}")


def test_the_applicant_form_of_a_dossier_strips_bidi_controls():
    form = ApplicantForm(
        data={
            "applicant_name": f"\u200eTrần Thị Bình{RLO}",
            "applicant_id_number": "056185005678",
            "applicant_address": "\u061c12 Lê Lợi",
        }
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["applicant_name"] == "Trần Thị Bình"
    assert form.cleaned_data["applicant_address"] == "12 Lê Lợi"
