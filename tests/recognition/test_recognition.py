"""Tests for cameras.recognition: the real pipeline (no mocks) on generated images."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

os.environ.setdefault("YOLO_OFFLINE", "1")

from cameras.recognition import (  # noqa: E402
    ImageDecodeError,
    PlateReading,
    PlateRecognizer,
    RecognizerConfig,
    classify_colour,
    decode_image,
    get_recognizer,
    normalize_plate,
)

from .synth import car_scene  # noqa: E402


@pytest.fixture(scope="module")
def recognizer() -> PlateRecognizer:
    return get_recognizer(RecognizerConfig())


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("abc 1234", "ABC1234"),
        (" 7-XYZ·482 ", "7XYZ482"),
        ("ab.c_12!", "ABC12"),
        ("", ""),
        (None, ""),
        ("ÄBC12", "BC12"),
        ("o0O", "O0O"),
    ],
)
def test_normalize_plate(raw, expected):
    assert normalize_plate(raw) == expected


@pytest.mark.parametrize(
    "text, body, colour",
    [
        ("ABC1234", (40, 40, 180), "red"),
        ("7XYZ482", (180, 60, 20), "blue"),
        ("KDR5831", (230, 230, 230), "white"),
    ],
)
def test_reads_generated_plate(recognizer, text, body, colour):
    img, (x, y, w, h) = car_scene(text, body, plate_width=200)
    readings = recognizer.recognize(img)
    assert len(readings) == 1
    r = readings[0]
    assert isinstance(r, PlateReading)
    assert r.plate == text
    # the default reads with the plate model (RapidOCR voting below fallback_below): its
    # confidence is a whole-string probability, lower than RapidOCR's mean character probability
    assert r.recognizer in ("plate", "rapidocr") and 0.0 < r.confidence <= 1.0
    assert r.status == recognizer.status_for(r.confidence, r.recognizer) != "unread"
    assert 0.0 < r.detector_confidence <= 1.0
    bx, by, bw, bh = r.box
    assert all(isinstance(v, int) for v in r.box)
    assert abs(bx - x) < 0.2 * w and abs(by - y) < 0.2 * h
    assert abs(bw - w) < 0.3 * w and abs(bh - h) < 0.3 * h
    assert r.crop_jpeg[:2] == b"\xff\xd8"
    crop = decode_image(r.crop_jpeg)
    assert crop.shape[1] > crop.shape[0]
    assert r.vehicle_colour == colour


def test_rapidocr_voting_alone_still_reads_a_generated_plate():
    rec = get_recognizer(RecognizerConfig(recognizer="rapidocr"))
    img, _ = car_scene("ABC1234", (40, 40, 180), plate_width=200)
    (r,) = rec.recognize(img)
    assert (r.plate, r.recognizer) == ("ABC1234", "rapidocr") and 0.5 <= r.confidence <= 1.0


def test_batch_matches_single(recognizer):
    a, _ = car_scene("ABC1234", (40, 40, 180), plate_width=200)
    b, _ = car_scene(None)
    out = recognizer.recognize_batch([a, b])
    assert [[r.plate for r in rs] for rs in out] == [["ABC1234"], []]


def _cand(text, probs=None, source="mask:strip0.20"):
    from cameras.recognition.ocr import OcrChar
    from cameras.recognition.plate import Candidate

    probs = probs or [0.99] * len(text)
    chars = [OcrChar(c, p, False, i) for i, (c, p) in enumerate(zip(text, probs, strict=False))]
    return Candidate(text, text, sum(probs) / len(probs), 1.0, source, chars)


def test_choose_aligned_drops_uncertain_extra_glyph():
    from cameras.recognition.plate import alignment_score, choose_aligned

    # an emblem read as a low-confidence "0" in most crops; two crops skip it
    extra = [_cand("FB80R4T", [0.99, 0.98, 0.99, 0.6, 0.99, 0.99, 0.97]) for _ in range(3)]
    clean = [_cand("FB8R4T") for _ in range(2)]
    assert choose_aligned(extra + clean).plate == "FB8R4T"
    # a confident character is kept even when a minority of crops misses it
    full = [_cand("XNR374") for _ in range(4)]
    short = [_cand("NR374")]
    assert choose_aligned(full + short).plate == "XNR374"
    assert alignment_score("ABC123", _cand("ABC123").chars) > alignment_score("ABC123", _cand("ABC128").chars)
    assert choose_aligned([]) is None
    assert choose_aligned([_cand("ABC1234", source="box:band")]).plate == "ABC1234"


def test_choose_aligned_leading_character_read_by_half_the_crops():
    from cameras.recognition.plate import choose_aligned

    # a small first character at the plate edge: half the crops read it with middling
    # confidence, half lose it; an extra first/last character costs more than an inner one
    full = [_cand("XNR374", [0.85, 0.99, 0.99, 0.99, 0.99, 0.99]) for _ in range(4)]
    short = [_cand("NR374") for _ in range(2)]
    assert choose_aligned(full + short).plate == "XNR374"


def test_chars_only_crop_paints_out_emblem():
    from cameras.recognition.plate import char_components, chars_only_crop

    plate = np.full((96, 330, 3), 235, np.uint8)
    cv2.putText(plate, "HK4", (20, 72), cv2.FONT_HERSHEY_SIMPLEX, 2.0, (20, 20, 20), 5, cv2.LINE_AA)
    cv2.putText(plate, "729", (200, 72), cv2.FONT_HERSHEY_SIMPLEX, 2.0, (20, 20, 20), 5, cv2.LINE_AA)
    cv2.circle(plate, (165, 50), 11, (0, 90, 200), -1)  # an emblem between the groups
    comps, labels = char_components(plate)
    assert len(comps) == 6
    assert all(not (140 <= x <= 180) for _, x, _, _, _ in comps)
    crop = chars_only_crop(plate)
    assert crop is not None and crop.shape[0] < plate.shape[0]
    # the emblem is painted out: the columns between the groups are plain white
    gray = crop[:, :, 0]
    assert gray.min() < 50 and (gray.min(axis=0) > 200).sum() > 20
    assert chars_only_crop(np.full((96, 200, 3), 200, np.uint8)) is None


def test_no_plate_returns_empty(recognizer):
    img, _ = car_scene(None)
    assert recognizer.recognize(img) == []
    assert recognizer.recognize(np.full((480, 640, 3), 128, np.uint8)) == []


@pytest.mark.parametrize(
    "bgr, name",
    [
        ((255, 255, 255), "white"),
        ((10, 10, 10), "black"),
        ((100, 100, 100), "grey"),
        ((170, 170, 170), "silver"),
        ((30, 30, 200), "red"),
        ((200, 60, 20), "blue"),
        ((40, 160, 40), "green"),
        ((20, 220, 230), "yellow"),
        ((0, 120, 255), "orange"),
        ((40, 70, 110), "brown"),
    ],
)
def test_colour_classification(bgr, name):
    patch = np.zeros((40, 60, 3), np.uint8)
    patch[:] = bgr
    assert classify_colour(patch) == name


def test_colour_mixed_patch_is_unknown():
    patch = np.zeros((40, 60, 3), np.uint8)
    cols = [(255, 255, 255), (10, 10, 10), (30, 30, 200), (200, 60, 20), (40, 160, 40), (20, 220, 230)]
    for i, c in enumerate(cols):
        patch[:, i * 10 : (i + 1) * 10] = c
    assert classify_colour(patch) == "unknown"


def test_decode_image_roundtrip_and_garbage():
    img = np.zeros((20, 30, 3), np.uint8)
    img[:, :15] = (0, 0, 255)
    ok, buf = cv2.imencode(".png", img)
    assert ok
    out = decode_image(buf.tobytes())
    assert out.shape == (20, 30, 3)
    with pytest.raises(ImageDecodeError):
        decode_image(b"definitely not an image")
    with pytest.raises(ImageDecodeError):
        decode_image(b"")
    with pytest.raises(ImageDecodeError):
        decode_image("a string")  # type: ignore[arg-type]
    assert issubclass(ImageDecodeError, ValueError)


def test_config_paths_configurable(tmp_path):
    from cameras.recognition.detector import default_detector_path
    from cameras.recognition.ocr import default_rec_model_path

    assert default_detector_path().is_file()
    assert default_rec_model_path().is_file()
    rec = PlateRecognizer(RecognizerConfig(detector_path=str(default_detector_path())))
    assert rec.detector.model_path == default_detector_path()
    assert rec.detector._model is None  # lazy
    missing = PlateRecognizer(RecognizerConfig(detector_path=tmp_path / "nope.onnx"))
    with pytest.raises(FileNotFoundError, match="nope.onnx"):
        missing.recognize(np.zeros((64, 64, 3), np.uint8))


def test_no_django_imports():
    import cameras.recognition  # noqa: F401

    pkg = Path(cameras.recognition.__file__).parent
    pattern = re.compile(r"^\s*(from|import)\s+django", re.M)
    for f in pkg.glob("*.py"):
        assert not pattern.search(f.read_text()), f


# ---- opt-in accuracy test on the shared ALPR benchmark ------------------------------


def _bench_dir() -> Path:
    env = os.environ.get("ALPR_BENCH_DIR")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2].parent / "shared" / "alpr-bench"


# every other us-dev image, IoU-matched reading, default (plate, RapidOCR fallback below 0.8):
# measured 83.9% (47/56) with the 4,000-step weights (87.5% with the 2,500-step ones; RapidOCR
# voting alone 83.9%); full set 82.0%, see docs/benchmarks.md
US_DEV_FLOOR = 0.80


@pytest.mark.skipif(not (_bench_dir() / "us-dev").is_dir(), reason="ALPR benchmark images not available")
def test_us_dev_accuracy_floor():
    root = Path(__file__).resolve().parents[2]
    sys.path.insert(0, str(root / "bench"))
    try:
        import alpr_accuracy as bench
    finally:
        sys.path.pop(0)
    items = bench.load_labels(_bench_dir() / "us-dev")[::2]  # half the set keeps the module under ~2 min
    assert len(items) >= 25
    rec = get_recognizer(RecognizerConfig())
    ok = 0
    for path, box, gt in items:
        readings = rec.recognize(cv2.imread(str(path)))
        # only the reading whose box best overlaps the labelled plate counts (as in the benchmark)
        best = max(readings, key=lambda r: bench.iou(r.box, box), default=None)
        ok += bool(
            best is not None
            and bench.iou(best.box, box) >= bench.IOU_THRESHOLD
            and bench.o_to_0(best.plate) == bench.o_to_0(gt)
        )
    rate = ok / len(items)
    assert rate >= US_DEV_FLOOR, f"us-dev exact read rate {rate:.1%} < {US_DEV_FLOOR:.0%}"
