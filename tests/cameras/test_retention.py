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


def test_purge_works_in_bounded_batches_each_with_its_record(city_a):
    camera = CameraFactory(city=city_a)
    for days in (22, 23, 24, 25, 26):
        make_read(camera, days, plate=f"OLD{days}")
    make_read(camera, 30, plate="HELD1", evidence_case_number="26-0042")
    kept = make_read(camera, 3)
    summary = retention_purge(city=city_a, batch_size=2)
    records = list(RetentionPurge.all_cities.filter(city=city_a).order_by("pk"))
    assert [record.reads_deleted for record in records] == [2, 2, 1]
    assert {record.run_id for record in records} == {summary.run_id}
    assert all(record.method == "batch" and record.reads_held == 1 for record in records)
    # Oldest first: each batch's range is older than the next one's.
    assert records[0].newest_deleted <= records[1].oldest_deleted
    assert summary.reads_deleted == 5 and summary.reads_held == 1
    assert set(Read.all_cities.values_list("plate", flat=True)) == {"HELD1", kept.plate}
    events = AuditEvent.objects.filter(event_type="retention.purged", city=city_a)
    assert sorted(event.details["reads_deleted"] for event in events) == [1, 2, 2]


def test_purge_deletes_the_hits_of_expired_reads_and_keeps_those_of_held_reads(city_a):
    from cameras.models import Hit, HotlistSource
    from cameras.services import hotlist_create, hotlist_entry_add, reads_match
    from portal.roles import Role
    from tests.factories import city_user

    clerk = city_user(city_a, Role.CLERK)
    hotlist = hotlist_create(city=city_a, by=clerk, name="Stolen", source=HotlistSource.MANUAL, priority=2)
    hotlist_entry_add(hotlist=hotlist, by=clerk, plate="ABC1234", state="WA", reason="stolen 26-7")
    camera = CameraFactory(city=city_a)
    expired = make_read(camera, 25, plate="ABC1234")
    held = make_read(camera, 25, plate="ABC1234", evidence_case_number="26-0099")
    recent = make_read(camera, 1, plate="ABC1234")
    reads_match(city=city_a, read_ids=[expired.pk, held.pk, recent.pk])
    assert Hit.all_cities.count() == 3
    retention_purge(city=city_a)
    assert set(Hit.all_cities.values_list("read_id", flat=True)) == {held.pk, recent.pk}
    assert not Read.all_cities.filter(pk=expired.pk).exists()
    event = AuditEvent.objects.get(event_type="retention.purged", city=city_a)
    assert event.details["hits_deleted"] == 1


def test_purge_deletes_expired_crop_files_after_commit(
    city_a, private_storage_dir, django_capture_on_commit_callbacks
):
    from django.core.files.base import ContentFile

    from cameras.models import private_storage

    camera = CameraFactory(city=city_a)
    doomed, held = make_read(camera, 25), make_read(camera, 25, plate="HELD1", evidence_case_number="26-1")
    names = {}
    for read in (doomed, held):
        names[read.pk] = private_storage().save(f"crops/{read.plate}.png", ContentFile(b"png"))
        Read.all_cities.filter(pk=read.pk).update(crop=names[read.pk])
    with django_capture_on_commit_callbacks(execute=True):
        retention_purge(city=city_a)
    assert private_storage().exists(names[held.pk])
    assert not private_storage().exists(names[doomed.pk])
