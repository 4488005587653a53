"""Revocation against live paths: a search racing it in another connection, and the partner alert
socket over the Channels stack."""

from __future__ import annotations

import threading
import time

import pytest
from asgiref.sync import sync_to_async
from django.db import connection, transaction

from audits.models import AuditEvent
from sharing import services
from sharing.grants import grant_for
from sharing.models import RevocationGrounds
from sharing.selectors import ReadQuery
from tests.conftest import requires_postgres
from tests.portal.test_websocket import connect
from tests.sharing.conftest import PURPOSE, make_agreement, make_read


def open_and_review(city, agency, clerk, chief):
    case = services.revocation_open(
        city=city, agency=agency, grounds=RevocationGrounds.PROHIBITED_PURPOSE, by=clerk, summary="Misuse."
    )
    return services.revocation_start_review(case=case, by=chief)


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_a_search_racing_a_revocation_returns_nothing(
    city_a, clerk_a, chief_a, kent, kent_detective, camera_1
):
    make_agreement(city_a, kent)
    make_read(camera_1, "ABC1234")
    case = open_and_review(city_a, kent, clerk_a, chief_a)
    revoked_uncommitted = threading.Event()
    outcome: dict = {}

    def revoke_and_hold_the_commit():
        try:
            with transaction.atomic():
                services.revocation_revoke(case=case, by=chief_a, rationale="Documented misuse.")
                revoked_uncommitted.set()
                time.sleep(1.5)  # the search starts meanwhile and must wait for this commit
        finally:
            connection.close()

    def search():
        try:
            assert revoked_uncommitted.wait(10)
            outcome["result"] = services.search_run(
                grant=grant_for(kent_detective, city_a), query=ReadQuery(plate="ABC1234"), **PURPOSE
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=revoke_and_hold_the_commit), threading.Thread(target=search)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    result = outcome["result"]
    assert not result.allowed and result.reads == []
    assert result.decision.rule == "agreement.ended_during_search"
    assert result.search.outcome == "denied" and result.search.result_count == 0
    recorded = AuditEvent.objects.get(city=city_a, event_type="search.performed")
    assert recorded.outcome == "denied" and recorded.details["result_count"] == 0


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_the_partner_alert_socket_closes_on_revocation_and_refuses_afterwards(
    client, city_a, clerk_a, chief_a, kent, kent_detective
):
    await sync_to_async(make_agreement)(city_a, kent, hotlist_alerts=True)
    await sync_to_async(client.force_login)(kent_detective)
    communicator, connected, _ = await connect(client, "/ws/partner/alerts/")
    assert connected
    assert (await communicator.receive_json_from(timeout=5))["type"] == "hello"
    from portal.consumers import broadcast

    group = f"agency.{kent.public_id.hex}.alerts"
    await sync_to_async(broadcast)(group, {"type": "partner.alert", "alert": {"plate": "ABC1234"}})
    assert (await communicator.receive_json_from(timeout=5))["alert"]["plate"] == "ABC1234"

    case = await sync_to_async(open_and_review)(city_a, kent, clerk_a, chief_a)
    await sync_to_async(services.revocation_revoke)(case=case, by=chief_a, rationale="Documented misuse.")
    closed = await communicator.receive_output(timeout=5)
    assert closed["type"] == "websocket.close" and closed["code"] == 4403
    await communicator.disconnect()

    again, connected, code = await connect(client, "/ws/partner/alerts/")
    assert not connected and code == 4403
    refusal = await sync_to_async(AuditEvent.objects.get)(city=city_a, event_type="access.refused")
    assert refusal.details["via"] == "websocket" and refusal.actor_id == kent_detective.pk


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_partner_without_alerts_and_a_city_officer_are_refused(
    client, city_a, kent, kent_detective, officer_a
):
    await sync_to_async(make_agreement)(city_a, kent, hotlist_alerts=False)
    for user in (kent_detective, officer_a):
        await sync_to_async(client.force_login)(user)
        _, connected, code = await connect(client, "/ws/partner/alerts/")
        assert not connected and code == 4403


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_suspending_the_agreement_on_its_own_page_closes_the_partner_alert_socket(
    client, city_a, chief_a, kent, kent_detective
):
    agreement = await sync_to_async(make_agreement)(city_a, kent, hotlist_alerts=True)
    await sync_to_async(client.force_login)(kent_detective)
    communicator, connected, _ = await connect(client, "/ws/partner/alerts/")
    assert connected
    assert (await communicator.receive_json_from(timeout=5))["type"] == "hello"
    await sync_to_async(services.agreement_suspend)(agreement=agreement, by=chief_a, reason="Under review.")
    closed = await communicator.receive_output(timeout=1)
    assert closed == {"type": "websocket.close", "code": 4403}
    await communicator.disconnect()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_an_alert_from_a_city_that_stopped_sharing_is_not_delivered(
    client, city_a, city_b, kent, kent_detective
):
    """Kent still gets alerts from Bravo, so the socket stays; Alpha's alert in flight is dropped."""
    from portal.live import broadcast

    alpha = await sync_to_async(make_agreement)(city_a, kent, hotlist_alerts=True)
    await sync_to_async(make_agreement)(city_b, kent, hotlist_alerts=True)
    await sync_to_async(client.force_login)(kent_detective)
    communicator, connected, _ = await connect(client, "/ws/partner/alerts/")
    assert connected and (await communicator.receive_json_from(timeout=5))["type"] == "hello"
    await sync_to_async(type(alpha).all_cities.filter(pk=alpha.pk).update)(state="suspended")
    group = f"agency.{kent.public_id.hex}.alerts"
    await sync_to_async(broadcast)(
        group, {"type": "partner.alert", "city_id": city_a.pk, "alert": {"plate": "ALPHA1"}}
    )
    await sync_to_async(broadcast)(
        group, {"type": "partner.alert", "city_id": city_b.pk, "alert": {"plate": "BRAVO1"}}
    )
    assert (await communicator.receive_json_from(timeout=5))["alert"]["plate"] == "BRAVO1"
    await communicator.disconnect()
