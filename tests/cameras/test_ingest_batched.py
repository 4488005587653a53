"""The batched device-read ingest path: one statement per batch, matching split around the commit,
and the plain-batch validator that stands in for the serializer."""

from __future__ import annotations

import base64
import datetime as dt

import pytest
from django.utils import timezone

from cameras.apis import ReadBatchSerializer, plain_read_batch
from cameras.models import Hit, HotlistSource, MatchKind, Read
from cameras.services import hotlist_create, hotlist_entry_add, reads_match_pending
from portal.roles import Role
from tests.cameras.conftest import stored_files
from tests.factories import city_user

pytestmark = pytest.mark.django_db


def reads_url(city, camera) -> str:
    return f"/api/v1/c/{city.slug}/cameras/{camera.public_id}/reads/"


def device_read(plate: str, *, seconds_ago: int = 60, **extra) -> dict:
    moment = timezone.now().replace(microsecond=0) - dt.timedelta(seconds=seconds_ago)
    return {"plate": plate, "confidence": 0.9, "captured_at": moment.isoformat(), **extra}


def post(client, city, camera, key, reads: list[dict]):
    return client.post(
        reads_url(city, camera),
        {"reads": reads},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Camera {key}",
    )


@pytest.fixture
def listed(city_a):
    clerk = city_user(city_a, Role.CLERK)
    hotlist = hotlist_create(
        city=city_a, by=clerk, name="Stolen", source=HotlistSource.STATE_NCIC, priority=3
    )
    hotlist_entry_add(hotlist=hotlist, by=clerk, plate="ABC1234", state="WA", reason="stolen Civic")
    return hotlist


def test_a_batch_is_matched_and_only_listed_reads_wait_for_the_commit(
    client, city_a, camera_with_key, listed, private_storage_dir, django_capture_on_commit_callbacks
):
    camera, key = camera_with_key
    batch = [device_read(f"QQQ{n:04d}", seconds_ago=n + 1) for n in range(60)]
    batch[10] = device_read("ABC1234", seconds_ago=200)  # listed
    batch[20] = device_read("A8C1234", seconds_ago=300)  # a near match under OCR confusion (B/8)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = post(client, city_a, camera, key, batch)
        assert response.status_code == 201, response.content
        stored = Read.all_cities.filter(camera=camera)
        assert stored.count() == 60
        # Before the commit's callbacks: the 58 unlisted reads are stored matched, the two listed wait.
        assert set(stored.filter(matched_at__isnull=True).values_list("plate", flat=True)) == {
            "ABC1234",
            "A8C1234",
        }
    assert Hit.all_cities.count() == 0
    for callback in callbacks:
        callback()
    hits = {hit.read.plate: hit.match_kind for hit in Hit.all_cities.select_related("read")}
    assert hits == {"ABC1234": MatchKind.EXACT, "A8C1234": MatchKind.POSSIBLE}
    assert not Read.all_cities.filter(matched_at__isnull=True).exists()
    assert reads_match_pending(older_than=dt.timedelta(0)) == 0


def test_listed_reads_whose_matching_never_ran_are_left_to_the_sweeper(
    client, city_a, camera_with_key, listed, private_storage_dir, django_capture_on_commit_callbacks
):
    camera, key = camera_with_key
    with django_capture_on_commit_callbacks(execute=False):  # the matching after commit is lost
        post(client, city_a, camera, key, [device_read("ABC1234"), device_read("ZZZ9999", seconds_ago=5)])
    assert Hit.all_cities.count() == 0
    assert reads_match_pending(older_than=dt.timedelta(0)) == 1  # only the listed read was pending
    assert Hit.all_cities.get().read.plate == "ABC1234"


def test_a_batch_partly_stored_before_stores_the_rest_and_leaves_no_duplicate_crop(
    client, city_a, camera_with_key, tiny_png, private_storage_dir
):
    camera, key = camera_with_key
    crop = base64.b64encode(tiny_png).decode()
    first = [device_read("AAA111", crop=crop), device_read("BBB222", seconds_ago=90)]
    assert post(client, city_a, camera, key, first).json() == {"created": 2, "duplicates": 0}
    assert len(stored_files(private_storage_dir)) == 1
    again = [*first, device_read("CCC333", seconds_ago=120), device_read("CCC333", seconds_ago=120)]
    assert post(client, city_a, camera, key, again).json() == {"created": 1, "duplicates": 3}
    assert sorted(Read.all_cities.values_list("plate", flat=True)) == ["AAA111", "BBB222", "CCC333"]
    assert len(stored_files(private_storage_dir)) == 1  # the resent crop was not kept twice
    assert Read.all_cities.get(plate="AAA111").crop


@pytest.mark.parametrize(
    "item",
    [
        {"plate": " ab-c 123 ", "confidence": 1, "captured_at": "2026-11-30T10:00:00-08:00"},
        {
            "plate": "XYZ9",
            "confidence": 0.0,
            "captured_at": "2026-11-30T18:00:00.123456Z",
            "vehicle_colour": " Blue ",
        },
        {"plate": "k1", "confidence": 0.5, "captured_at": "2026-11-30T18:00:00+00:00", "vehicle_colour": ""},
    ],
)
def test_the_plain_validator_gives_what_the_serializer_gives(item):
    plain = plain_read_batch({"reads": [item]})
    serializer = ReadBatchSerializer(data={"reads": [item]})
    assert serializer.is_valid(), serializer.errors
    [expected] = serializer.validated_data["reads"]
    [read] = plain
    assert (read.plate, read.confidence, read.captured_at, read.vehicle_colour) == (
        expected["plate"],
        expected["confidence"],
        expected["captured_at"],
        expected.get("vehicle_colour", "").lower(),
    )
    assert read.captured_at.utcoffset() == expected["captured_at"].utcoffset()


@pytest.mark.parametrize(
    "item",
    [
        {
            "plate": "ABC123",
            "confidence": "0.9",
            "captured_at": "2026-11-30T18:00:00Z",
        },  # a string: DRF's call
        {"plate": "ABC123", "confidence": True, "captured_at": "2026-11-30T18:00:00Z"},
        {"plate": "ABC123", "confidence": 0.9, "captured_at": "2026-11-30T18:00:00Z", "crop": "AAAA"},
        {"plate": "ABC123", "confidence": 0.9, "captured_at": "2026-11-30T18:00:00Z", "extra": 1},
        {"plate": "AB\x00C", "confidence": 0.9, "captured_at": "2026-11-30T18:00:00Z"},
        {"plate": "!!", "confidence": 0.9, "captured_at": "2026-11-30T18:00:00Z"},
        {"plate": "ABC123", "confidence": 1.5, "captured_at": "2026-11-30T18:00:00Z"},
        {"plate": "ABC123", "confidence": float("nan"), "captured_at": "2026-11-30T18:00:00Z"},
        {"plate": "ABC123", "confidence": 0.9, "captured_at": "yesterday"},
        {"plate": "ABC123", "confidence": 0.9, "captured_at": "9999-12-31T23:59:59Z"},
        {"plate": 123456, "confidence": 0.9, "captured_at": "2026-11-30T18:00:00Z"},
    ],
)
def test_anything_not_plain_and_valid_is_left_to_the_serializer(item):
    assert plain_read_batch({"reads": [item]}) is None


def test_a_string_confidence_is_still_accepted_through_the_serializer(
    client, city_a, camera_with_key, private_storage_dir
):
    camera, key = camera_with_key
    response = post(client, city_a, camera, key, [{**device_read("ABC123"), "confidence": "0.75"}])
    assert response.status_code == 201, response.content
    assert Read.all_cities.get().confidence == 0.75


def test_each_month_carries_one_trigram_index_the_city_day_one():
    """A stored read pays for every index of its month: the plate-only trigram index (which the
    city-scoped searches no longer chose) is gone, the (city, day, trigram) one stays."""
    from django.db import connection

    from cameras import partitions

    partitions.ensure_read_partitions(months_behind=0)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename, indexdef FROM pg_indexes WHERE tablename LIKE 'cameras_read%%' "
            "AND indexdef LIKE '%%gin_trgm_ops%%'"
        )
        rows = cursor.fetchall()
    months = {table for table, _ in rows if table != "cameras_read"}
    assert months and all("city_id" in definition for _, definition in rows)
    assert len(rows) == len(months) + 1  # one per month, and the parent's
