"""Searches held for a supervisor: the named supervisor approves (the search runs) or refuses, with a
reason; holds expire; the searcher, other cities and other agencies cannot decide; all audited.

The held requests are found by asking the current engine (``held_purpose``), not hard-coded: the
screen is being improved in parallel, and whatever it holds is what these tests use.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.authtoken.models import Token

from audits.models import AuditEvent
from portal.models import User
from portal.roles import Role
from portal.services import SupervisorRefusal, agency_supervisor_set
from portal.tenancy import city_scope
from sharing.grants import grant_for
from sharing.models import AgreementState, HoldState, HoldSupervisor, Search, SearchHold, SharingAgreement
from sharing.selectors import ReadQuery, read_in_search
from sharing.services import (
    HoldRefusal,
    search_hold_approve,
    search_hold_refuse,
    search_hold_results,
    search_holds_expire_due,
    search_run,
)
from sharing.services.searches import search_decide
from sharing.tasks import search_holds_expire_due as expire_task
from tests.conftest import requires_postgres
from tests.factories import AgencyFactory, city_user, partner_user
from tests.sharing.conftest import make_agreement, make_read

pytestmark = pytest.mark.django_db

CORPUS = Path(__file__).resolve().parents[2] / "sharing" / "policy" / "corpus" / "cases.jsonl"
# Requests written to sit between a victim or evidence cue and a purpose cue; the engine decides.
CANDIDATES = [
    ("Fraud victim is undocumented; ICE asked us to verify his status", "fraud"),
    ("fraud victim is undocumented, ICE asked us to verify his status", "fraud"),
    ("journalist robbed at gunpoint, suspect car", "robbery"),
]
REASON = "Verified with the detective: the victim asked for this search, case file reviewed."
PLATE = "ABC1234"


def _candidates() -> list[tuple[str, str]]:
    found = list(CANDIDATES)
    if CORPUS.exists():
        for line in CORPUS.read_text().splitlines():
            case = json.loads(line)
            found.append((case["reason"], case.get("offense") or "other"))
    return found


def held_purpose(user: User, city) -> dict[str, str]:
    """The first candidate request that the current engine holds for this searcher of ``city``."""
    grant = grant_for(user, city)
    for reason, offense in _candidates():
        purpose = {"reason": reason, "offense_type": offense, "case_number": "2026-004512"}
        decision = search_decide(grant=grant, query=ReadQuery(plate=PLATE), **purpose)
        if decision.held:
            return purpose
    pytest.fail("The current engine holds none of the candidate requests; add one it holds.")


def hold_search(user: User, city) -> SearchHold:
    result = search_run(grant=grant_for(user, city), query=ReadQuery(plate=PLATE), **held_purpose(user, city))
    assert result.decision.held and not result.allowed and result.reads == []
    with city_scope(city):
        return SearchHold.objects.select_related("search").get(search=result.search)


def events(city, event_type: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(city=city, event_type=event_type).order_by("sequence"))


def refusals(city, rule: str) -> list[AuditEvent]:
    return [e for e in events(city, "access.refused") if e.details.get("rule") == rule]


def reload(hold: SearchHold) -> SearchHold:
    return SearchHold.all_cities.select_related("search").get(pk=hold.pk)


def hold_url(city, hold: SearchHold) -> str:
    return f"/c/{city.slug}/holds/{hold.public_id}/"


@pytest.fixture
def staff(db) -> User:
    return User.objects.create_user("installation-admin", password="x", is_staff=True)


@pytest.fixture
def kent_supervisor(kent, staff) -> User:
    user = partner_user(kent)
    agency_supervisor_set(user=user, supervises=True, by=staff)
    return user


@pytest.fixture
def kent_agreement(city_a, kent):
    return make_agreement(city_a, kent)


# ---------------------------------------------------------------------------------------------
# The city's own officers: the chief decides
# ---------------------------------------------------------------------------------------------


def test_held_search_opens_a_pending_hold_for_the_chief_and_runs_nothing(city_a, officer_a, camera_1):
    make_read(camera_1, PLATE)
    with CaptureQueriesContext(connection) as queries:
        hold = hold_search(officer_a, city_a)
    assert not any('"cameras_read"' in q["sql"] for q in queries.captured_queries)
    assert hold.state == HoldState.PENDING and hold.supervisor == HoldSupervisor.CITY_CHIEF
    assert hold.search.outcome == "held" and hold.search.result_count == 0
    hours = (hold.expires_at - hold.created_at).total_seconds() / 3600
    assert 23.9 < hours <= 24.0


def test_chief_approves_with_a_reason_the_search_runs_and_the_searcher_sees_the_results(
    client, city_a, officer_a, chief_a, camera_1
):
    read = make_read(camera_1, PLATE)
    make_read(camera_1, "XYZ9999")
    hold = hold_search(officer_a, city_a)
    client.force_login(chief_a)
    page = client.get(hold_url(city_a, hold)).content.decode()
    # the supervisor sees the request, the rule and the evidence before deciding
    assert hold.search.reason in page and hold.search.rule in page and 'id="hold-decision"' in page
    for phrase in hold.search.decision["evidence"]:
        assert str(phrase) in page
    response = client.post(hold_url(city_a, hold), {"decision": "approve", "reason": REASON})
    assert response.status_code == 302
    hold = reload(hold)
    assert hold.state == HoldState.APPROVED and hold.decided_by == chief_a and hold.decision_reason == REASON
    assert hold.search.result_count == 1 and hold.search.cameras_reached == 1
    [event] = events(city_a, "search.hold_approved")
    assert event.actor == chief_a and event.outcome == "allowed"
    assert event.details["decision_reason"] == REASON and event.details["search"] == str(
        hold.search.public_id
    )
    assert event.details["held"]["rule"] == hold.search.rule
    assert event.details["held"]["evidence"] == hold.search.decision["evidence"]
    assert event.details["held"]["engine_version"] and event.details["result_count"] == 1
    # the supervisor is told the count, not shown the reads
    page = client.get(hold_url(city_a, hold)).content.decode()
    assert "found 1 read" in page and f"{PLATE}</td>" not in page
    # the searcher sees the status and the results; the view is audited like a search
    client.force_login(officer_a)
    page = client.get(hold_url(city_a, hold)).content.decode()
    assert "Approved" in page and REASON in page and f"{PLATE}</td>" in page and "XYZ9999" not in page
    assert f"/searches/{hold.search.public_id}/reads/{read.public_id}/crop.jpg" in page
    [viewed] = events(city_a, "search.hold_results_viewed")
    assert viewed.actor == officer_a and viewed.details["result_count"] == 1
    assert read_in_search(grant=grant_for(officer_a, city_a), search=hold.search, read=read)


def test_chief_refuses_with_a_reason_nothing_runs_and_the_searcher_sees_why(
    client, city_a, officer_a, chief_a, camera_1
):
    read = make_read(camera_1, PLATE)
    hold = hold_search(officer_a, city_a)
    client.force_login(chief_a)
    response = client.post(
        hold_url(city_a, hold), {"decision": "refuse", "reason": "Not a purpose we search for."}
    )
    assert response.status_code == 302
    hold = reload(hold)
    assert hold.state == HoldState.REFUSED and hold.search.result_count == 0
    [event] = events(city_a, "search.hold_refused")
    assert event.actor == chief_a and event.outcome == "denied"
    assert event.details["decision_reason"] == "Not a purpose we search for."
    assert event.details["held"]["evidence"] == hold.search.decision["evidence"]
    assert events(city_a, "search.hold_approved") == []
    client.force_login(officer_a)
    page = client.get(hold_url(city_a, hold)).content.decode()
    assert "Refused" in page and "Not a purpose we search for." in page and f"{PLATE}</td>" not in page
    assert not read_in_search(grant=grant_for(officer_a, city_a), search=hold.search, read=read)
    with pytest.raises(HoldRefusal) as refused:
        search_hold_results(grant=grant_for(officer_a, city_a), hold=hold)
    assert refused.value.status == 409


@pytest.mark.parametrize("reason", ["", "   ", "ok"])
def test_a_decision_without_a_written_reason_is_a_400_audited_and_changes_nothing(
    client, city_a, officer_a, chief_a, reason
):
    hold = hold_search(officer_a, city_a)
    client.force_login(chief_a)
    response = client.post(hold_url(city_a, hold), {"decision": "approve", "reason": reason})
    assert response.status_code == 400 and "reason" in response.content.decode()
    assert reload(hold).state == HoldState.PENDING
    assert len(refusals(city_a, "hold.reason_required")) == 1
    assert events(city_a, "search.hold_approved") == []


def test_an_unknown_decision_is_a_400_audited(client, city_a, officer_a, chief_a):
    hold = hold_search(officer_a, city_a)
    client.force_login(chief_a)
    response = client.post(hold_url(city_a, hold), {"decision": "run-it-anyway", "reason": REASON})
    assert response.status_code == 400
    assert reload(hold).state == HoldState.PENDING and refusals(city_a, "input.invalid")


def test_the_searcher_cannot_approve_their_own_hold(client, city_a, chief_a):
    hold = hold_search(chief_a, city_a)  # the chief's own search: another chief must decide
    client.force_login(chief_a)
    page = client.get(hold_url(city_a, hold)).content.decode()
    assert 'id="hold-decision"' not in page
    response = client.post(hold_url(city_a, hold), {"decision": "approve", "reason": REASON})
    assert response.status_code == 403
    assert reload(hold).state == HoldState.PENDING
    assert len(refusals(city_a, "hold.own_search")) == 1 and events(city_a, "search.hold_approved") == []
    other_chief = city_user(city_a, Role.CHIEF)
    decided = search_hold_approve(city=city_a, hold_id=hold.public_id, by=other_chief, reason=REASON)
    assert decided.ran and reload(hold).decided_by == other_chief


def test_another_officer_neither_sees_nor_decides_a_colleagues_hold(client, city_a, officer_a):
    hold = hold_search(officer_a, city_a)
    colleague = city_user(city_a, Role.OFFICER)
    client.force_login(colleague)
    assert client.get(hold_url(city_a, hold)).status_code == 404
    assert client.post(hold_url(city_a, hold), {"decision": "approve", "reason": REASON}).status_code == 404
    assert len(refusals(city_a, "hold.not_found")) == 2
    assert reload(hold).state == HoldState.PENDING
    listing = client.get(f"/c/{city_a.slug}/holds/").content.decode()
    assert str(hold.public_id) not in listing


def test_another_citys_chief_gets_the_404_and_the_refusal_is_audited(client, city_a, city_b, officer_a):
    hold = hold_search(officer_a, city_a)
    chief_b = city_user(city_b, Role.CHIEF)
    client.force_login(chief_b)
    missing = client.get(f"/c/{city_a.slug}/holds/00000000-0000-0000-0000-000000000000/")
    theirs = client.get(hold_url(city_a, hold))
    response = client.post(hold_url(city_a, hold), {"decision": "approve", "reason": REASON})
    assert response.status_code == 404 and missing.status_code == 404 and theirs.status_code == 404
    assert str(hold.public_id) not in theirs.content.decode()
    assert hold.search.reason not in theirs.content.decode()
    assert refusals(city_a, "tenancy.not_member")
    # through the service too (defence in depth): not visible, so the same 404, audited in city_a
    with pytest.raises(HoldRefusal) as refused:
        search_hold_approve(city=city_a, hold_id=hold.public_id, by=chief_b, reason=REASON)
    assert refused.value.status == 404 and refusals(city_a, "hold.not_found")
    with city_scope(city_b):
        assert not SearchHold.objects.filter(pk=hold.pk).exists()
    assert reload(hold).state == HoldState.PENDING


def test_approval_that_races_another_approval_decides_once(city_a, officer_a, chief_a, camera_1):
    hold = hold_search(officer_a, city_a)
    search_hold_approve(city=city_a, hold_id=hold.public_id, by=chief_a, reason=REASON)
    with pytest.raises(HoldRefusal) as refused:
        search_hold_refuse(city=city_a, hold_id=hold.public_id, by=chief_a, reason=REASON)
    assert refused.value.status == 409 and refused.value.rule == "hold.already_decided"
    assert reload(hold).state == HoldState.APPROVED
    assert len(events(city_a, "search.hold_approved")) == 1 and events(city_a, "search.hold_refused") == []
    assert len(refusals(city_a, "hold.already_decided")) == 1


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_two_supervisors_deciding_at_once_cannot_both_win(city_a, officer_a, chief_a):
    hold = hold_search(officer_a, city_a)
    other_chief = city_user(city_a, Role.CHIEF)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def decide(user: User, approve: bool) -> None:
        barrier.wait()
        service = search_hold_approve if approve else search_hold_refuse
        try:
            service(city=city_a, hold_id=hold.public_id, by=user, reason=REASON)
            outcomes.append("decided")
        except HoldRefusal as refusal:
            outcomes.append(refusal.rule)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=decide, args=(chief_a, True)),
        threading.Thread(target=decide, args=(other_chief, False)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes) == ["decided", "hold.already_decided"]
    decided = events(city_a, "search.hold_approved") + events(city_a, "search.hold_refused")
    assert len(decided) == 1
    assert reload(hold).state in (HoldState.APPROVED, HoldState.REFUSED)


# ---------------------------------------------------------------------------------------------
# Partner users: a named supervisor of their agency decides
# ---------------------------------------------------------------------------------------------


def test_partner_hold_is_decided_by_the_agencys_named_supervisor(
    client, city_a, kent_agreement, kent_detective, kent_supervisor, chief_a, camera_1
):
    make_read(camera_1, PLATE)
    hold = hold_search(kent_detective, city_a)
    assert hold.supervisor == HoldSupervisor.AGENCY_SUPERVISOR
    # the city's chief does not decide a partner's hold (nor see it)
    client.force_login(chief_a)
    assert client.get(hold_url(city_a, hold)).status_code == 404
    # the supervisor sees it on their home page and decides it
    client.force_login(kent_supervisor)
    home = client.get("/home/").content.decode()
    assert "Searches held for your decision (1)" in home and hold_url(city_a, hold) in home
    response = client.post(hold_url(city_a, hold), {"decision": "approve", "reason": REASON})
    assert response.status_code == 302
    hold = reload(hold)
    assert hold.state == HoldState.APPROVED and hold.search.result_count == 1
    [event] = events(city_a, "search.hold_approved")
    assert event.actor == kent_supervisor and event.details["agreement"] == str(kent_agreement.public_id)
    client.force_login(kent_detective)
    assert f"{PLATE}</td>" in client.get(hold_url(city_a, hold)).content.decode()


def test_a_partner_who_is_not_a_supervisor_and_another_agencys_supervisor_cannot_decide(
    client, city_a, kent, kent_agreement, kent_detective, staff
):
    hold = hold_search(kent_detective, city_a)
    colleague = partner_user(kent)
    renton = AgencyFactory(name="Renton Police Department")
    make_agreement(city_a, renton)
    renton_supervisor = partner_user(renton)
    agency_supervisor_set(user=renton_supervisor, supervises=True, by=staff)
    for user in (colleague, renton_supervisor):
        client.force_login(user)
        assert (
            client.post(hold_url(city_a, hold), {"decision": "approve", "reason": REASON}).status_code == 404
        )
    assert len(refusals(city_a, "hold.not_found")) == 2
    # the searcher themself (a supervisor too) still may not approve their own search
    agency_supervisor_set(user=kent_detective, supervises=True, by=staff)
    client.force_login(kent_detective)
    assert client.post(hold_url(city_a, hold), {"decision": "approve", "reason": REASON}).status_code == 403
    assert reload(hold).state == HoldState.PENDING and events(city_a, "search.hold_approved") == []


def test_approval_rechecks_the_agreement_a_revoked_agreement_still_refuses(
    city_a, kent_agreement, kent_detective, kent_supervisor, camera_1
):
    make_read(camera_1, PLATE)
    hold = hold_search(kent_detective, city_a)
    SharingAgreement.all_cities.filter(pk=kent_agreement.pk).update(state=AgreementState.REVOKED)
    decided = search_hold_approve(city=city_a, hold_id=hold.public_id, by=kent_supervisor, reason=REASON)
    assert not decided.ran and decided.result_count == 0
    hold = reload(hold)
    assert hold.state == HoldState.REFUSED and hold.closed_rule == "agreement.ended_during_search"
    assert hold.search.result_count == 0
    [event] = events(city_a, "search.hold_approved")
    assert event.outcome == "denied" and event.details["ran"] is False
    assert event.details["closed_rule"] == "agreement.ended_during_search"


def test_approval_asks_the_engine_again_a_firm_refusal_still_refuses(
    city_a, officer_a, chief_a, camera_1, settings
):
    make_read(camera_1, PLATE)
    hold = hold_search(officer_a, city_a)
    # the city now requires a case number the held search did not satisfy: a hard rule at approval
    Search.all_cities.filter(pk=hold.search.pk).update(case_number="")
    decided = search_hold_approve(city=city_a, hold_id=hold.public_id, by=chief_a, reason=REASON)
    assert not decided.ran and decided.decision is not None and not decided.decision.held
    hold = reload(hold)
    assert hold.state == HoldState.REFUSED and hold.closed_rule == decided.decision.rule
    assert hold.search.result_count == 0


# ---------------------------------------------------------------------------------------------
# Expiry
# ---------------------------------------------------------------------------------------------


def test_the_beat_task_expires_due_holds_once_each_audited(city_a, officer_a):
    due = hold_search(officer_a, city_a)
    fresh = hold_search(officer_a, city_a)
    SearchHold.all_cities.filter(pk=due.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    assert expire_task.apply().get() == 1
    assert search_holds_expire_due() == 0  # safe to run twice
    assert reload(due).state == HoldState.EXPIRED and reload(fresh).state == HoldState.PENDING
    [event] = events(city_a, "search.hold_expired")
    assert event.target_id == str(due.public_id) and event.details["held"]["evidence"]
    assert event.details["noticed_by"] == "schedule"


def test_an_expired_hold_cannot_be_approved_even_before_the_task_runs(client, city_a, officer_a, chief_a):
    hold = hold_search(officer_a, city_a)
    SearchHold.all_cities.filter(pk=hold.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    client.force_login(chief_a)
    response = client.post(hold_url(city_a, hold), {"decision": "approve", "reason": REASON})
    assert response.status_code == 409 and "expired" in response.content.decode()
    assert reload(hold).state == HoldState.EXPIRED
    assert len(events(city_a, "search.hold_expired")) == 1 and len(refusals(city_a, "hold.expired")) == 1
    assert events(city_a, "search.hold_approved") == []
    assert search_holds_expire_due() == 0


# ---------------------------------------------------------------------------------------------
# Dashboard, list page, supervisors
# ---------------------------------------------------------------------------------------------


def test_the_dashboard_tile_counts_the_holds_waiting_on_the_chief(client, city_a, officer_a, chief_a):
    client.force_login(chief_a)
    page = client.get(f"/c/{city_a.slug}/").content.decode()
    tile = page.split('id="attention-holds"')[1].split("</li>")[0]
    assert '<span class="count">0</span>' in tile
    hold = hold_search(officer_a, city_a)
    hold_search(chief_a, city_a)  # the chief's own hold does not wait on the chief
    page = client.get(f"/c/{city_a.slug}/").content.decode()
    tile = page.split('id="attention-holds"')[1].split("</li>")[0]
    assert '<span class="count">1</span>' in tile and f"/c/{city_a.slug}/holds/" in tile
    listing = client.get(f"/c/{city_a.slug}/holds/").content.decode()
    assert "Waiting for your decision (1)" in listing and hold_url(city_a, hold) in listing
    client.force_login(officer_a)
    page = client.get(f"/c/{city_a.slug}/").content.decode()
    assert "Your searches held for a supervisor" in page.split('id="attention-holds"')[1].split("</li>")[0]


def test_the_search_page_links_the_searcher_to_their_hold(client, city_a, officer_a):
    client.force_login(officer_a)
    purpose = held_purpose(officer_a, city_a)
    response = client.post(f"/c/{city_a.slug}/search/", {"plate": PLATE, **purpose})
    assert response.status_code == 403
    with city_scope(city_a):
        hold = SearchHold.objects.get()
    assert hold_url(city_a, hold) in response.content.decode()


def test_naming_an_agency_supervisor_is_audited_and_only_staff_may(kent, staff, city_a):
    user = partner_user(kent)
    assert agency_supervisor_set(user=user, supervises=True, by=staff)
    assert not agency_supervisor_set(user=user, supervises=True, by=staff)  # no change, no entry
    [event] = AuditEvent.objects.filter(event_type="agency.supervisor_named")
    assert event.actor == staff and event.agency == kent and event.target_id == str(user.public_id)
    assert User.objects.get(pk=user.pk).supervises_agency
    with pytest.raises(PermissionDenied):
        agency_supervisor_set(user=user, supervises=False, by=partner_user(kent))
    with pytest.raises(SupervisorRefusal):
        agency_supervisor_set(user=city_user(city_a, Role.OFFICER), supervises=True, by=staff)
    assert agency_supervisor_set(user=user, supervises=False, by=staff)
    assert AuditEvent.objects.filter(event_type="agency.supervisor_removed").count() == 1


def test_the_admin_names_a_supervisor_through_the_audited_service_and_shows_it(client, kent):
    admin_user = User.objects.create_superuser("root-admin", password="x")
    user = partner_user(kent)
    client.force_login(admin_user)
    response = client.post(
        "/admin/portal/user/", {"action": "name_agency_supervisor", "_selected_action": [user.pk]}
    )
    assert response.status_code == 302
    assert User.objects.get(pk=user.pk).supervises_agency
    [event] = AuditEvent.objects.filter(event_type="agency.supervisor_named")
    assert event.actor == admin_user and event.target_id == str(user.public_id)
    page = client.get(f"/admin/portal/user/{user.pk}/change/").content.decode()
    assert "supervises_agency" in page or "Supervises agency" in page
    # the flag is not editable in the form: a change there cannot bypass the audited service
    assert 'name="supervises_agency"' not in page


def test_a_search_held_through_the_api_answers_403_with_the_holds_page(client, city_a, officer_a):
    token = Token.objects.create(user=officer_a)
    purpose = held_purpose(officer_a, city_a)
    response = client.post(
        f"/api/v1/c/{city_a.slug}/searches/",
        {"plate": PLATE, **purpose},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {token.key}",
    )
    assert response.status_code == 403
    body = response.json()
    with city_scope(city_a):
        hold = SearchHold.objects.get()
    assert body["outcome"] == "held" and body["hold"].endswith(hold_url(city_a, hold))
