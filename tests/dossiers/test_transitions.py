"""The dossier state machine: every allowed and forbidden transition, permissions, concurrency."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django_fsm import ConcurrentTransition

from dossiers import services
from dossiers.constants import (
    NATIONAL_STATUS,
    PROCESSING_STATES,
    WITHDRAWABLE_STATES,
    DossierState,
    EventAction,
    NationalStatus,
    is_synced_nationally,
)
from dossiers.models import Dossier, DossierEvent
from portal.constants import Role
from portal.errors import ApplicationError, Conflict, NotPermitted
from portal.models import OrganisationMember
from tests.portal.factories import AgencyFactory, CitizenFactory, OrganisationFactory, UserFactory, officer_in

from .concurrency import receive_race, run_on_sqlite_file
from .factories import counter_received, draft, received, submitted

S = DossierState

# ---- the graph ----------------------------------------------------------------------------------------

WORKING = (S.APPRAISING, S.RETURNED_FOR_REWORK, S.SUPPLEMENT_RECEIVED)
EXPECTED_GRAPH = {
    # intake
    ("submit", S.DRAFT, S.SUBMITTED),
    ("receive", S.SUBMITTED, S.RECEIVED),
    ("receive_in_person", S.DRAFT, S.RECEIVED),
    ("refuse", S.SUBMITTED, S.REFUSED),
    ("request_completion", S.SUBMITTED, S.SUPPLEMENT_REQUESTED),
    ("complete", S.SUPPLEMENT_REQUESTED, S.SUBMITTED),
    *{("withdraw", source, S.WITHDRAWN) for source in WITHDRAWABLE_STATES},
    # processing
    ("forward", S.RECEIVED, S.ASSIGNED),
    ("assign", S.ASSIGNED, S.APPRAISING),
    *{("reassign", source, None) for source in WORKING},
    *{("submit_for_approval", source, S.AWAITING_APPROVAL) for source in WORKING},
    ("return_for_rework", S.AWAITING_APPROVAL, S.RETURNED_FOR_REWORK),
    ("approve", S.AWAITING_APPROVAL, S.RESULT_READY),
    *{("request_supplement", source, S.SUPPLEMENT_REQUESTED) for source in WORKING},
    ("supplement", S.SUPPLEMENT_REQUESTED, S.SUPPLEMENT_RECEIVED),
    *{("request_payment", source, S.AWAITING_PAYMENT) for source in WORKING},
    ("record_payment", S.AWAITING_PAYMENT, S.APPRAISING),
    *{("transfer", source, S.TRANSFERRED) for source in WORKING},
    ("return_transfer", S.TRANSFERRED, S.APPRAISING),
    *{("stop", source, S.STOPPED) for source in PROCESSING_STATES},
    ("deliver", S.RESULT_READY, S.DELIVERED),
}


def test_the_state_machine_has_exactly_the_designed_transitions():
    field = Dossier._meta.get_field("state")
    graph = {(t.name, t.source, t.target) for t in field.get_all_transitions(Dossier)}
    assert graph == EXPECTED_GRAPH


@pytest.mark.parametrize("state", [s for s in S.values])
def test_every_internal_state_maps_to_one_national_code(state):
    assert NATIONAL_STATUS[state] in NationalStatus.values


@pytest.mark.parametrize(
    ("state", "code"),
    [
        (S.SUBMITTED, 1),
        (S.RECEIVED, 2),
        (S.REFUSED, 3),
        (S.ASSIGNED, 4),
        (S.APPRAISING, 4),
        (S.AWAITING_APPROVAL, 4),
        (S.RETURNED_FOR_REWORK, 4),
        (S.TRANSFERRED, 4),
        (S.SUPPLEMENT_RECEIVED, 4),
        (S.SUPPLEMENT_REQUESTED, 5),
        (S.AWAITING_PAYMENT, 6),
        (S.WITHDRAWN, 7),
        (S.STOPPED, 8),
        (S.RESULT_READY, 9),
        (S.DELIVERED, 10),
    ],
)
def test_national_codes(state, code):
    assert NATIONAL_STATUS[state] == code
    assert is_synced_nationally(state)


def test_drafts_are_code_1_but_never_synced():
    assert NATIONAL_STATUS[S.DRAFT] == 1
    assert not is_synced_nationally(S.DRAFT)


@pytest.mark.parametrize("state", [S.RESULT_READY, S.DELIVERED, S.REFUSED, S.WITHDRAWN, S.STOPPED, S.DRAFT])
def test_no_withdrawal_once_a_result_exists_or_the_dossier_is_closed(state):
    assert state not in WITHDRAWABLE_STATES


# ---- allowed transitions, through the services ----------------------------------------------------------


def _events(dossier):
    return list(dossier.events.order_by("at", "id").values_list("action", "from_state", "to_state"))


def test_submit_moves_a_complete_draft_to_status_1(province):
    # given a complete draft
    dossier = draft(province)
    # when the applicant submits it
    dossier = services.dossier_submit(dossier=dossier, actor=province.citizen)
    # then it is new (status 1) with one event, its code and lookup secret (not yet received)
    assert dossier.state == S.SUBMITTED and dossier.national_status == 1
    assert dossier.submitted_at is not None and dossier.code and dossier.lookup_secret
    assert dossier.received_at is None
    assert _events(dossier) == [(EventAction.SUBMIT, S.DRAFT, S.SUBMITTED)]


def test_receive_gives_code_secret_and_appointment(province):
    dossier = submitted(province)
    dossier = services.dossier_receive(dossier=dossier, actor=province.officer)
    assert dossier.state == S.RECEIVED and dossier.national_status == 2
    assert dossier.code.startswith(f"{province.centre.code}-")
    assert len(dossier.lookup_secret) == 6
    assert dossier.due_at is not None and dossier.due_at == dossier.original_due_at
    assert dossier.receiving_agency == province.centre
    assert dossier.competent_agency == province.department
    assert dossier.received_by == province.officer
    assert _events(dossier)[-1] == (EventAction.RECEIVE, S.SUBMITTED, S.RECEIVED)


def test_refuse_closes_the_dossier_with_the_reason(province):
    dossier = submitted(province)
    dossier = services.dossier_refuse(
        dossier=dossier, actor=province.officer, reason="Thủ tục không thuộc thẩm quyền của tỉnh."
    )
    assert dossier.state == S.REFUSED and dossier.national_status == 3
    assert dossier.finished_at is not None and dossier.code
    event = dossier.events.last()
    assert (event.action, event.reason) == (EventAction.REFUSE, "Thủ tục không thuộc thẩm quyền của tỉnh.")


@pytest.mark.parametrize("reason", ["", "   ", "thiếu"])
def test_refusal_needs_a_real_reason(province, reason):
    dossier = submitted(province)
    with pytest.raises(ApplicationError) as error:
        services.dossier_refuse(dossier=dossier, actor=province.officer, reason=reason)
    assert "lý do" in error.value.message
    dossier.refresh_from_db()
    assert dossier.state == S.SUBMITTED


def test_request_completion_then_complete_returns_to_the_queue(province):
    dossier = submitted(province)
    form_component = province.components()[0]
    dossier = services.dossier_request_completion(
        dossier=dossier,
        actor=province.officer,
        reason="Đơn đề nghị chưa có chữ ký của người nộp.",
        components=[form_component],
    )
    assert dossier.state == S.SUPPLEMENT_REQUESTED and dossier.national_status == 5
    assert dossier.received_at is None and dossier.supplement_count == 0
    assert dossier.events.last().payload["components"] == [
        {"id": form_component.pk, "name": form_component.name}
    ]
    # the applicant replaces the file and sends it back
    services.dossier_attach_file(
        dossier=dossier, actor=province.citizen, component=form_component, upload=_pdf("don-co-chu-ky.pdf")
    )
    dossier = services.dossier_complete(dossier=dossier, actor=province.citizen)
    assert dossier.state == S.SUBMITTED
    assert [a for a, _, _ in _events(dossier)] == [
        EventAction.SUBMIT,
        EventAction.REQUEST_COMPLETION,
        EventAction.COMPLETE,
    ]


@pytest.mark.parametrize(
    "build",
    [submitted, received, lambda p: _completion_requested(p)],
    ids=["submitted", "received", "supplement_requested"],
)
def test_the_applicant_withdraws_before_a_result(province, build):
    dossier = build(province)
    before = dossier.state
    dossier = services.dossier_withdraw(dossier=dossier, actor=province.citizen, reason="Không còn nhu cầu.")
    assert dossier.state == S.WITHDRAWN and dossier.national_status == 7
    assert dossier.finished_at is not None
    assert _events(dossier)[-1] == (EventAction.WITHDRAW, before, S.WITHDRAWN)


@pytest.mark.parametrize(
    ("channel", "action"), [(1, EventAction.RECEIVE_AT_COUNTER), (3, EventAction.RECEIVE_BY_POST)]
)
def test_counter_and_postal_intake_create_received_dossiers(province, channel, action):
    dossier = counter_received(province, channel=channel)
    assert dossier.state == S.RECEIVED and dossier.channel == channel
    assert _events(dossier) == [(action, S.DRAFT, S.RECEIVED)]
    assert all(f.digitised for f in dossier.files.all()) and dossier.files.count() == 1
    # a walk-in with an account sees the dossier among their own
    assert dossier.applicant == province.citizen


# ---- forbidden transitions --------------------------------------------------------------------------------


def _pdf(name):
    from .factories import pdf_upload

    return pdf_upload(name)


def _completion_requested(province):
    return services.dossier_request_completion(
        dossier=submitted(province), actor=province.officer, reason="Thiếu bản vẽ thiết kế có đóng dấu."
    )


def _refused(province):
    return services.dossier_refuse(
        dossier=submitted(province), actor=province.officer, reason="Không thuộc thẩm quyền."
    )


def _withdrawn(province):
    return services.dossier_withdraw(dossier=submitted(province), actor=province.citizen)


BUILDERS = {
    S.DRAFT: draft,
    S.SUBMITTED: submitted,
    S.RECEIVED: received,
    S.REFUSED: _refused,
    S.SUPPLEMENT_REQUESTED: _completion_requested,
    S.WITHDRAWN: _withdrawn,
}


def _call(name, province, dossier):
    officer, citizen = province.officer, province.citizen
    calls = {
        "submit": lambda: services.dossier_submit(dossier=dossier, actor=citizen),
        "receive": lambda: services.dossier_receive(dossier=dossier, actor=officer),
        "refuse": lambda: services.dossier_refuse(
            dossier=dossier, actor=officer, reason="Lý do từ chối thử nghiệm."
        ),
        "request_completion": lambda: services.dossier_request_completion(
            dossier=dossier, actor=officer, reason="Nội dung cần hoàn thiện thử nghiệm."
        ),
        "complete": lambda: services.dossier_complete(dossier=dossier, actor=citizen),
        "withdraw": lambda: services.dossier_withdraw(dossier=dossier, actor=citizen),
    }
    return calls[name]()


ALLOWED = {
    ("submit", S.DRAFT),
    ("receive", S.SUBMITTED),
    ("refuse", S.SUBMITTED),
    ("request_completion", S.SUBMITTED),
    ("complete", S.SUPPLEMENT_REQUESTED),
    ("withdraw", S.SUBMITTED),
    ("withdraw", S.RECEIVED),
    ("withdraw", S.SUPPLEMENT_REQUESTED),
}
FORBIDDEN = [
    (name, state)
    for name in ("submit", "receive", "refuse", "request_completion", "complete", "withdraw")
    for state in BUILDERS
    if (name, state) not in ALLOWED
]


@pytest.mark.parametrize(("name", "state"), FORBIDDEN)
def test_forbidden_transitions_are_refused_and_leave_no_trace(province, name, state):
    # given a dossier in `state`
    dossier = BUILDERS[state](province)
    events_before = dossier.events.count()
    code_before = dossier.code
    # when a transition not allowed from that state is attempted
    with pytest.raises(Conflict) as error:
        _call(name, province, dossier)
    # then it is refused with a Vietnamese message, and nothing changed
    assert "Không thể thực hiện thao tác này" in error.value.message
    dossier.refresh_from_db()
    assert dossier.state == state and dossier.code == code_before
    assert dossier.events.count() == events_before


@pytest.mark.parametrize(("name", "state"), sorted(ALLOWED))
def test_allowed_transitions_succeed(province, name, state):
    dossier = BUILDERS[state](province)
    dossier = _call(name, province, dossier)
    assert dossier.state != state
    assert dossier.events.last().from_state == state


# ---- permissions ------------------------------------------------------------------------------------------


def _other_citizen(province):
    return CitizenFactory()


def _specialist(province):
    return province.specialist


def _commune_officer(province):
    # an intake officer of a commune desk: not a desk that receives this provincial procedure
    return province.commune_officer


def _officer_elsewhere(province):
    return officer_in(AgencyFactory(), Role.INTAKE_OFFICER)


def _approver_of_the_centre(province):
    return officer_in(province.centre, Role.APPROVER)


OUTSIDERS = [_other_citizen, _specialist, _commune_officer, _officer_elsewhere, _approver_of_the_centre]


@pytest.mark.parametrize("who", OUTSIDERS)
@pytest.mark.parametrize("name", ["receive", "refuse", "request_completion"])
def test_only_an_intake_officer_of_a_receiving_desk_decides_reception(province, who, name):
    dossier = submitted(province)
    actor = who(province)
    calls = {
        "receive": lambda: services.dossier_receive(dossier=dossier, actor=actor),
        "refuse": lambda: services.dossier_refuse(
            dossier=dossier, actor=actor, reason="Lý do thử nghiệm đủ dài."
        ),
        "request_completion": lambda: services.dossier_request_completion(
            dossier=dossier, actor=actor, reason="Nội dung thử nghiệm đủ dài."
        ),
    }
    with pytest.raises(NotPermitted):
        calls[name]()
    dossier.refresh_from_db()
    assert dossier.state == S.SUBMITTED and not dossier.events.exclude(action=EventAction.SUBMIT).exists()


@pytest.mark.parametrize("who", [_other_citizen, lambda p: p.officer, _specialist])
@pytest.mark.parametrize("name", ["submit", "withdraw", "complete"])
def test_only_the_applicant_submits_completes_or_withdraws(province, who, name):
    builders = {"submit": draft, "withdraw": submitted, "complete": _completion_requested}
    dossier = builders[name](province)
    actor = who(province)
    service = {
        "submit": services.dossier_submit,
        "withdraw": services.dossier_withdraw,
        "complete": services.dossier_complete,
    }[name]
    with pytest.raises(NotPermitted):
        service(dossier=dossier, actor=actor)


def test_a_representative_acts_for_the_organisation(province):
    # given a dossier filed by one representative of a company
    organisation = OrganisationFactory()
    first, second = province.citizen, CitizenFactory()
    for person in (first, second):
        OrganisationMember.objects.create(organisation=organisation, user=person)
    dossier = services.dossier_create_draft(actor=first, version=province.version, organisation=organisation)
    assert dossier.applicant_kind == "organisation" and dossier.applicant_id_number == organisation.tax_code
    # when another representative withdraws it after submission
    from .factories import form_answers, pdf_upload

    services.dossier_update_applicant(
        dossier=dossier,
        actor=first,
        applicant=services.ApplicantData(
            kind="organisation",
            name=organisation.name,
            id_number="4201234566",
            address="88 Lê Hồng Phong",
            phone="0905123456",
        ),
        form_data=form_answers(first),
    )
    services.dossier_attach_file(
        dossier=dossier, actor=first, component=province.components()[0], upload=pdf_upload()
    )
    dossier = services.dossier_submit(dossier=dossier, actor=first)
    dossier = services.dossier_withdraw(dossier=dossier, actor=second)
    # then it is withdrawn, and the event names who did it
    assert dossier.state == S.WITHDRAWN
    assert dossier.events.last().actor == second


def test_an_officer_cannot_file_online(province):
    with pytest.raises(NotPermitted):
        services.dossier_create_draft(actor=province.officer, version=province.version)


def test_any_desk_may_receive_when_the_version_allows_it(province):
    # given a procedure received regardless of administrative boundary
    province.version.intake_any_boundary = True
    province.version.save(update_fields=["intake_any_boundary"])
    dossier = submitted(province)
    # when the commune desk receives it
    dossier = services.dossier_receive(dossier=dossier, actor=province.commune_officer)
    # then the code is the commune's, and the department stays competent
    assert dossier.code.startswith(province.commune.code)
    assert dossier.receiving_agency == province.commune
    assert dossier.competent_agency == province.department


def test_counter_intake_refuses_a_desk_that_does_not_receive_the_procedure(province):
    from .factories import applicant_data, form_answers, png_upload

    with pytest.raises(ApplicationError, match="không tiếp nhận thủ tục này"):
        services.dossier_receive_in_person(
            actor=province.commune_officer,
            agency=province.commune,
            version=province.version,
            channel=1,
            applicant=applicant_data(province.citizen),
            form_data=form_answers(province.citizen),
            uploads=[services.ComponentUpload(component=province.components()[0], upload=png_upload())],
            delivery_method="desk",
        )
    assert not Dossier.objects.exists()


# ---- concurrency ------------------------------------------------------------------------------------------


def test_a_stale_form_is_refused(province):
    # given an officer who opened the dossier at version v
    dossier = submitted(province)
    seen = dossier.version
    # when the applicant withdraws it meanwhile
    services.dossier_withdraw(dossier=dossier, actor=province.citizen)
    # then the officer's reception, posted with v, is refused as a conflict
    with pytest.raises(Conflict, match="vừa được người khác cập nhật"):
        services.dossier_receive(dossier=dossier, actor=province.officer, expected_version=seen)
    assert Dossier.objects.get(pk=dossier.pk).state == S.WITHDRAWN


def test_saving_a_stale_instance_is_rejected_by_the_state_guard(province):
    # given two copies of the same submitted dossier
    dossier = submitted(province)
    first = Dossier.objects.get(pk=dossier.pk)
    second = Dossier.objects.get(pk=dossier.pk)
    # when one is withdrawn through the service
    services.dossier_withdraw(dossier=first, actor=province.citizen)
    # then a transition applied to the stale copy cannot be saved over it
    second.request_completion(agency=province.centre)
    with pytest.raises(ConcurrentTransition), transaction.atomic():
        second.save()
    assert Dossier.objects.get(pk=dossier.pk).state == S.WITHDRAWN


def test_events_are_append_only(province):
    dossier = submitted(province)
    event = dossier.events.get()
    event.reason = "sửa lịch sử"
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        DossierEvent.objects.filter(pk=event.pk).update(reason="x")
    with pytest.raises(TypeError):
        DossierEvent.objects.filter(pk=event.pk).delete()


def test_the_state_cannot_be_assigned_directly(province):
    dossier = submitted(province)
    with pytest.raises(AttributeError):
        dossier.state = S.RECEIVED


@pytest.mark.django_db(transaction=True)
def test_two_officers_receiving_at_once_only_one_wins(tmp_path):
    """Parallel connections: two officers press "Tiếp nhận" on the same dossier at the same moment."""
    if connection.vendor == "sqlite":
        result = run_on_sqlite_file("receive", tmp_path)
    else:
        from .factories import Province

        province = Province()
        second_officer = officer_in(province.centre, Role.INTAKE_OFFICER)
        dossier = submitted(province)
        outcomes = receive_race(dossier.pk, [province.officer.pk, second_officer.pk])
        dossier = Dossier.objects.get(pk=dossier.pk)
        result = {
            "outcomes": [o if isinstance(o, str) else repr(o) for o in outcomes],
            "state": dossier.state,
            "code": dossier.code,
            "receive_events": dossier.events.filter(action=EventAction.RECEIVE).count(),
        }
    # exactly one reception happened; the other officer was told the dossier changed
    assert sorted(result["outcomes"]) == ["conflict", "received"]
    assert result["state"] == S.RECEIVED and result["receive_events"] == 1
    # and the loser did not take a number from the day's sequence
    assert result["code"].endswith("-0001")


def test_an_unknown_user_type_cannot_do_anything(province):
    dossier = submitted(province)
    stranger = UserFactory()  # an officer account without any membership
    with pytest.raises(NotPermitted):
        services.dossier_receive(dossier=dossier, actor=stranger)


def test_a_commune_procedure_received_elsewhere_goes_to_the_applicants_commune(province):
    # given a commune procedure received regardless of boundary, handled by each ward for its residents
    from tests.portal.factories import AdministrativeUnitFactory, AgencyFactory
    from tests.procedures.factories import published_version

    other_unit = AdministrativeUnitFactory(parent=province.unit)
    other_ward = AgencyFactory(level="commune", administrative_unit=other_unit, has_one_stop_desk=True)
    version = published_version(
        agencies=[other_ward, province.commune],
        intake_any_boundary=True,
        valid_from=province.version.valid_from,
    )
    province.citizen.administrative_unit = province.commune_unit
    province.citizen.save(update_fields=["administrative_unit"])
    # when the citizen files online and the provincial centre receives it
    from .factories import applicant_data, form_answers, pdf_upload

    dossier = services.dossier_create_draft(actor=province.citizen, version=version)
    assert dossier.receiving_agency == province.commune  # their own ward's desk is proposed
    services.dossier_update_applicant(
        dossier=dossier,
        actor=province.citizen,
        applicant=applicant_data(province.citizen),
        form_data=form_answers(province.citizen),
    )
    services.dossier_attach_file(
        dossier=dossier,
        actor=province.citizen,
        component=version.components.get(order=1),
        upload=pdf_upload(),
    )
    dossier = services.dossier_submit(dossier=dossier, actor=province.citizen)
    dossier = services.dossier_receive(dossier=dossier, actor=province.officer)
    # then the centre is the receiving desk and the citizen's ward is competent
    assert dossier.receiving_agency == province.centre
    assert dossier.competent_agency == province.commune
