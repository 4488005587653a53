import datetime as dt

import pytest
from django.utils import timezone

from audits.models import AuditEvent
from cameras.models import Read, RetentionPurge
from cameras.services import frame_ingest, retention_purge
from cameras.tasks import purge_expired_reads
from tests.cameras.conftest import stored_files
from tests.factories import CameraFactory

pytestmark = pytest.mark.django_db


def make_read(camera, days_ago, plate="AAA111", **extra):
    return Read.all_cities.create(
        city=camera.city,
        camera=camera,
        source="device",
        plate=plate,
        confidence=0.9,
        captured_at=timezone.now() - dt.timedelta(days=days_ago),
        **extra,
    )


def test_purge_deletes_only_what_is_past_retention_and_keeps_evidence(city_a, city_b):
    camera, other = CameraFactory(city=city_a), CameraFactory(city=city_b)
    keep = make_read(camera, 20)
    held = make_read(camera, 40, plate="HELD1", evidence_case_number="26-0042")
    gone = [make_read(camera, 22, plate="OLD1"), make_read(camera, 35, plate="OLD2")]
    other_city_old = make_read(other, 40)
    purge = retention_purge(city=city_a)
    remaining = set(Read.all_cities.values_list("pk", flat=True))
    assert remaining == {keep.pk, held.pk, other_city_old.pk}
    assert (purge.reads_deleted, purge.reads_held) == (2, 1)
    assert purge.oldest_deleted == gone[1].captured_at and purge.newest_deleted == gone[0].captured_at
    event = AuditEvent.objects.get(event_type="retention.purged", city=city_a)
    assert event.details["reads_deleted"] == 2 and "OLD1" not in str(event.details)


def test_purge_removes_expired_frames_and_their_files(
    city_a, camera_with_key, plate_jpeg, private_storage_dir, django_capture_on_commit_callbacks
):
    camera, _ = camera_with_key
    frame_ingest(camera=camera, data=plate_jpeg, captured_at=timezone.now() - dt.timedelta(days=20, hours=23))
    assert len(stored_files(private_storage_dir)) == 1
    with django_capture_on_commit_callbacks(execute=True):
        purge = retention_purge(city=city_a, now=timezone.now() + dt.timedelta(days=2))
    assert purge.frames_deleted == 1
    assert stored_files(private_storage_dir) == []


def test_an_empty_purge_still_leaves_a_record(city_a):
    purge = retention_purge(city=city_a)
    assert purge.reads_deleted == 0 and RetentionPurge.all_cities.filter(city=city_a).count() == 1


def test_the_daily_task_purges_each_city(city_a, city_b):
    make_read(CameraFactory(city=city_a), 30)
    assert purge_expired_reads() == {city_a.slug: 1, city_b.slug: 0}


def test_a_camera_or_city_with_reads_cannot_be_deleted_silently(city_a):
    from django.db.models import ProtectedError

    camera = CameraFactory(city=city_a)
    make_read(camera, 1)
    with pytest.raises(ProtectedError):
        camera.delete()
    with pytest.raises(ProtectedError):
        city_a.delete()
    assert Read.all_cities.filter(camera=camera).count() == 1
