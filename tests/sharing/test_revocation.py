"""Revocation cases: who opens and decides, what a suspension or revocation ends at once, and the
permanent block that follows an immigration-enforcement revocation."""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
import time

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token

from audits.models import AuditEvent
from cameras.models import HotlistSource
from cameras.services import hotlist_create, hotlist_entry_add, reads_match
from portal.models import AgencyKind
from portal.roles import Role
from portal.tenancy import city_scope
from sharing import services
from sharing.grants import grant_for
from sharing.models import (
    AgreementState,
    PermanentBlock,
    RevocationCase,
    RevocationGrounds,
    RevocationState,
    Search,
    SharingAgreement,
)
from sharing.selectors import ReadQuery
from sharing.services import PolicyRefusal
from tests.conftest import requires_redis
from tests.factories import AgencyFactory, city_user, partner_user
from tests.sharing.conftest import PURPOSE, make_agreement, make_read

pytestmark = pytest.mark.django_db


def audit_types(city, **filters):
    return list(
        AuditEvent.objects.filter(city=city, **filters)
        .order_by("sequence")
        .values_list("event_type", flat=True)
    )


@pytest.fixture
def kent_unit(kent):
    """A unit of Kent under another name."""
    return AgencyFactory(
        name="Valley Narcotics Enforcement Team", kind=AgencyKind.LOCAL, state="WA", parent=kent
    )


@pytest.fixture
def agreements(city_a, kent, kent_unit):
    return make_agreement(city_a, kent, hotlist_alerts=True), make_agreement(city_a, kent_unit)


def open_case(city, clerk, agency, grounds=RevocationGrounds.PROHIBITED_PURPOSE, **kwargs):
    return services.revocation_open(
        city=city, agency=agency, grounds=grounds, by=clerk, summary="Searches for ICE ERO.", **kwargs
    )


def reviewed(case, chief):
    return services.revocation_start_review(case=case, by=chief, rationale="Evidence is specific.")


def state_of(agreement):
    return SharingAgreement.all_cities.get(pk=agreement.pk).state


# --- opening -----------------------------------------------------------------------------------------


def test_a_clerk_opens_a_case_with_evidence_from_the_agencys_searches(
    city_a, clerk_a, kent, kent_detective, camera_1, agreements
):
    result = services.search_run(
        grant=grant_for(kent_detective, city_a), query=ReadQuery(plate="ABC1234"), **PURPOSE
    )
    event = AuditEvent.objects.get(city=city_a, event_type="search.performed")
    case = open_case(city_a, clerk_a, kent, evidence_events=[event], evidence_searches=[result.search])
    assert case.state == RevocationState.OPENED
    with city_scope(city_a):
        assert list(case.evidence_searches.all()) == [result.search]
    assert list(case.evidence_events.all()) == [event]
    opened = AuditEvent.objects.get(city=city_a, event_type="revocation.opened")
    assert opened.actor == clerk_a and opened.details["evidence_searches"] == [str(result.search.public_id)]


@pytest.mark.parametrize("role", [Role.OFFICER, Role.DISPATCHER])
def test_only_clerks_auditors_and_the_chief_open_cases(city_a, kent, role):
    before = AuditEvent.objects.count()
    with pytest.raises(PermissionDenied):
        open_case(city_a, city_user(city_a, role), kent)
    assert RevocationCase.all_cities.count() == 0 and AuditEvent.objects.count() == before


def test_evidence_must_be_about_the_agency_and_of_this_city(city_a, clerk_a, kent, boise, city_b):
    other = partner_user(boise)
    make_agreement(city_a, boise)
    result = services.search_run(grant=grant_for(other, city_a), query=ReadQuery(plate="ABC1234"), **PURPOSE)
    with pytest.raises(ValidationError):
        open_case(city_a, clerk_a, kent, evidence_searches=[result.search])
    assert RevocationCase.all_cities.count() == 0


def test_the_open_form_offers_the_agencys_searches_and_opens_a_case(
    client, city_a, clerk_a, kent, kent_detective, agreements
):
    result = services.search_run(
        grant=grant_for(kent_detective, city_a), query=ReadQuery(plate="ABC1234"), **PURPOSE
    )
    client.force_login(clerk_a)
    url = f"/c/{city_a.slug}/revocations/new/"
    page = client.get(url, {"agency": str(kent.public_id), "search": str(result.search.public_id)})
    assert page.status_code == 200 and "ABC1234" in page.content.decode()
    response = client.post(
        url,
        {
            "agency": str(kent.public_id),
            "grounds": RevocationGrounds.IMMIGRATION_ENFORCEMENT,
            "summary": "Reason field says ICE WARRANT.",
            "evidence_searches": [str(result.search.public_id)],
        },
    )
    assert response.status_code == 302
    with city_scope(city_a):
        case = RevocationCase.objects.get()
        assert list(case.evidence_searches.all()) == [result.search]


# --- transitions ---------------------------------------------------------------------------------------


def test_only_the_chief_decides_and_nothing_changes_otherwise(city_a, clerk_a, auditor_a, kent, agreements):
    case = open_case(city_a, clerk_a, kent)
    before = AuditEvent.objects.count()
    for user in (clerk_a, auditor_a, city_user(city_a, Role.OFFICER)):
        with pytest.raises(PermissionDenied):
            services.revocation_start_review(case=case, by=user)
    assert RevocationCase.all_cities.get(pk=case.pk).state == RevocationState.OPENED
    assert AuditEvent.objects.count() == before


def test_decisions_need_a_review_and_a_rationale(city_a, clerk_a, chief_a, kent, agreements):
    case = open_case(city_a, clerk_a, kent)
    with pytest.raises(services.RevocationStateError):
        services.revocation_revoke(case=case, by=chief_a, rationale="Clear.")
    reviewed(case, chief_a)
    with pytest.raises(ValidationError):
        services.revocation_revoke(case=case, by=chief_a, rationale="  ")
    assert all(state_of(a) == AgreementState.ACTIVE for a in agreements)


def test_every_transition_is_audited_with_who_when_and_why(city_a, clerk_a, chief_a, kent, agreements):
    case = open_case(city_a, clerk_a, kent)
    reviewed(case, chief_a)
    services.revocation_suspend(case=case, by=chief_a, rationale="Searches continue while we review.")
    services.revocation_revoke(case=case, by=chief_a, rationale="Immigration use is documented.")
    history = list(
        AuditEvent.objects.filter(target_type="revocation_case", target_id=str(case.public_id)).order_by(
            "sequence"
        )
    )
    assert [e.event_type for e in history] == [
        "revocation.opened",
        "revocation.review_started",
        "revocation.suspended",
        "revocation.revoked",
    ]
    assert [e.actor for e in history] == [clerk_a, chief_a, chief_a, chief_a]
    assert history[2].details["rationale"] == "Searches continue while we review."
    assert history[3].details["rationale"] == "Immigration use is documented."
    assert history[3].details["from"] == "under_review" and history[3].details["to"] == "revoked"
    assert all(e.occurred_at is not None for e in history)


def test_dismissal_leaves_agreements_alone_unless_suspended(city_a, clerk_a, chief_a, kent, agreements):
    case = open_case(city_a, clerk_a, kent)
    reviewed(case, chief_a)
    services.revocation_dismiss(case=case, by=chief_a, rationale="The search was for a robbery.")
    assert all(state_of(a) == AgreementState.ACTIVE for a in agreements)
    assert "revocation.dismissed" in audit_types(city_a)


# --- suspension: every path ends at once ------------------------------------------------------------


def test_suspension_ends_every_agreement_with_the_agency_and_its_units_and_blocks_reinstatement(
    city_a, clerk_a, chief_a, kent, agreements, django_capture_on_commit_callbacks, mailoutbox
):
    kent.contact_email = "records@kent.example"
    kent.save()
    case = open_case(city_a, clerk_a, kent)
    reviewed(case, chief_a)
    with django_capture_on_commit_callbacks(execute=True):
        services.revocation_suspend(case=case, by=chief_a, rationale="Pending review.")
    assert [state_of(a) for a in agreements] == [AgreementState.SUSPENDED, AgreementState.SUSPENDED]
    assert audit_types(city_a, event_type="agreement.suspended") == ["agreement.suspended"] * 2
    [mail] = mailoutbox
    assert mail.to == ["records@kent.example"] and "suspended" in mail.subject
    assert case.reference in mail.body
    with pytest.raises(services.AgreementStateError, match="under review"):
        services.agreement_reinstate(agreement=agreements[0], by=chief_a)


def test_the_agency_is_notified_of_a_revocation(
    city_a, clerk_a, chief_a, kent, agreements, django_capture_on_commit_callbacks, mailoutbox
):
    kent.contact_email = "records@kent.example"
    kent.save()
    case = reviewed(open_case(city_a, clerk_a, kent), chief_a)
    with django_capture_on_commit_callbacks(execute=True):
        services.revocation_revoke(case=case, by=chief_a, rationale="Documented misuse.")
    [mail] = mailoutbox
    assert "revoked" in mail.subject and "Documented misuse." in mail.body
    assert chief_a.username not in mail.body


def revoke(city, clerk, chief, agency, grounds=RevocationGrounds.PROHIBITED_PURPOSE, callbacks=None):
    case = reviewed(open_case(city, clerk, agency, grounds=grounds), chief)
    return services.revocation_revoke(case=case, by=chief, rationale="Documented misuse.")


def test_after_revocation_web_search_is_refused_and_audited(
    client, city_a, clerk_a, chief_a, kent, kent_detective, camera_1, agreements
):
    make_read(camera_1, "ABC1234")
    revoke(city_a, clerk_a, chief_a, kent)
    client.force_login(kent_detective)
    response = client.post(f"/c/{city_a.slug}/search/", {"plate": "ABC1234", **PURPOSE})
    assert response.status_code == 404
    refusal = AuditEvent.objects.get(city=city_a, event_type="access.refused")
    assert refusal.actor == kent_detective and refusal.outcome == "denied"
    assert refusal.details["rule"] == "agency.revoked" and refusal.details["via"] == "web"
    with city_scope(city_a):
        assert not Search.objects.filter(user=kent_detective).exists()


def test_after_revocation_the_search_service_refuses_too_and_records_it(
    city_a, clerk_a, chief_a, kent, kent_detective, camera_1, agreements
):
    make_read(camera_1, "ABC1234")
    revoke(city_a, clerk_a, chief_a, kent)
    result = services.search_run(
        grant=grant_for(kent_detective, city_a), query=ReadQuery(plate="ABC1234"), **PURPOSE
    )
    assert not result.allowed and result.reads == [] and result.decision.rule == "agency.revoked"
    assert result.search.outcome == "denied"


def test_after_revocation_api_tokens_stop_for_this_city_only(
    client, city_a, city_b, clerk_a, chief_a, kent, kent_detective, camera_1, camera_b, agreements
):
    make_agreement(city_b, kent)
    make_read(camera_1, "ABC1234")
    make_read(camera_b, "ABC1234")
    token = Token.objects.create(user=kent_detective)
    revoke(city_a, clerk_a, chief_a, kent)
    assert Token.objects.filter(pk=token.pk).exists()  # Bravo still shares with Kent
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {token.key}"
    body = {"plate": "ABC1234", **PURPOSE}
    refused = client.post(f"/api/v1/c/{city_a.slug}/searches/", body, content_type="application/json")
    assert refused.status_code == 404
    refusal = AuditEvent.objects.get(city=city_a, event_type="access.refused")
    assert refusal.actor == kent_detective and refusal.details["via"] == "api"
    allowed = client.post(f"/api/v1/c/{city_b.slug}/searches/", body, content_type="application/json")
    assert allowed.status_code == 200 and allowed.json()["result_count"] == 1


def test_tokens_are_deleted_when_no_city_shares_with_the_agency_any_more(
    city_a, clerk_a, chief_a, kent, kent_unit, kent_detective, agreements
):
    unit_user = partner_user(kent_unit)
    Token.objects.create(user=kent_detective)
    Token.objects.create(user=unit_user)
    staff_token = Token.objects.create(user=clerk_a)
    revoke(city_a, clerk_a, chief_a, kent)
    assert list(Token.objects.all()) == [staff_token]
    revoked = AuditEvent.objects.get(city=city_a, event_type="revocation.revoked")
    assert revoked.details["tokens_deleted"] == 2 and len(revoked.details["agreements_ended"]) == 2


def test_after_revocation_lookups_from_the_agencys_city_are_refused_and_audited(
    city_a, city_b, clerk_a, chief_a, officer_b, camera_1
):
    chief_b = city_user(city_b, Role.CHIEF)
    services.city_policy_update(city=city_a, by=chief_a, values={"statewide_lookup_enabled": True})
    services.city_policy_update(city=city_b, by=chief_b, values={"statewide_lookup_enabled": True})
    make_read(camera_1, "ABC1234")
    lookup = services.lookup_run(user=officer_b, city=city_b, query=ReadQuery(plate="ABC1234"), **PURPOSE)
    assert len(lookup.reads) == 1
    revoke(city_a, clerk_a, chief_a, city_b.own_agency)
    lookup = services.lookup_run(user=officer_b, city=city_b, query=ReadQuery(plate="ABC1234"), **PURPOSE)
    assert lookup.reads == []
    [reached] = lookup.lookups
    assert reached.decision.rule == "agency.revoked"
    received = AuditEvent.objects.filter(city=city_a, event_type="search.lookup_received").order_by(
        "sequence"
    )
    assert [e.outcome for e in received] == ["allowed", "denied"]


def test_a_new_agreement_after_an_ordinary_revocation_needs_the_chief_again(
    city_a, clerk_a, chief_a, kent, agreements
):
    revoke(city_a, clerk_a, chief_a, kent, grounds=RevocationGrounds.OUT_OF_SCOPE)
    today = timezone.localdate()
    agreement = services.agreement_draft(
        city=city_a,
        by=clerk_a,
        partner_agency=kent,
        starts_on=today,
        ends_on=today + dt.timedelta(days=30),
        declaration_signed_by="Chief K",
        declaration_signed_at=timezone.now(),
    )
    assert agreement.state == AgreementState.DRAFT
    assert not PermanentBlock.all_cities.exists()


# --- hotlist alerts -------------------------------------------------------------------------------------


@pytest.fixture
def shared_hotlist(city_a, clerk_a):
    hotlist = hotlist_create(
        city=city_a, by=clerk_a, name="Stolen", source=HotlistSource.STATE_NCIC, priority=3
    )
    hotlist.share_alerts_with_partners = True
    hotlist.save()
    hotlist_entry_add(hotlist=hotlist, by=clerk_a, plate="ABC1234", state="WA", reason="Stolen 26-1")
    return hotlist


class ChannelRecorder:
    """Listens on the real channel layer (Redis under `make test`) to the groups a test names.

    The subscriptions live on an event loop of the recorder's own, in a thread, for the whole test:
    a pub/sub layer (the default, ``CHANNEL_LAYER``) hands a message only to those listening when
    it is sent, where the list layer kept it for a later reader."""

    def __init__(self):
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.layer = None
        self.received: dict[str, list[dict]] = {}
        self.pumps: list[asyncio.Future] = []

    def _run(self, coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(10)

    def listen(self, *groups: str) -> None:
        from channels.layers import channel_layers

        async def add(group: str) -> None:
            if self.layer is None:
                self.layer = channel_layers.make_backend("default")
            channel = await self.layer.new_channel("test-recorder.")
            await self.layer.group_add(group, channel)
            inbox = self.received.setdefault(group, [])

            async def pump() -> None:
                while True:
                    inbox.append(await self.layer.receive(channel))

            self.pumps.append(asyncio.ensure_future(pump()))

        for group in groups:
            self._run(add(group))

    def messages(self, group: str) -> list[dict]:
        """What reached ``group`` since the last call, once half a second passed with nothing new."""
        seen = -1
        while len(self.received.get(group, [])) != seen:
            seen = len(self.received.get(group, []))
            time.sleep(0.5)
        taken = self.received.get(group, [])[:seen]
        del self.received.get(group, [])[:seen]
        return taken

    def close(self) -> None:
        async def stop() -> None:
            for pump in self.pumps:
                pump.cancel()
            await asyncio.gather(*self.pumps, return_exceptions=True)
            if self.layer is not None and hasattr(self.layer, "close_pools"):
                await self.layer.close_pools()  # the list layer: its connections, not its keys
            elif self.layer is not None:
                await self.layer.flush()  # the pub/sub layer: its subscriptions and connections

        self._run(stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()


@pytest.fixture
def sent():
    recorder = ChannelRecorder()
    yield recorder
    recorder.close()


def alerts_group(agency) -> str:
    return f"agency.{agency.public_id.hex}.alerts"


def alerts_to(sent, agency):
    return sent.messages(alerts_group(agency))


@requires_redis
def test_a_shared_hit_reaches_agencies_with_alerts_covering_the_camera_and_stops_after_revocation(
    city_a,
    clerk_a,
    chief_a,
    kent,
    kent_unit,
    camera_1,
    camera_2,
    agreements,
    shared_hotlist,
    sent,
    django_capture_on_commit_callbacks,
    boise,
):
    make_agreement(city_a, boise, hotlist_alerts=True, cameras=[camera_2])  # another camera only
    dispatchers = f"city.{city_a.public_id.hex}.hits"
    sent.listen(alerts_group(kent), alerts_group(kent_unit), alerts_group(boise), dispatchers)
    with django_capture_on_commit_callbacks(execute=True):
        reads_match(city=city_a, read_ids=[make_read(camera_1, "ABC1234").pk])
    [alert] = alerts_to(sent, kent)
    assert alert["alert"]["plate"] == "ABC1234" and alert["alert"]["camera"] == "North gate"
    assert alert["alert"]["hotlist"] == "Stolen" and alert["alert"]["reason"] == "Stolen 26-1"
    assert "crop" not in str(alert) and "image" not in str(alert)
    assert alerts_to(sent, kent_unit) == []  # its agreement has no alerts
    assert alerts_to(sent, boise) == []  # its agreement does not cover the camera
    assert AuditEvent.objects.filter(city=city_a, event_type="hotlist.partner_alert").count() == 1
    sent.messages(dispatchers)  # the first hit's push to the city's dispatchers
    revoke(city_a, clerk_a, chief_a, kent)
    with django_capture_on_commit_callbacks(execute=True):
        reads_match(city=city_a, read_ids=[make_read(camera_1, "ABC1234").pk])
    assert alerts_to(sent, kent) == []
    assert [m["type"] for m in sent.messages(dispatchers)] == ["hit.created"]  # dispatchers still see it


@requires_redis
def test_revocation_ends_the_partners_live_sessions(
    city_a, clerk_a, chief_a, kent, kent_detective, agreements, sent, django_capture_on_commit_callbacks
):
    sent.listen(f"user.{kent_detective.public_id.hex}")
    with django_capture_on_commit_callbacks(execute=True):
        revoke(city_a, clerk_a, chief_a, kent)
    assert {"type": "session.end", "reason": "access revoked"} in sent.messages(
        f"user.{kent_detective.public_id.hex}"
    )


# --- the permanent block ----------------------------------------------------------------------------------


@pytest.fixture
def usbp(db):
    return AgencyFactory(name="Customs and Border Protection", kind=AgencyKind.FEDERAL, state="")


@pytest.fixture
def blaine(usbp):
    return AgencyFactory(name="Blaine Sector Task Unit", kind=AgencyKind.LOCAL, state="WA", parent=usbp)


@pytest.fixture
def permissive(city_a, chief_a):
    services.city_policy_update(
        city=city_a,
        by=chief_a,
        values={"allow_federal_agencies": True, "allow_out_of_state_agencies": True},
    )


def draft(city, clerk, agency):
    today = timezone.localdate()
    return services.agreement_draft(
        city=city,
        by=clerk,
        partner_agency=agency,
        starts_on=today,
        ends_on=today + dt.timedelta(days=30),
        declaration_signed_by="Someone",
        declaration_signed_at=timezone.now(),
    )


def test_an_immigration_revocation_blocks_the_agency_its_units_siblings_and_parent_for_good(
    city_a, clerk_a, chief_a, usbp, blaine, permissive
):
    make_agreement(city_a, blaine)
    case = revoke(city_a, clerk_a, chief_a, blaine, grounds=RevocationGrounds.IMMIGRATION_ENFORCEMENT)
    block = PermanentBlock.all_cities.get()
    assert block.case == case and block.agency == blaine
    assert "revocation.permanent_block" in audit_types(city_a)
    sibling = AgencyFactory(name="Spokane Area Liaison", kind=AgencyKind.LOCAL, state="WA", parent=usbp)
    sub_unit = AgencyFactory(name="Northern Corridor Desk", kind=AgencyKind.LOCAL, state="WA", parent=blaine)
    for agency in (blaine, sub_unit, sibling, usbp):
        with pytest.raises(PolicyRefusal) as refused:
            draft(city_a, clerk_a, agency)
        assert refused.value.decision.rule == "agency.blocked"
        assert case.reference in refused.value.decision.message
        assert case.decided_at.date().isoformat() in refused.value.decision.message
    assert audit_types(city_a, event_type="agreement.refused") == ["agreement.refused"] * 4
    with city_scope(city_a):
        assert not SharingAgreement.objects.exclude(state=AgreementState.REVOKED).exists()


def test_a_renamed_blocked_agency_is_still_refused(city_a, clerk_a, chief_a, kent):
    make_agreement(city_a, kent)
    revoke(city_a, clerk_a, chief_a, kent, grounds=RevocationGrounds.IMMIGRATION_ENFORCEMENT)
    kent.name = "Kent Public Safety"
    kent.save()
    with pytest.raises(PolicyRefusal):
        draft(city_a, clerk_a, kent)


def test_the_block_only_binds_the_city_that_made_it(city_a, city_b, clerk_a, chief_a, kent):
    make_agreement(city_a, kent)
    revoke(city_a, clerk_a, chief_a, kent, grounds=RevocationGrounds.IMMIGRATION_ENFORCEMENT)
    assert draft(city_b, city_user(city_b, Role.CLERK), kent).state == AgreementState.DRAFT


def test_a_permanent_block_cannot_be_lifted(client, admin_user, city_a, clerk_a, chief_a, kent):
    make_agreement(city_a, kent)
    revoke(city_a, clerk_a, chief_a, kent, grounds=RevocationGrounds.IMMIGRATION_ENFORCEMENT)
    block = PermanentBlock.all_cities.get()
    # The database refuses.
    with pytest.raises(DatabaseError), transaction.atomic():
        PermanentBlock.all_cities.filter(pk=block.pk).update(agency_name="someone else")
    with pytest.raises(DatabaseError), transaction.atomic():
        PermanentBlock.all_cities.filter(pk=block.pk).delete()
    assert PermanentBlock.all_cities.get().agency_name == kent.name
    # No service lifts it, no page or API route does, the admin is read-only.
    assert not [name for name in dir(services) if "block" in name or "unrevoke" in name or "lift" in name]
    from django.urls import get_resolver

    from tests.portal.test_access_rules import walk

    routes = [route for route, _, _ in walk(get_resolver()) if not route.startswith("admin/")]
    assert not [route for route in routes if "block" in route or "lift" in route]
    client.force_login(admin_user)
    change = client.get(f"/admin/sharing/permanentblock/{block.pk}/change/")
    assert change.status_code == 200 and b'name="_save"' not in change.content
    assert (
        client.post(f"/admin/sharing/permanentblock/{block.pk}/delete/", {"post": "yes"}).status_code == 403
    )
    assert PermanentBlock.all_cities.filter(pk=block.pk).exists()
    # A revoked case is final.
    case = RevocationCase.all_cities.get()
    for action in (services.revocation_start_review, services.revocation_dismiss):
        with pytest.raises(services.RevocationStateError):
            action(case=case, by=chief_a, rationale="Changed our mind.")


# --- pages -------------------------------------------------------------------------------------------------


def test_the_public_page_lists_revocations_and_agencies_with_access_without_names(
    client, city_a, clerk_a, chief_a, kent, boise, agreements
):
    make_agreement(city_a, boise)
    revoke(city_a, clerk_a, chief_a, kent, grounds=RevocationGrounds.IMMIGRATION_ENFORCEMENT)
    page = client.get(f"/p/{city_a.slug}/").content.decode()
    revoked_row = page.split("Revoked agencies")[1]
    assert kent.name in revoked_row and "Use for immigration enforcement" in revoked_row
    assert timezone.now().date().isoformat() in revoked_row
    access_list = page.split("Agencies with access")[1].split("Revoked agencies")[0]
    assert boise.name in access_list and kent.name not in access_list
    for name in (chief_a.username, clerk_a.username, "Documented misuse"):
        assert name not in page


def test_case_pages_for_staff_with_filters_history_and_the_decision_form(
    client, city_a, clerk_a, chief_a, kent, kent_unit, agreements
):
    case = open_case(city_a, clerk_a, kent, grounds=RevocationGrounds.ONWARD_SHARING)
    other = open_case(city_a, clerk_a, kent_unit, grounds=RevocationGrounds.OTHER)
    client.force_login(chief_a)
    listing = client.get(f"/c/{city_a.slug}/revocations/", {"grounds": "onward_sharing"}).content.decode()
    assert case.reference in listing and other.reference not in listing
    base = f"/c/{city_a.slug}/revocations/{case.public_id}/"
    assert client.post(base + "review/", {"rationale": "Looking into it."}).status_code == 302
    assert client.post(base + "suspend/", {"rationale": "Stop now."}).status_code == 302
    assert [state_of(a) for a in agreements] == [AgreementState.SUSPENDED, AgreementState.SUSPENDED]
    detail = client.get(base).content.decode()
    assert "Agency suspended pending the decision" in detail and "Stop now." in detail and "Revoke" in detail
    assert client.post(base + "dismiss/", {"rationale": ""}).status_code == 400  # refused: no rationale
    assert RevocationCase.all_cities.get(pk=case.pk).state == RevocationState.UNDER_REVIEW


def test_revoking_from_the_page_needs_the_confirmation_box(
    client, city_a, clerk_a, chief_a, kent, agreements
):
    case = open_case(city_a, clerk_a, kent, grounds=RevocationGrounds.IMMIGRATION_ENFORCEMENT)
    reviewed(case, chief_a)
    client.force_login(chief_a)
    base = f"/c/{city_a.slug}/revocations/{case.public_id}/"
    page = client.get(base).content.decode()
    assert (
        'name="confirm"' in page and "cannot be undone" in page and "blocked from this city for good" in page
    )
    before = AuditEvent.objects.count()
    response = client.post(base + "revoke/", {"rationale": "Documented misuse."})
    assert response.status_code == 400 and "tick the box to confirm" in response.content.decode()
    assert RevocationCase.all_cities.get(pk=case.pk).state == RevocationState.UNDER_REVIEW
    assert not PermanentBlock.all_cities.exists() and AuditEvent.objects.count() == before + 1
    refusal = AuditEvent.objects.order_by("-pk").first()
    assert refusal.event_type == "access.refused" and refusal.details["rule"] == "input.invalid"
    client.post(base + "revoke/", {"rationale": "Documented misuse.", "confirm": "yes"})
    assert RevocationCase.all_cities.get(pk=case.pk).state == RevocationState.REVOKED
    assert PermanentBlock.all_cities.exists()


@pytest.mark.parametrize("role", [Role.CLERK, Role.AUDITOR, Role.OFFICER])
def test_only_the_chief_may_post_decisions(client, city_a, clerk_a, kent, agreements, role):
    case = open_case(city_a, clerk_a, kent)
    client.force_login(city_user(city_a, role))
    response = client.post(f"/c/{city_a.slug}/revocations/{case.public_id}/review/", {"rationale": "x"})
    assert response.status_code == 403
    assert RevocationCase.all_cities.get(pk=case.pk).state == RevocationState.OPENED


def test_case_pages_are_the_citys_own(client, city_a, city_b, clerk_a, kent, outsider):
    case = open_case(city_a, clerk_a, kent)
    client.force_login(city_user(city_b, Role.CHIEF))
    assert client.get(f"/c/{city_b.slug}/revocations/{case.public_id}/").status_code == 404
    assert client.get(f"/c/{city_a.slug}/revocations/").status_code == 404
    client.force_login(outsider)
    assert client.get(f"/c/{city_a.slug}/revocations/").status_code == 404
