"""Camera health: status from reads and heartbeats, history, the sweep that marks silence and emails
the clerks once, the selector for dashboards, and the camera page's health section and webhook URL."""

import datetime as dt
import json

import pytest
from django.core import mail
from django.utils import timezone

from audits.models import AuditEvent
from cameras import selectors
from cameras.models import CameraEdge, CameraHealthChange, CameraHeartbeat, HealthStatus, Read
from cameras.services import (
    DeviceRead,
    camera_create,
    camera_health_sweep,
    camera_heartbeat_record,
    camera_webhook_token_issue,
    reads_ingest_from_device,
)
from cameras.tasks import camera_health_sweep as sweep_task
from portal.roles import Role
from tests.cameras.device_payloads import alpr_heartbeat, pr_stream
from tests.factories import city_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk(city_a):
    return city_user(city_a, Role.CLERK, email="records@auburn.example")


@pytest.fixture
def camera(city_a, clerk):
    camera, _key = camera_create(
        city=city_a, by=clerk, name="Harbour Ave", latitude="47.3", longitude="-122.2"
    )
    return camera


def a_read(camera, when=None, plate="ABC1234"):
    when = when or timezone.now()
    reads_ingest_from_device(camera=camera, reads=[DeviceRead(plate=plate, confidence=0.9, captured_at=when)])


def test_status_follows_reads_heartbeats_and_the_expected_gap(camera):
    now = timezone.now()
    assert camera.health_status() == HealthStatus.UP  # new: waiting for its first read
    assert camera.health_status(now=now + dt.timedelta(minutes=31)) == HealthStatus.SILENT
    a_read(camera)
    camera.refresh_from_db()
    assert camera.health_status() == HealthStatus.UP
    camera_heartbeat_record(camera=camera, source_format="openalpr.heartbeat", ok=False, note="stream down")
    camera.refresh_from_db()
    assert camera.health_status() == HealthStatus.DEGRADED
    camera_heartbeat_record(camera=camera, source_format="openalpr.heartbeat", ok=True)
    camera.refresh_from_db()
    assert camera.health_status() == HealthStatus.UP
    # Heartbeats keep coming, reads stop: degraded (the device lives, the camera sees nothing).
    later = now + dt.timedelta(minutes=45)
    CameraEdge.all_cities.filter(camera=camera).update(last_heartbeat_at=later)
    camera.refresh_from_db()
    assert camera.health_status(now=later) == HealthStatus.DEGRADED
    assert camera.health_status(now=later + dt.timedelta(minutes=31)) == HealthStatus.SILENT
    statuses = list(CameraHealthChange.all_cities.order_by("at", "pk").values_list("status", flat=True))
    assert statuses == ["up", "degraded", "up"]


def test_the_sweep_marks_silence_emails_the_clerks_once_and_recovers(
    city_a, camera, clerk, django_capture_on_commit_callbacks
):
    city_user(city_a, Role.OFFICER, email="officer@auburn.example")  # not a clerk: no email
    a_read(camera)
    later = timezone.now() + dt.timedelta(minutes=40)
    with django_capture_on_commit_callbacks(execute=True):
        result = camera_health_sweep(city=city_a, now=later)
    assert result == {"silent": 1, "emailed": 1}
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["records@auburn.example"] and "Harbour Ave" in message.subject
    assert "nothing for 40 min" in message.body or "nothing for 39 min" in message.body
    assert selectors.cameras_silent(city_a, now=later) == [camera]
    # Twice: no second email for the same silence.
    with django_capture_on_commit_callbacks(execute=True):
        again = camera_health_sweep(city=city_a, now=later + dt.timedelta(minutes=5))
    assert again == {"silent": 1, "emailed": 0} and len(mail.outbox) == 1
    types = list(AuditEvent.objects.values_list("event_type", flat=True))
    assert types.count("camera.silent_alert_sent") == 1 and "camera.health_changed" in types
    # A read brings it back; a later silence emails again.
    a_read(camera, plate="XYZ789")
    camera.refresh_from_db()
    assert camera.health_status() == HealthStatus.UP and camera.edge.silent_alerted_at is None
    assert selectors.cameras_silent(city_a) == []


def test_no_email_when_the_camera_asks_for_none(client, city_a, camera, clerk):
    client.force_login(clerk)
    response = client.post(
        f"/c/{city_a.slug}/cameras/{camera.public_id}/health/", {"expected_gap_minutes": "5"}
    )  # the check box left unticked
    assert response.status_code == 302
    edge = CameraEdge.all_cities.get(camera=camera)
    assert (edge.expected_gap_minutes, edge.email_clerks_when_silent) == (5, False)
    assert camera_health_sweep(city=city_a, now=timezone.now() + dt.timedelta(minutes=6)) == {
        "silent": 1,
        "emailed": 0,
    }
    assert mail.outbox == []
    event = AuditEvent.objects.get(event_type="camera.health_settings_changed")
    assert event.actor == clerk and event.details["after"] == {"expected_gap_minutes": 5, "email": False}


def test_a_bad_gap_is_refused_and_changes_nothing(client, city_a, camera, clerk):
    client.force_login(clerk)
    for value in ("0", "-3", "abc", "99999"):
        response = client.post(
            f"/c/{city_a.slug}/cameras/{camera.public_id}/health/", {"expected_gap_minutes": value}
        )
        assert response.status_code == 400 and "Nothing was changed" in response.content.decode()
    assert not CameraEdge.all_cities.filter(camera=camera).exclude(expected_gap_minutes=30).exists()
    assert not AuditEvent.objects.filter(event_type="camera.health_settings_changed").exists()
    refusals = AuditEvent.objects.filter(city=city_a, event_type="access.refused")
    assert [entry.details["rule"] for entry in refusals] == ["input.invalid"] * 4


def test_the_beat_task_sweeps_every_city_and_drops_old_heartbeats(city_a, city_b, camera):
    camera_heartbeat_record(camera=camera, source_format="openalpr.heartbeat", ok=True)
    CameraHeartbeat.all_cities.update(received_at=timezone.now() - dt.timedelta(days=8))
    result = sweep_task.apply().get()
    assert set(result) == {city_a.slug, city_b.slug}
    assert CameraHeartbeat.all_cities.count() == 0


def test_silent_selector_ignores_retired_and_other_cities(city_a, city_b, camera, clerk):
    from cameras.services import camera_retire

    other, _ = camera_create(
        city=city_b, by=city_user(city_b, Role.CLERK), name="B", latitude="47", longitude="-122"
    )
    retired, _ = camera_create(city=city_a, by=clerk, name="Old", latitude="47", longitude="-122")
    camera_retire(camera=retired, by=clerk)
    later = timezone.now() + dt.timedelta(hours=2)
    assert selectors.cameras_silent(city_a, now=later) == [camera]
    assert selectors.cameras_silent(city_b, now=later) == [other]


def test_camera_page_shows_health_history_and_device_urls(client, city_a, camera, clerk):
    camera_heartbeat_record(
        camera=camera, source_format="openalpr.heartbeat", ok=False, note="stream h265 is not streaming"
    )
    client.force_login(clerk)
    page = client.get(f"/c/{city_a.slug}/cameras/{camera.public_id}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="camera-health"' in html and ">Degraded<" in html and "stream h265 is not streaming" in html
    assert f"/api/v1/c/{city_a.slug}/cameras/{camera.public_id}/devices/openalpr/" in html
    assert "Issue a webhook URL" in html


def test_issuing_the_webhook_url_shows_it_once(client, city_a, camera, clerk):
    client.force_login(clerk)
    response = client.post(f"/c/{city_a.slug}/cameras/{camera.public_id}/webhook/issue/")
    assert response.status_code == 200
    html = response.content.decode()
    (first, *_rest) = [u for _label, u in response.context["urls"]]
    token = first.rstrip("/").rsplit("/", 1)[1]
    assert token in html and f"/devices/platerecognizer-snapshot/{token}/" in html
    page = client.get(f"/c/{city_a.slug}/cameras/{camera.public_id}/").content.decode()
    assert token not in page and "Replace the webhook URL" in page
    edge = CameraEdge.all_cities.get(camera=camera)
    assert edge.webhook_token_matches(token) and token not in edge.webhook_token_hash
    event = AuditEvent.objects.get(event_type="camera.webhook_token_issued")
    assert event.actor == clerk and token not in json.dumps(event.details)
    # The URL works for a device that cannot set a header.
    api = client.post(first, data=json.dumps(alpr_heartbeat(timezone.now())), content_type="application/json")
    assert api.status_code == 200
    stream = [u for label, u in response.context["urls"] if "Stream" in label][0]
    assert (
        client.post(
            stream, data=json.dumps(pr_stream(timezone.now())), content_type="application/json"
        ).status_code
        == 200
    )
    assert Read.all_cities.count() == 1


def test_officers_and_other_cities_cannot_issue_or_change(client, city_a, city_b, camera, officer_a):
    client.force_login(officer_a)
    assert client.post(f"/c/{city_a.slug}/cameras/{camera.public_id}/webhook/issue/").status_code == 403
    assert (
        client.post(
            f"/c/{city_a.slug}/cameras/{camera.public_id}/health/", {"expected_gap_minutes": 5}
        ).status_code
        == 403
    )
    client.force_login(city_user(city_b, Role.CLERK))
    assert client.post(f"/c/{city_a.slug}/cameras/{camera.public_id}/webhook/issue/").status_code == 404
    assert client.post(f"/c/{city_b.slug}/cameras/{camera.public_id}/webhook/revoke/").status_code == 404
    assert not CameraEdge.all_cities.filter(camera=camera).exclude(webhook_token_hash="").exists()
    assert not AuditEvent.objects.filter(event_type__startswith="camera.webhook").exists()


def test_another_clerk_gets_a_fresh_token(city_a, camera, clerk):
    first = camera_webhook_token_issue(camera=camera, by=clerk)
    second = camera_webhook_token_issue(camera=camera, by=clerk)
    edge = CameraEdge.all_cities.get(camera=camera)
    assert first != second and edge.webhook_token_matches(second) and not edge.webhook_token_matches(first)
