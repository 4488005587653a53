import datetime as dt

import pytest
from django.utils import timezone

from audits.models import AuditEvent
from cameras.models import Hit, HitStatus, HotlistSource, Read
from cameras.services import (
    HitAlreadyDisposed,
    hit_disposition,
    hotlist_archive,
    hotlist_create,
    hotlist_entry_add,
    reads_match,
    reads_match_pending,
)
from portal.roles import Role
from tests.factories import CameraFactory, city_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def listed(city_a):
    clerk = city_user(city_a, Role.CLERK)
    hotlist = hotlist_create(
        city=city_a, by=clerk, name="Stolen", source=HotlistSource.STATE_NCIC, priority=3
    )
    hotlist_entry_add(hotlist=hotlist, by=clerk, plate="ABC1234", state="WA", reason="stolen Civic")
    hotlist_entry_add(hotlist=hotlist, by=clerk, plate="B0S5Z1", state="WA", reason="armed robbery suspect")
    return hotlist


def read(city, plate, **extra):
    camera = extra.pop("camera", None) or CameraFactory(city=city)
    return Read.all_cities.create(
        city=city,
        camera=camera,
        source="device",
        plate=plate,
        confidence=0.9,
        captured_at=timezone.now(),
        **extra,
    )


def test_exact_and_possible_matches(city_a, listed):
    exact, near, none = read(city_a, "ABC1234"), read(city_a, "8OS521"), read(city_a, "ZZZ999")
    hits = reads_match(city=city_a, read_ids=[exact.pk, near.pk, none.pk])
    assert {(h.read_id, h.match_kind, h.listed_plate) for h in hits} == {
        (exact.pk, "exact", "ABC1234"),
        (near.pk, "possible", "B0S5Z1"),
    }
    assert all(h.status == HitStatus.NEW for h in hits)
    assert Read.all_cities.filter(matched_at__isnull=False).count() == 3
    assert AuditEvent.objects.filter(event_type="hit.created").count() == 2


def test_matching_twice_makes_no_second_hit(city_a, listed):
    r = read(city_a, "ABC1234")
    reads_match(city=city_a, read_ids=[r.pk])
    assert reads_match(city=city_a, read_ids=[r.pk]) == []
    assert Hit.all_cities.count() == 1


def test_another_citys_hotlist_never_matches(city_a, city_b, listed):
    r = read(city_b, "ABC1234")
    assert reads_match(city=city_b, read_ids=[r.pk]) == []


def test_expired_and_archived_lists_do_not_match(city_a, listed):
    clerk = city_user(city_a, Role.CHIEF)
    expired = hotlist_create(
        city=city_a,
        by=clerk,
        name="Old",
        source="manual",
        priority=1,
        expires_at=timezone.now() - dt.timedelta(days=1),
    )
    hotlist_entry_add(hotlist=expired, by=clerk, plate="OLD999", state="WA", reason="old case")
    hotlist_archive(hotlist=listed, by=clerk)
    assert reads_match(city=city_a, read_ids=[read(city_a, "ABC1234").pk, read(city_a, "OLD999").pk]) == []


def test_reads_that_missed_their_task_are_matched_by_the_sweeper(city_a, listed):
    r = read(city_a, "ABC1234")
    Read.all_cities.filter(pk=r.pk).update(created_at=timezone.now() - dt.timedelta(minutes=5))
    assert reads_match_pending() == 1
    assert Hit.all_cities.get().read_id == r.pk
    assert reads_match_pending() == 0


def test_device_reads_are_matched_on_commit(
    client, city_a, listed, camera_with_key, celery_eager, django_capture_on_commit_callbacks
):
    camera, key = camera_with_key
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/api/v1/c/{city_a.slug}/cameras/{camera.public_id}/reads/",
            {"reads": [{"plate": "ABC1234", "confidence": 0.95, "captured_at": timezone.now().isoformat()}]},
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Camera {key}",
        )
    assert response.status_code == 201
    assert Hit.all_cities.get().listed_plate == "ABC1234"


# --- disposition ---------------------------------------------------------------------------------------------


@pytest.fixture
def hit(city_a, listed):
    return reads_match(city=city_a, read_ids=[read(city_a, "ABC1234").pk])[0]


def test_a_dispatcher_confirms_a_hit_with_the_action_taken(city_a, hit):
    dispatcher = city_user(city_a, Role.DISPATCHER)
    hit = hit_disposition(
        hit=hit, by=dispatcher, disposition="correct_read", action_taken="unit 12 dispatched"
    )
    assert (hit.status, hit.disposed_by) == ("confirmed", dispatcher)
    event = AuditEvent.objects.get(event_type="hit.dispositioned")
    assert event.actor == dispatcher and event.details["status"] == "confirmed"


def test_confirming_needs_the_action_taken(city_a, hit):
    with pytest.raises(ValueError, match="action"):
        hit_disposition(hit=hit, by=city_user(city_a, Role.DISPATCHER), disposition="correct_read")
    assert Hit.all_cities.get().status == "new"


@pytest.mark.parametrize("disposition", ["wrong_state", "misread", "dismissed"])
def test_other_dispositions_reject_the_hit(city_a, hit, disposition):
    hit = hit_disposition(hit=hit, by=city_user(city_a, Role.CHIEF), disposition=disposition)
    assert hit.status == "rejected"


def test_a_hit_is_dispositioned_once(city_a, hit):
    hit_disposition(hit=hit, by=city_user(city_a, Role.DISPATCHER), disposition="misread")
    with pytest.raises(HitAlreadyDisposed):
        hit_disposition(
            hit=hit, by=city_user(city_a, Role.DISPATCHER), disposition="correct_read", action_taken="x"
        )


def test_sending_a_disposition_again_says_it_was_you_not_someone_else(city_a, hit):
    dispatcher = city_user(city_a, Role.DISPATCHER)
    hit_disposition(hit=hit, by=dispatcher, disposition="correct_read", action_taken="unit 7")
    with pytest.raises(HitAlreadyDisposed) as again:
        hit_disposition(hit=hit, by=dispatcher, disposition="correct_read", action_taken="unit 7")
    assert str(again.value).startswith("You already recorded this hit as correct read")
    assert "someone else" not in str(again.value).lower()
    other = city_user(city_a, Role.DISPATCHER)
    with pytest.raises(HitAlreadyDisposed) as late:
        hit_disposition(hit=hit, by=other, disposition="misread")
    assert str(late.value).startswith(f"{dispatcher.username} already recorded this hit as correct read")
    assert AuditEvent.objects.filter(event_type="hit.dispositioned").count() == 1


@pytest.mark.parametrize("role", [Role.OFFICER, Role.CLERK, Role.AUDITOR])
def test_only_dispatchers_and_the_chief_disposition(city_a, hit, role):
    with pytest.raises(PermissionError):
        hit_disposition(hit=hit, by=city_user(city_a, role), disposition="misread")
    assert Hit.all_cities.get().status == "new"


def test_a_dispatcher_of_another_city_cannot(city_a, city_b, hit):
    with pytest.raises(PermissionError):
        hit_disposition(hit=hit, by=city_user(city_b, Role.DISPATCHER), disposition="misread")
