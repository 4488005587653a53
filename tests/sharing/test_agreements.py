"""Sharing agreements: the policy refuses forbidden partners; the state machine and who may move it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from audits.models import AuditEvent
from portal.models import PolicyPreset
from portal.roles import Role
from portal.tenancy import city_scope
from sharing import services
from sharing.models import AgreementState, SharingAgreement
from sharing.tasks import agreement_expire_due
from tests.factories import city_user
from tests.sharing.conftest import make_agreement

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def draft(city, by, agency, **kwargs):
    values = {
        "starts_on": TODAY,
        "ends_on": TODAY + dt.timedelta(days=365),
        "declaration_signed_by": "Chief K. Partner",
        "declaration_signed_at": timezone.now(),
        **kwargs,
    }
    return services.agreement_draft(city=city, by=by, partner_agency=agency, **values)


def events(city, prefix="agreement."):
    return list(AuditEvent.objects.filter(city=city, event_type__startswith=prefix).order_by("sequence"))


def agreements(city):
    with city_scope(city):
        return list(SharingAgreement.objects.all())


def reload(agreement):
    return SharingAgreement.all_cities.get(pk=agreement.pk)


# ---------------------------------------------------------------------------------------------
# The policy at drafting and at approval
# ---------------------------------------------------------------------------------------------


def test_clerk_drafts_an_agreement_and_it_is_audited(city_a, clerk_a, kent, camera_1):
    agreement = draft(city_a, clerk_a, kent, all_cameras=False, cameras=[camera_1], allow_partial_plate=True)
    assert agreement.state == AgreementState.DRAFT and agreement.drafted_by == clerk_a
    [event] = events(city_a)
    assert event.event_type == "agreement.drafted" and event.actor == clerk_a
    assert event.details["partner_agency"] == kent.name and event.details["cameras"] == [
        str(camera_1.public_id)
    ]


def test_immigration_agency_is_refused_at_drafting_with_the_rule_named(city_a, clerk_a, dhs):
    with pytest.raises(services.PolicyRefusal) as refused:
        draft(city_a, clerk_a, dhs)
    assert refused.value.decision.rule == "agency.immigration_enforcement"
    assert "RCW 10.93.160" in refused.value.decision.message
    assert agreements(city_a) == []
    [event] = events(city_a)
    assert event.event_type == "agreement.refused" and event.outcome == "denied"
    assert event.details["rule"] == "agency.immigration_enforcement" and event.details["stage"] == "draft"


def test_a_unit_of_an_immigration_agency_is_refused_through_its_parent_chain(
    city_a, clerk_a, field_office, dhs
):
    with pytest.raises(services.PolicyRefusal) as refused:
        draft(city_a, clerk_a, field_office)
    decision = refused.value.decision
    assert decision.rule == "agency.immigration_enforcement"
    assert dhs.name in decision.message


def test_other_preset_still_refuses_immigration_units(clerk_a, city_a, field_office):
    city_a.policy_preset = PolicyPreset.OTHER
    city_a.save()
    with pytest.raises(services.PolicyRefusal):
        draft(city_a, clerk_a, field_office)


@pytest.mark.parametrize(
    "agency_fixture, rule",
    [("fbi", "agency.federal_not_permitted"), ("boise", "agency.out_of_state_not_permitted")],
)
def test_washington_preset_refuses_federal_and_out_of_state_agencies(
    request, city_a, clerk_a, agency_fixture, rule
):
    with pytest.raises(services.PolicyRefusal) as refused:
        draft(city_a, clerk_a, request.getfixturevalue(agency_fixture))
    assert refused.value.decision.rule == rule
    assert "Washington" in refused.value.decision.message


def test_other_preset_allows_out_of_state_agencies(city_a, clerk_a, boise):
    city_a.policy_preset = PolicyPreset.OTHER
    city_a.save()
    assert draft(city_a, clerk_a, boise).state == AgreementState.DRAFT


def test_inconsistent_terms_are_validation_errors(city_a, clerk_a, kent):
    with pytest.raises(ValidationError) as error:
        draft(
            city_a,
            clerk_a,
            kent,
            ends_on=TODAY - dt.timedelta(days=1),
            all_cameras=False,
            permitted_offense_types=["traffic"],
        )
    assert {"ends_on", "cameras", "permitted_offense_types"} <= set(error.value.message_dict)
    assert agreements(city_a) == []


def test_approval_runs_the_policy_again(city_a, clerk_a, chief_a, kent):
    agreement = services.agreement_submit(agreement=draft(city_a, clerk_a, kent), by=clerk_a)
    kent.immigration_enforcement = True  # the registry learned something since drafting
    kent.save()
    with pytest.raises(services.PolicyRefusal) as refused:
        services.agreement_approve(agreement=agreement, by=chief_a)
    assert refused.value.decision.rule == "agency.immigration_enforcement"
    assert reload(agreement).state == AgreementState.AWAITING_CHIEF
    assert events(city_a)[-1].details["stage"] == "approve"


# ---------------------------------------------------------------------------------------------
# The state machine
# ---------------------------------------------------------------------------------------------


def test_draft_submit_approve_suspend_reinstate_revoke(city_a, clerk_a, chief_a, kent):
    agreement = draft(city_a, clerk_a, kent)
    agreement = services.agreement_submit(agreement=agreement, by=clerk_a)
    assert agreement.state == AgreementState.AWAITING_CHIEF and agreement.submitted_at
    agreement = services.agreement_approve(agreement=agreement, by=chief_a)
    assert agreement.state == AgreementState.ACTIVE and agreement.approved_by == chief_a
    agreement = services.agreement_suspend(agreement=agreement, by=chief_a, reason="Monthly review question")
    assert agreement.state == AgreementState.SUSPENDED
    agreement = services.agreement_reinstate(agreement=agreement, by=chief_a)
    assert agreement.state == AgreementState.ACTIVE
    agreement = services.agreement_revoke(agreement=agreement, by=chief_a, reason="Searched for ICE")
    assert reload(agreement).state == AgreementState.REVOKED
    assert [e.event_type for e in events(city_a)] == [
        "agreement.drafted",
        "agreement.submitted",
        "agreement.approved",
        "agreement.suspended",
        "agreement.reinstated",
        "agreement.revoked",
    ]
    revoked = events(city_a)[-1]
    assert revoked.details["from"] == "active" and revoked.details["to"] == "revoked"
    assert revoked.details["reason"] == "Searched for ICE" and revoked.actor == chief_a


def test_chief_sends_back_to_draft(city_a, clerk_a, chief_a, kent):
    agreement = services.agreement_submit(agreement=draft(city_a, clerk_a, kent), by=clerk_a)
    agreement = services.agreement_send_back(agreement=agreement, by=chief_a, reason="Cameras too wide")
    assert agreement.state == AgreementState.DRAFT


def test_submission_needs_the_signed_declaration(city_a, clerk_a, kent):
    agreement = draft(city_a, clerk_a, kent, declaration_signed_by="", declaration_signed_at=None)
    with pytest.raises(services.AgreementStateError, match="declaration"):
        services.agreement_submit(agreement=agreement, by=clerk_a)
    assert reload(agreement).state == AgreementState.DRAFT


def test_wrong_state_changes_nothing(city_a, clerk_a, chief_a, kent):
    agreement = draft(city_a, clerk_a, kent)
    before = len(events(city_a))
    with pytest.raises(services.AgreementStateError):
        services.agreement_approve(agreement=agreement, by=chief_a)
    with pytest.raises(services.AgreementStateError):
        services.agreement_revoke(agreement=agreement, by=chief_a, reason="x")
    assert reload(agreement).state == AgreementState.DRAFT and len(events(city_a)) == before


def test_a_stale_copy_cannot_transition_twice(city_a, clerk_a, chief_a, kent):
    agreement = services.agreement_submit(agreement=draft(city_a, clerk_a, kent), by=clerk_a)
    stale = reload(agreement)
    services.agreement_approve(agreement=agreement, by=chief_a)
    with pytest.raises(services.AgreementStateError):
        services.agreement_send_back(agreement=stale, by=chief_a, reason="late click")
    assert reload(agreement).state == AgreementState.ACTIVE


def test_one_active_agreement_per_partner(city_a, clerk_a, chief_a, kent):
    make_agreement(city_a, kent)
    agreement = services.agreement_submit(agreement=draft(city_a, clerk_a, kent), by=clerk_a)
    with pytest.raises(services.AgreementStateError, match="already has an active"):
        services.agreement_approve(agreement=agreement, by=chief_a)


@pytest.mark.parametrize(
    "action, role",
    [
        ("submit", Role.OFFICER),
        ("approve", Role.CLERK),
        ("approve", Role.OFFICER),
        ("approve", Role.AUDITOR),
        ("suspend", Role.CLERK),
        ("revoke", Role.CLERK),
    ],
)
def test_services_refuse_the_wrong_role(city_a, clerk_a, kent, action, role):
    agreement = services.agreement_submit(agreement=draft(city_a, clerk_a, kent), by=clerk_a)
    before = len(events(city_a))
    kwargs = {"reason": "x"} if action in ("suspend", "revoke") else {}
    with pytest.raises(PermissionDenied):
        getattr(services, f"agreement_{action}")(agreement=agreement, by=city_user(city_a, role), **kwargs)
    assert reload(agreement).state == AgreementState.AWAITING_CHIEF and len(events(city_a)) == before


def test_expire_due_expires_past_agreements_and_is_safe_twice(city_a, city_b, kent):
    past = make_agreement(
        city_a, kent, starts_on=TODAY - dt.timedelta(days=60), ends_on=TODAY - dt.timedelta(days=2)
    )
    suspended = make_agreement(
        city_b,
        kent,
        state=AgreementState.SUSPENDED,
        starts_on=TODAY - dt.timedelta(days=60),
        ends_on=TODAY - dt.timedelta(days=3),
    )
    current = make_agreement(city_a, kent, state=AgreementState.DRAFT)
    assert agreement_expire_due.apply().get() == 2
    assert agreement_expire_due.apply().get() == 0
    assert reload(past).state == AgreementState.EXPIRED and reload(suspended).state == AgreementState.EXPIRED
    assert reload(current).state == AgreementState.DRAFT
    [event] = events(city_a, "agreement.expired")
    assert event.actor is None and event.details["ends_on"] == past.ends_on.isoformat()


# ---------------------------------------------------------------------------------------------
# Pages
# ---------------------------------------------------------------------------------------------


def agreement_url(city, agreement=None, action=""):
    base = f"/c/{city.slug}/agreements/"
    if agreement is None:
        return base
    return f"{base}{agreement.public_id}/{action + '/' if action else ''}"


def test_clerk_drafts_and_submits_through_the_pages(client, city_a, clerk_a, kent, camera_1):
    client.force_login(clerk_a)
    assert client.get(agreement_url(city_a) + "new/").status_code == 200
    response = client.post(
        agreement_url(city_a) + "new/",
        {
            "partner_agency": kent.public_id,
            "starts_on": TODAY.isoformat(),
            "ends_on": (TODAY + dt.timedelta(days=90)).isoformat(),
            "cameras": [camera_1.public_id],
            "permitted_offense_types": ["robbery", "stolen_vehicle"],
            "declaration_signed_by": "Chief K. Partner",
            "declaration_signed_at": "2026-01-05T10:00",
        },
    )
    assert response.status_code == 302
    [agreement] = agreements(city_a)
    assert not agreement.all_cameras and agreement.permitted_offense_types == ["robbery", "stolen_vehicle"]
    assert client.get(agreement_url(city_a, agreement)).status_code == 200
    assert kent.name in client.get(agreement_url(city_a)).content.decode()
    assert client.post(agreement_url(city_a, agreement, "submit")).status_code == 302
    assert reload(agreement).state == AgreementState.AWAITING_CHIEF


def test_refused_draft_page_names_the_rule(client, city_a, clerk_a, dhs):
    client.force_login(clerk_a)
    response = client.post(
        agreement_url(city_a) + "new/",
        {
            "partner_agency": dhs.public_id,
            "starts_on": TODAY.isoformat(),
            "ends_on": TODAY.isoformat(),
            "all_cameras": "on",
        },
    )
    assert response.status_code == 403
    assert "agency.immigration_enforcement" in response.content.decode()
    assert agreements(city_a) == []


def test_bad_draft_form_is_a_400(client, city_a, clerk_a, kent):
    client.force_login(clerk_a)
    response = client.post(
        agreement_url(city_a) + "new/", {"partner_agency": kent.public_id, "starts_on": "x"}
    )
    assert response.status_code == 400 and agreements(city_a) == []


@pytest.mark.parametrize("action", ["approve", "suspend", "revoke", "send-back", "reinstate"])
def test_clerk_gets_403_on_chief_actions_and_nothing_changes(client, city_a, clerk_a, kent, action):
    agreement = services.agreement_submit(agreement=draft(city_a, clerk_a, kent), by=clerk_a)
    before = len(events(city_a))
    client.force_login(clerk_a)
    assert client.post(agreement_url(city_a, agreement, action), {"reason": "x"}).status_code == 403
    assert reload(agreement).state == AgreementState.AWAITING_CHIEF and len(events(city_a)) == before


def test_chief_approves_through_the_page(client, city_a, clerk_a, chief_a, kent):
    agreement = services.agreement_submit(agreement=draft(city_a, clerk_a, kent), by=clerk_a)
    client.force_login(chief_a)
    assert client.get(agreement_url(city_a, agreement, "approve")).status_code == 405
    assert client.post(agreement_url(city_a, agreement, "approve")).status_code == 302
    assert reload(agreement).state == AgreementState.ACTIVE
    # A reason is required to suspend; without one nothing changes.
    client.post(agreement_url(city_a, agreement, "suspend"), {"reason": ""})
    assert reload(agreement).state == AgreementState.ACTIVE
    client.post(agreement_url(city_a, agreement, "suspend"), {"reason": "Review"})
    assert reload(agreement).state == AgreementState.SUSPENDED


def test_agreement_pages_refuse_officers_and_hide_from_outsiders(
    client, city_a, city_b, officer_a, outsider, kent, kent_detective
):
    agreement = make_agreement(city_a, kent)
    client.force_login(officer_a)
    assert client.get(agreement_url(city_a)).status_code == 403
    for user in (outsider, kent_detective, city_user(city_b, Role.CHIEF)):
        client.force_login(user)
        assert client.get(agreement_url(city_a)).status_code == 404
        assert client.get(agreement_url(city_a, agreement)).status_code == 404


def test_another_citys_agreement_is_a_404(client, city_a, city_b, kent):
    agreement_b = make_agreement(city_b, kent)
    client.force_login(city_user(city_a, Role.CHIEF))
    assert client.get(agreement_url(city_a, agreement_b)).status_code == 404
    assert client.post(agreement_url(city_a, agreement_b, "suspend"), {"reason": "x"}).status_code == 404
    assert reload(agreement_b).state == AgreementState.ACTIVE


def test_a_clerk_edits_a_draft_and_the_change_is_audited(client, city_a, clerk_a, kent, camera_1):
    from sharing.models import AgreementState
    from tests.sharing.conftest import make_agreement

    draft = make_agreement(city_a, kent, state=AgreementState.DRAFT, drafted_by=clerk_a)
    client.force_login(clerk_a)
    url = f"/c/{city_a.slug}/agreements/{draft.public_id}/edit/"
    page = client.get(url)
    assert page.status_code == 200 and "Edit the draft agreement" in page.content.decode()
    data = {
        "partner_agency": str(kent.public_id),
        "starts_on": draft.starts_on.isoformat(),
        "ends_on": (draft.starts_on + dt.timedelta(days=30)).isoformat(),
        "all_cameras": "on",
        "declaration_signed_by": "Chief R. Partner",
        "declaration_signed_at": "2026-01-05T10:00",
    }
    bad = client.post(url, {**data, "ends_on": "2000-01-01"})
    assert bad.status_code == 400 and reload(draft).ends_on == draft.ends_on
    assert client.post(url, data).status_code == 302
    assert reload(draft).ends_on == draft.starts_on + dt.timedelta(days=30)
    event = AuditEvent.objects.get(event_type="agreement.edited")
    assert event.actor == clerk_a and "ends_on" in event.details["changed"]


def test_a_submitted_agreement_is_not_edited(client, city_a, clerk_a, kent):
    from sharing.models import AgreementState
    from tests.sharing.conftest import make_agreement

    submitted = make_agreement(city_a, kent, state=AgreementState.AWAITING_CHIEF)
    client.force_login(clerk_a)
    url = f"/c/{city_a.slug}/agreements/{submitted.public_id}/edit/"
    response = client.post(
        url, {"partner_agency": str(kent.public_id), "starts_on": "2026-01-01", "ends_on": "2026-02-01"}
    )
    assert response.status_code == 409 and "Only a draft can be edited" in response.content.decode()
    assert reload(submitted).ends_on == submitted.ends_on
    assert not AuditEvent.objects.filter(event_type="agreement.edited").exists()
    (refusal,) = AuditEvent.objects.filter(event_type="access.refused")
    assert refusal.details["rule"] == "state.conflict" and refusal.actor == clerk_a


# --- refused transitions from the pages: a clear 4xx, nothing changed, one audit entry -------------


def refusals_of(city):
    return list(AuditEvent.objects.filter(city=city, event_type="access.refused").order_by("sequence"))


@pytest.mark.parametrize("action", ["approve", "submit", "suspend", "reinstate"])
def test_a_transition_a_revoked_agreement_cannot_take_is_a_409_and_recorded(
    client, city_a, chief_a, kent, action
):
    revoked = make_agreement(city_a, kent, state=AgreementState.REVOKED)
    client.force_login(chief_a)
    response = client.post(agreement_url(city_a, revoked, action), {"reason": "Try anyway."})
    assert response.status_code == 409
    page = response.content.decode()
    assert "Nothing was changed" in page and agreement_url(city_a, revoked) in page
    assert reload(revoked).state == AgreementState.REVOKED
    (entry,) = refusals_of(city_a)
    assert entry.actor == chief_a and entry.details["rule"] == "state.conflict"
    assert entry.target_id == "" or entry.target_id == str(revoked.public_id)


def test_sending_back_without_a_reason_is_a_400_and_recorded(client, city_a, chief_a, kent):
    waiting = make_agreement(city_a, kent, state=AgreementState.AWAITING_CHIEF)
    client.force_login(chief_a)
    response = client.post(agreement_url(city_a, waiting, "send-back"), {"reason": ""})
    assert response.status_code == 400 and "Give the reason" in response.content.decode()
    assert reload(waiting).state == AgreementState.AWAITING_CHIEF
    (entry,) = refusals_of(city_a)
    assert entry.details["rule"] == "input.invalid"
