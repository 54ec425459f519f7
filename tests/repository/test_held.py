"""What the applicant already holds in Kho dữ liệu, per component of their dossier: the desk sees it and the
processing side refuses to ask for it again (once-only, NĐ 45/2020/NĐ-CP)."""

import pytest
from django.template import Context, Template
from django.template.loader import render_to_string

from dossiers import services as dossier_services
from portal.constants import Role
from procedures.models import Component
from repository import selectors, services
from tests.dossiers.factories import form_answers, png_upload, submitted
from tests.portal.factories import officer_in

from .conftest import store, text_pdf

pytestmark = pytest.mark.date_sensitive


def _component(province, code) -> Component:
    return next(c for c in province.components() if c.code == code)


@pytest.fixture
def holdings(province, yesterday):
    """The applicant's Kho: a valid ID card, an expired one, a drawing they do not share, a revoked permit."""
    citizen = province.citizen
    card = store(citizen, title="CCCD còn hạn", document_type_code="CCCD", document_type_name="Căn cước")
    store(
        citizen,
        title="CMND hết hạn",
        document_type_code="CCCD",
        document_type_name="Căn cước",
        valid_to=yesterday,
    )
    drawing = store(
        citizen,
        title="Bản vẽ riêng",
        document_type_code="BAN_VE",
        document_type_name="Bản vẽ",
        consent_to_reuse=False,
    )
    unrelated = store(citizen, title="Sổ tiết kiệm", document_type_code="SO_TK", document_type_name="Sổ")
    return {"card": card, "drawing": drawing, "unrelated": unrelated}


def test_per_component_only_valid_shared_documents_count(province, holdings):
    # given a dossier of the applicant
    dossier = submitted(province)

    # when
    held = selectors.documents_held_for_dossier(dossier)

    # then every component is listed, in order, with what is held for it
    assert [entry.component.code for entry in held] == ["DON_DE_NGHI", "CCCD", "BAN_VE"]
    assert {entry.component.code: [d.title for d in entry.documents] for entry in held} == {
        "DON_DE_NGHI": [],
        "CCCD": ["CCCD còn hạn"],
        "BAN_VE": [],
    }
    assert held.any_held and [e.component.code for e in held.held_only] == ["CCCD"]


@pytest.mark.parametrize(("code", "expected"), [("CCCD", True), ("BAN_VE", False), ("DON_DE_NGHI", False)])
def test_component_is_held(province, holdings, code, expected):
    dossier = submitted(province)

    assert selectors.component_is_held(dossier, _component(province, code)) is expected


def test_a_deleted_document_no_longer_counts(province, holdings):
    # given the applicant deletes their only valid ID card
    dossier = submitted(province)
    services.document_delete(actor=province.citizen, document=holdings["card"])

    # then
    assert not selectors.component_is_held(dossier, _component(province, "CCCD"))


def test_a_revoked_result_no_longer_counts(province, pki):
    # given an ID card issued as a signed result, then revoked by its agency
    dossier = submitted(province)
    services.signing_certificate_issue(agency=province.department)
    approver = officer_in(province.department, Role.APPROVER)
    result = services.result_issue(
        actor=approver,
        agency=province.department,
        owner=province.citizen,
        pdf=text_pdf("CĂN CƯỚC"),
        document_type_code="CCCD",
        document_type_name="Căn cước",
        title="Căn cước cấp lại",
    )
    assert selectors.component_is_held(dossier, _component(province, "CCCD"))

    # when
    services.document_revoke(actor=approver, document=result, reason="Cấp nhầm người")

    # then
    assert not selectors.component_is_held(dossier, _component(province, "CCCD"))


def test_the_store_of_the_organisation_filed_for_is_the_one_that_counts(province, holdings):
    from portal.models import Organisation, OrganisationMember

    # given the applicant files for their company, which holds no ID card but a drawing it shares
    company = Organisation.objects.create(tax_code="4201234566", name="Công ty TNHH Biển Xanh")
    OrganisationMember.objects.create(organisation=company, user=province.citizen)
    store(company, actor=province.citizen, title="Bản vẽ công ty", document_type_code="BAN_VE")
    dossier = dossier_services.dossier_create_draft(
        actor=province.citizen, version=province.version, organisation=company
    )

    # then the person's own ID card does not count, the company's drawing does
    assert not selectors.component_is_held(dossier, _component(province, "CCCD"))
    assert selectors.component_is_held(dossier, _component(province, "BAN_VE"))


def test_a_walk_in_without_an_account_holds_nothing(province, holdings):
    # given a counter intake for someone with no account
    walk_in = dossier_services.ApplicantData(
        name="Lê Văn Khách", id_number="056090099999", address="Nha Trang", phone="0905000111"
    )
    dossier = dossier_services.dossier_receive_in_person(
        actor=province.officer,
        agency=province.centre,
        version=province.version,
        channel=1,
        applicant=walk_in,
        form_data=form_answers(province.citizen, ho_ten=walk_in.name, so_cccd=walk_in.id_number),
        uploads=[
            dossier_services.ComponentUpload(
                component=_component(province, "DON_DE_NGHI"), upload=png_upload()
            )
        ],
        delivery_method="desk",
    )

    # then
    assert dossier.applicant is None
    assert not selectors.documents_held_for_dossier(dossier).any_held
    assert not selectors.component_is_held(dossier, _component(province, "CCCD"))


def test_the_answer_costs_two_queries_whatever_the_components(province, holdings, django_assert_num_queries):
    dossier = submitted(province)
    dossier = (
        type(dossier)
        .objects.select_related("procedure_version", "applicant", "organisation")
        .get(pk=dossier.pk)
    )

    with django_assert_num_queries(2):
        selectors.documents_held_for_dossier(dossier)


def test_the_include_shows_the_desk_what_not_to_ask_for(province, holdings):
    dossier = submitted(province)

    html = render_to_string(
        "repository/_held_by_applicant.html", {"held": selectors.documents_held_for_dossier(dossier)}
    )

    assert "Giấy tờ người nộp đã có trong Kho dữ liệu" in html
    assert "Căn cước công dân" in html and "CCCD còn hạn" in html
    assert f'href="/kho-du-lieu/giay-to/{holdings["card"].pk}/"' in html
    assert "CMND hết hạn" not in html and "Bản vẽ riêng" not in html


def test_the_tag_renders_the_same_for_another_apps_page(province):
    # given an applicant who holds nothing
    dossier = submitted(province)

    html = Template("{% load kho %}{% held_by_applicant dossier %}").render(Context({"dossier": dossier}))

    assert 'data-testid="held-by-applicant"' in html
    assert "Người nộp chưa có giấy tờ còn hiệu lực nào trong Kho dữ liệu" in html


def test_an_officer_of_the_desk_opens_a_held_document(client, province, holdings):
    # given the dossier was received at the officer's desk
    dossier_services.dossier_receive(dossier=submitted(province), actor=province.officer)
    client.force_login(province.officer)

    # when they follow the link of the include
    response = client.get(f"/kho-du-lieu/giay-to/{holdings['card'].pk}/")

    # then they may read it (the dossier they handle asks for an ID card, and the person lets agencies reuse it)
    assert response.status_code == 200
    assert "CCCD còn hạn" in response.content.decode()
    # but not a document the person keeps to themselves, nor one no dossier of theirs at the desk asks for
    for private in (holdings["drawing"], holdings["unrelated"]):
        assert client.get(f"/kho-du-lieu/giay-to/{private.pk}/").status_code == 404
