"""Fee exemptions for listed target groups: the catalogue lists them per version, the applicant claims one when
filing, the amount owed follows, and the one-stop desk may refuse the claim (then the full fee is owed)."""

import pytest
from django.urls import reverse

from dossiers import services as dossier_services
from dossiers.constants import DeliveryMethod, DossierState, EventAction
from payments import services
from payments.models import PaymentTerms
from portal.errors import ApplicationError, Conflict, NotPermitted
from procedures.models import FeeExemption
from tests.dossiers.factories import applicant_data, draft, form_answers
from tests.procedures.factories import published_version

from .conftest import start_payment
from .test_finance_and_refunds import _pay

pytestmark = pytest.mark.django_db

FEE = "Lệ phí cấp giấy phép"


def _exemptions(version):
    poor = FeeExemption.objects.create(
        version=version,
        order=1,
        group="Người thuộc hộ nghèo",
        percent=100,
        legal_basis="Khoản 2 Điều 4 Thông tư 106/2021/TT-BTC",
        proof="Giấy chứng nhận hộ nghèo",
    )
    disabled = FeeExemption.objects.create(
        version=version,
        order=2,
        group="Người khuyết tật",
        fee_name=FEE,
        percent=50,
        legal_basis="Nghị quyết của HĐND tỉnh",
    )
    return poor, disabled


def _claim(province, dossier, exemption):
    return dossier_services.dossier_update_applicant(
        dossier=dossier,
        actor=province.citizen,
        applicant=applicant_data(province.citizen),
        form_data=form_answers(province.citizen),
        fee_exemption=exemption,
    )


def test_exemption_effects_are_whole_dong(province):
    poor, disabled = _exemptions(province.version)
    assert poor.reduced(75000) == 0 and poor.applies_to("Phí thẩm định") and poor.is_full
    assert disabled.reduced(75000) == 37500 and disabled.reduced(75001) == 37501  # half up
    assert disabled.applies_to("lệ phí cấp giấy phép ") and not disabled.applies_to("Phí thẩm định")
    assert str(disabled.effect) == f"giảm 50% {FEE}"
    assert str(poor.effect) == "miễn mọi khoản phí, lệ phí"


def test_a_reduction_lowers_the_fee_line_and_shows_on_the_receipt_and_the_finance_view(
    client, province, django_capture_on_commit_callbacks
):
    _poor, disabled = _exemptions(province.version)
    dossier = _claim(province, draft(province, province.citizen), disabled)
    owed = services.amount_owed(dossier)
    assert owed.amount == 37500
    assert owed.lines == [
        {
            "name": FEE,
            "amount": 37500,
            "full_amount": 75000,
            "exemption": f"Người khuyết tật — giảm 50% {FEE} (Nghị quyết của HĐND tỉnh)",
        }
    ]
    payment, _ = start_payment(province, dossier)
    assert payment.amount == 37500
    payment = _pay(client, payment, django_capture_on_commit_callbacks)
    assert services.amount_owed(dossier) is None
    client.force_login(province.finance)
    page = client.get(reverse("payments:finance")).content.decode()
    assert 'data-testid="line-exemption"' in page and "Người khuyết tật — giảm 50%" in page
    assert "75.000" in page
    from payments.receipts import receipt_html

    html = receipt_html(payment)
    assert "miễn, giảm: Người khuyết tật" in html and "Mức thu 75.000" in html


def test_a_claim_must_name_an_exemption_of_the_dossiers_version(province):
    other = published_version(agencies=[province.department])
    foreign = FeeExemption.objects.create(
        version=other, group="Trẻ em", legal_basis="Thông tư 106/2021/TT-BTC", percent=100
    )
    dossier = draft(province, province.citizen)
    with pytest.raises(ApplicationError) as error:
        _claim(province, dossier, foreign)
    assert "fee_exemption" in error.value.extra["errors"]
    dossier.refresh_from_db()
    assert dossier.fee_exemption_id is None


def test_filing_with_a_claim_then_the_desk_refuses_it(client, province, django_capture_on_commit_callbacks):
    """The view path: the applicant picks a group on the applicant page, nothing is owed so the submission is
    not held back; the desk officer refuses the claim with a reason and the full fee is owed again."""
    poor, _disabled = _exemptions(province.version)
    PaymentTerms.objects.create(procedure=province.version.procedure, pay_at_filing=True)
    citizen = province.citizen
    dossier = draft(province, citizen)
    assert services.amount_owed(dossier).amount == 75000
    assert dossier_services.submission_problems(dossier=dossier)  # unpaid, no claim: held back
    client.force_login(citizen)
    url = reverse("dossiers:edit_applicant", args=[dossier.pk])
    page = client.get(url).content.decode()
    assert 'type="radio" name="fee_exemption"' in page and "Người thuộc hộ nghèo" in page
    assert "<legend" in page and 'aria-describedby="id_fee_exemption_helptext"' in page
    data = {
        "version": dossier.version,
        "applicant_name": citizen.full_name,
        "applicant_id_number": citizen.cccd,
        "applicant_address": "12 Trần Phú, phường Nha Trang",
        "applicant_phone": "0905123456",
        **{f"tk-{k}": v for k, v in form_answers(citizen).items() if not isinstance(v, bool)},
        "tk-cam_ket": "on",
    }
    # a made-up choice is refused in Vietnamese, next to the field
    bad = client.post(url, {**data, "fee_exemption": "999999"})
    assert bad.status_code == 200 and "Chọn một đối tượng trong danh sách" in bad.content.decode()
    response = client.post(url, {**data, "fee_exemption": str(poor.pk)})
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.fee_exemption == poor
    assert services.amount_owed(dossier) is None
    assert dossier_services.submission_problems(dossier=dossier) == []
    dossier = dossier_services.dossier_submit(dossier=dossier, actor=citizen)
    assert not dossier.paid_online
    # the desk sees the claim and refuses it
    client.force_login(province.officer)
    detail = client.get(reverse("dossiers:detail", args=[dossier.pk])).content.decode()
    refuse_url = reverse("dossiers:refuse_fee_exemption", args=[dossier.pk])
    assert 'data-testid="fee-exemption"' in detail and refuse_url in detail
    short = client.post(refuse_url, {"version": dossier.version, "reason": "Thiếu"})
    assert short.status_code == 200 and "ít nhất 10 ký tự" in short.content.decode()
    response = client.post(
        refuse_url, {"version": dossier.version, "reason": "Không có giấy chứng nhận hộ nghèo còn hiệu lực."}
    )
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.fee_exemption_refused_at is not None and dossier.granted_fee_exemption is None
    event = dossier.events.get(action=EventAction.FEE_EXEMPTION_REFUSED)
    assert event.actor == province.officer and not event.public
    assert event.payload["group"] == "Người thuộc hộ nghèo" and "hộ nghèo còn hiệu lực" in event.reason
    owed = services.amount_owed(dossier)
    assert owed.amount == 75000 and owed.lines == [{"name": FEE, "amount": 75000}]
    # the applicant sees why, and can pay the full fee
    client.force_login(citizen)
    page = client.get(reverse("dossiers:detail", args=[dossier.pk])).content.decode()
    assert "Không chấp nhận miễn, giảm phí, lệ phí" in page and "hộ nghèo còn hiệu lực" in page
    assert 'data-testid="amount-owed">75.000' in page
    # the public lookup page never shows it
    assert not dossier.events.public().filter(action=EventAction.FEE_EXEMPTION_REFUSED).exists()
    # refusing twice is a conflict
    with pytest.raises(Conflict):
        dossier_services.dossier_refuse_fee_exemption(
            dossier=dossier, actor=province.officer, reason="Lý do lần thứ hai cho chắc."
        )


def test_only_the_desk_refuses_a_claim_and_only_while_the_dossier_runs(province):
    poor, _ = _exemptions(province.version)
    dossier = _claim(province, draft(province, province.citizen), poor)
    with pytest.raises(Conflict):  # a draft is not at the desk yet
        dossier_services.dossier_refuse_fee_exemption(
            dossier=dossier, actor=province.officer, reason="Không đủ giấy tờ chứng minh."
        )
    dossier = dossier_services.dossier_submit(dossier=dossier, actor=province.citizen)
    with pytest.raises(NotPermitted):
        dossier_services.dossier_refuse_fee_exemption(
            dossier=dossier, actor=province.specialist, reason="Không đủ giấy tờ chứng minh."
        )
    dossier = dossier_services.dossier_refuse(
        dossier=dossier, actor=province.officer, reason="Không thuộc thẩm quyền giải quyết."
    )
    assert dossier.state == DossierState.REFUSED
    with pytest.raises(Conflict):
        dossier_services.dossier_refuse_fee_exemption(
            dossier=dossier, actor=province.officer, reason="Không đủ giấy tờ chứng minh."
        )


def test_a_reduced_fee_paid_then_refused_leaves_the_difference_owed(
    client, province, django_capture_on_commit_callbacks
):
    _poor, disabled = _exemptions(province.version)
    dossier = _claim(province, draft(province, province.citizen), disabled)
    dossier = dossier_services.dossier_set_delivery(
        dossier=dossier, actor=province.citizen, method=DeliveryMethod.DESK
    )
    payment, _ = start_payment(province, dossier)
    _pay(client, payment, django_capture_on_commit_callbacks)
    dossier = dossier_services.dossier_submit(dossier=dossier, actor=province.citizen)
    dossier_services.dossier_refuse_fee_exemption(
        dossier=dossier, actor=province.officer, reason="Giấy xác nhận khuyết tật không hợp lệ."
    )
    dossier.refresh_from_db()
    owed = services.amount_owed(dossier)
    assert owed.amount == 37500 and owed.lines[0]["name"] == "Phần phí, lệ phí không được miễn, giảm"


def test_the_national_record_lists_what_is_charged_after_the_exemption(province):
    from dossiers.national.payloads import _fees

    _poor, disabled = _exemptions(province.version)
    dossier = _claim(province, draft(province, province.citizen), disabled)
    assert [f["Gia"] for f in _fees(dossier)] == [37500]
    dossier = dossier_services.dossier_submit(dossier=dossier, actor=province.citizen)
    dossier_services.dossier_refuse_fee_exemption(
        dossier=dossier, actor=province.officer, reason="Giấy xác nhận khuyết tật không hợp lệ."
    )
    dossier.refresh_from_db()
    assert [f["Gia"] for f in _fees(dossier)] == [75000]


def test_the_applicant_is_told_when_the_claim_is_refused(province):
    """The refusal writes a notice to the applicant's account through the outbox, with the reason and the full
    fee now owed; the built-in wording exists in Vietnamese and English for every channel."""
    from notifications.constants import Channel, Kind
    from notifications.models import Notification
    from notifications.rendering import builtin, render_text

    poor, _ = _exemptions(province.version)
    dossier = _claim(province, draft(province, province.citizen), poor)
    dossier = dossier_services.dossier_submit(dossier=dossier, actor=province.citizen)
    assert not Notification.objects.filter(kind=Kind.FEE_EXEMPTION_REFUSED).exists()
    dossier_services.dossier_refuse_fee_exemption(
        dossier=dossier, actor=province.officer, reason="Giấy chứng nhận hộ nghèo đã hết hạn."
    )
    # the applicant's dossier API carries the claim and the refusal
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(province.citizen)
    detail = api.get(reverse("dossiers-api:detail", args=[dossier.pk])).json()
    assert (
        detail["fee_exemption"]["group"] == "Người thuộc hộ nghèo"
        and detail["fee_exemption"]["percent"] == 100
    )
    assert detail["fee_exemption_refusal"] == "Giấy chứng nhận hộ nghèo đã hết hạn."
    assert detail["fee_exemption_refused_at"]
    notices = Notification.objects.filter(kind=Kind.FEE_EXEMPTION_REFUSED, dossier_id=dossier.pk)
    assert notices.exists() and {n.recipient_id for n in notices} == {province.citizen.pk}
    inbox = notices.get(channel=Channel.INBOX)
    assert "Giấy chứng nhận hộ nghèo đã hết hạn." in inbox.body and "75.000 ₫" in inbox.body
    assert "không chấp nhận đề nghị miễn, giảm" in inbox.body
    context = {"name": "An", "code": "H32-1", "procedure": "P", "reason": "R", "amount": "75.000 ₫"}
    for language in ("vi", "en"):
        for channel in Channel.values:
            source = builtin(Kind.FEE_EXEMPTION_REFUSED, channel, language)
            if channel != Channel.ZALO:
                assert "75.000 ₫" in render_text(source.body, context)
    assert "Full fee due" in render_text(builtin(Kind.FEE_EXEMPTION_REFUSED, Channel.SMS, "en").body, context)


def _counter_data(province, version):
    return {
        "thu_tuc": version.pk,
        "desk": province.centre.pk,
        "channel": "1",
        "applicant_kind": "citizen",
        "applicant_name": "Trần Thị Bình",
        "applicant_id_number": "056185005678",
        "applicant_address": "45 Thống Nhất, phường Phan Rang",
        "applicant_phone": "0914234567",
        "applicant_email": "",
        "set_count": "1",
        "delivery_method": "desk",
        "postal_address": "",
        "tk-ho_ten": "Trần Thị Bình",
        "tk-so_cccd": "056185005678",
        "tk-dia_chi": "45 Thống Nhất",
        "tk-cam_ket": "on",
    }


def test_the_counter_records_the_group_and_the_desk_collects_the_reduced_fee(
    client, province, django_capture_on_commit_callbacks
):
    """A walk-in shows proof of a listed group: the officer picks it on the intake form (only the version's
    groups are offered), the dossier carries the claim, and the fee shown to the desk is the reduced one."""
    from dossiers.models import Dossier
    from tests.dossiers.factories import png_upload

    _poor, disabled = _exemptions(province.version)
    other = published_version(agencies=[province.department])
    foreign = FeeExemption.objects.create(version=other, group="Trẻ em dưới 6 tuổi", legal_basis="TT 106")
    client.force_login(province.officer)
    url = reverse("dossiers:counter_intake")
    page = client.get(url, {"thu_tuc": province.version.pk}).content.decode()
    assert 'type="radio" name="fee_exemption"' in page and "Người khuyết tật" in page
    assert "Trẻ em dưới 6 tuổi" not in page
    assert 'data-testid="counter-fees"' in page and "Lệ phí cấp giấy phép: 150.000 ₫" in page
    component = province.components()[0]
    data = {**_counter_data(province, province.version), f"component_{component.pk}": png_upload()}
    # a group of another procedure is refused next to the field, and nothing is received
    bad = client.post(url, {**data, "fee_exemption": str(foreign.pk)})
    assert bad.status_code == 200 and "Chọn một đối tượng trong danh sách" in bad.content.decode()
    assert not Dossier.objects.exists()
    data[f"component_{component.pk}"] = png_upload()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {**data, "fee_exemption": str(disabled.pk)}, follow=True)
    dossier = Dossier.objects.get(applicant_id_number="056185005678")
    assert dossier.fee_exemption == disabled and dossier.state == DossierState.RECEIVED
    assert "Phí, lệ phí thu khi nộp hồ sơ: 75.000 ₫." in response.content.decode()
    # the dossier page shows the desk the reduced amount to collect, without online payment buttons
    detail = client.get(reverse("dossiers:detail", args=[dossier.pk])).content.decode()
    assert 'data-testid="amount-owed">75.000 ₫' in detail and 'data-testid="desk-collect"' in detail
    assert "mức thu 150.000 ₫" in detail and "Thanh toán qua" not in detail
    assert services.amount_owed(dossier).amount == 75000
    # the service itself refuses a group of another procedure
    with pytest.raises(ApplicationError) as error:
        dossier_services.dossier_receive_in_person(
            actor=province.officer,
            agency=province.centre,
            version=province.version,
            channel=1,
            applicant=applicant_data(province.citizen),
            form_data=form_answers(province.citizen),
            uploads=[dossier_services.ComponentUpload(component=component, upload=png_upload())],
            delivery_method=DeliveryMethod.DESK,
            fee_exemption=foreign,
        )
    assert "fee_exemption" in error.value.extra["errors"]


def test_a_counter_intake_without_a_group_owes_the_full_fee(
    client, province, django_capture_on_commit_callbacks
):
    from dossiers.models import Dossier
    from tests.dossiers.factories import png_upload

    _exemptions(province.version)
    client.force_login(province.officer)
    component = province.components()[0]
    data = {**_counter_data(province, province.version), f"component_{component.pk}": png_upload()}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("dossiers:counter_intake"), data, follow=True)
    dossier = Dossier.objects.get(applicant_id_number="056185005678")
    assert dossier.fee_exemption is None
    assert "Phí, lệ phí thu khi nộp hồ sơ: 150.000 ₫." in response.content.decode()


def test_the_finance_view_and_export_account_for_the_fees_waived(client, province):
    """A fully exempted dossier has no payment: the finance officer's day lists the exemptions granted to the
    dossiers received that day (dossier, group, amount waived), on the page and on a sheet of the export; a
    refused claim waives nothing and is not listed."""
    import io

    from openpyxl import load_workbook

    from tests.dossiers.factories import counter_received

    poor, disabled = _exemptions(province.version)
    exempted = _claim(province, draft(province, province.citizen), poor)
    exempted = dossier_services.dossier_submit(dossier=exempted, actor=province.citizen)
    exempted = dossier_services.dossier_receive(dossier=exempted, actor=province.officer)
    assert services.amount_owed(exempted) is None and not exempted.payments.exists()
    refused = _claim(province, draft(province, province.citizen), poor)
    refused = dossier_services.dossier_submit(dossier=refused, actor=province.citizen)
    refused = dossier_services.dossier_receive(dossier=refused, actor=province.officer)
    dossier_services.dossier_refuse_fee_exemption(
        dossier=refused, actor=province.officer, reason="Giấy chứng nhận hộ nghèo đã hết hạn."
    )
    reduced = counter_received(province, fee_exemption=disabled)
    client.force_login(province.finance)
    page = client.get(reverse("payments:finance")).content.decode()
    table = page.split('data-testid="finance-exemptions"')[1].split("</table>")[0]
    assert exempted.code in table and reduced.code in table and refused.code not in table
    assert table.count('data-testid="waived"') == 2
    assert 'data-testid="waived">75.000 ₫' in table  # online fee 75.000, fully waived
    assert "Người thuộc hộ nghèo" in table and "Khoản 2 Điều 4 Thông tư 106/2021/TT-BTC" in table
    # the counter fee is 150.000, half waived
    assert table.split(reduced.code)[1].split("</tr>")[0].count("75.000 ₫") == 2
    other_day = client.get(reverse("payments:finance"), {"ngay": "13/10/2026"}).content.decode()
    assert exempted.code not in other_day.split('data-testid="finance-exemptions"')[1]
    response = client.get(reverse("payments:finance_export"), {"ngay": "14/10/2026"})
    book = load_workbook(io.BytesIO(response.content))
    rows = list(book["Miễn, giảm"].iter_rows(values_only=True))
    assert rows[0][0] == "Mã hồ sơ" and rows[0][-1] == "Được miễn, giảm (đồng)"
    exported = {r[0]: r for r in rows[1:]}
    assert set(exported) == {exempted.code, reduced.code}
    assert exported[exempted.code][4] == "Người thuộc hộ nghèo"
    assert exported[exempted.code][7:] == (75000, 0, 75000)
    assert exported[reduced.code][7:] == (150000, 75000, 75000)
    # another agency's finance officer sees none of them
    from portal.constants import Role
    from tests.portal.factories import officer_in

    outsider = officer_in(province.centre, Role.FINANCE_OFFICER, full_name="Kế toán khác")
    client.force_login(outsider)
    assert exempted.code not in client.get(reverse("payments:finance")).content.decode()
