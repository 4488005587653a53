"""The recognition use case on the real pipeline: reads stored once, failures marked, not retried forever."""

import datetime as dt

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from cameras.models import Frame, FrameStatus, Read
from cameras.services import frame_ingest, frame_recognize, private_storage
from tests.cameras.conftest import jpeg_of
from tests.factories import CityFactory
from tests.recognition.synth import car_scene

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued_frame(camera_with_key, plate_jpeg, private_storage_dir):
    camera, _ = camera_with_key
    frame, _ = frame_ingest(
        camera=camera, data=plate_jpeg, captured_at=timezone.now() - dt.timedelta(minutes=1)
    )
    return frame


def test_a_frame_is_recognised_into_a_read_with_its_crop(queued_frame):
    assert frame_recognize(frame_id=queued_frame.pk) == FrameStatus.DONE
    read = Read.all_cities.get(frame=queued_frame)
    assert read.plate == "ABC1234"
    assert read.captured_at == queued_frame.captured_at and read.city_id == queued_frame.city_id
    assert read.crop and private_storage().open(read.crop.name).read(3) == b"\xff\xd8\xff"
    assert read.box is not None and read.box[2] > 0
    assert Frame.all_cities.get(pk=queued_frame.pk).status == "done"


def test_running_twice_stores_nothing_new(queued_frame):
    frame_recognize(frame_id=queued_frame.pk)
    assert frame_recognize(frame_id=queued_frame.pk) == FrameStatus.DONE
    assert Read.all_cities.filter(frame=queued_frame).count() == 1


def test_a_rerun_after_a_killed_run_stores_the_reads_once(queued_frame):
    # A run killed after writing its crops but before committing leaves the frame queued: the
    # redelivered task must finish the job, with no duplicate read and no second crop file.
    frame_recognize(frame_id=queued_frame.pk)
    Read.all_cities.filter(frame=queued_frame).delete()
    Frame.all_cities.filter(pk=queued_frame.pk).update(status=FrameStatus.QUEUED)
    frame_recognize(frame_id=queued_frame.pk)
    assert Read.all_cities.filter(frame=queued_frame).count() == 1
    crops = [name for name in private_storage().listdir(f"crops/{queued_frame.city.public_id.hex}")[1]]
    assert len(crops) == 1


def test_a_frame_without_a_plate_is_done_with_no_reads(camera_with_key, private_storage_dir):
    camera, _ = camera_with_key
    image, _box = car_scene(None)
    frame, _ = frame_ingest(camera=camera, data=jpeg_of(image), captured_at=timezone.now())
    assert frame_recognize(frame_id=frame.pk) == FrameStatus.DONE
    assert not Read.all_cities.exists()


def test_an_undecodable_stored_frame_is_marked_failed_with_the_reason(queued_frame):
    storage = private_storage()
    storage.delete(queued_frame.image.name)
    storage.save(queued_frame.image.name, ContentFile(b"\xff\xd8\xff garbage"))
    assert frame_recognize(frame_id=queued_frame.pk) == FrameStatus.FAILED
    frame = Frame.all_cities.get(pk=queued_frame.pk)
    assert frame.status == "failed" and "decoded" in frame.failure_reason
    assert frame_recognize(frame_id=queued_frame.pk) == FrameStatus.FAILED  # not retried again


def test_a_missing_file_is_marked_failed(queued_frame):
    private_storage().delete(queued_frame.image.name)
    assert frame_recognize(frame_id=queued_frame.pk) == FrameStatus.FAILED
    assert "missing" in Frame.all_cities.get(pk=queued_frame.pk).failure_reason


def test_an_unknown_frame_id_is_ignored(db):
    assert frame_recognize(frame_id=987654321) is None


def test_the_plate_recogniser_is_the_default_and_a_city_can_choose_its_own(
    city_a, city_b, settings, tmp_path
):
    from cameras.services.ingest import recognizer_for

    weights = tmp_path / "alpha.onnx"
    settings.STEWARD_RECOGNITION_BY_CITY = {
        "alpha": {"recognizer": "rapidocr", "verify_below": 0.95, "unread_below": 0.8},
        "bravo": {"plate_model_path": str(weights)},
    }
    default = recognizer_for(CityFactory(slug="charlie", name="Charlie")).config
    assert (default.recognizer, default.fallback_below) == ("plate", 0.8)
    assert default.plate_model_path is None  # the shipped weights
    alpha = recognizer_for(city_a).config
    assert (alpha.recognizer, alpha.verify_below, alpha.unread_below) == ("rapidocr", 0.95, 0.8)
    bravo = recognizer_for(city_b)
    assert bravo.config.recognizer == "plate" and bravo.config.plate_model_path == str(weights)
    assert bravo.reader.model_path == weights
