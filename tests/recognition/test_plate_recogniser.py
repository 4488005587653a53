"""The project's plate recogniser: synthetic data, training (tiny configuration), the shipped
weights, and how confidence turns into a read status."""

from __future__ import annotations

import json
import os
import random

import cv2
import numpy as np
import pytest

os.environ.setdefault("YOLO_OFFLINE", "1")

from cameras.recognition import PlateRecognizer, RecognizerConfig  # noqa: E402
from cameras.recognition.platereader import (  # noqa: E402
    ALPHABET,
    BLANK,
    MAX_LEN,
    SEQ_LEN,
    PlateReader,
    decode,
    default_model_path,
    encode,
    read_views,
    string_probability,
    views_string_probability,
)
from cameras.recognition.training.synth import augment, render_plate, synth_sample  # noqa: E402

from .synth import car_scene  # noqa: E402


def test_synthetic_plates_follow_the_seed():
    a = [synth_sample(random.Random(5)) for _ in range(2)]
    b = synth_sample(random.Random(6))
    assert a[0][1] == a[1][1] and np.array_equal(a[0][0], a[1][0])
    assert a[0][1] != b[1] or not np.array_equal(a[0][0], b[0])
    rng = random.Random(1)
    texts = [render_plate(rng)[1] for _ in range(200)]
    assert all(t.isalnum() and t.upper() == t and 5 <= len(t) <= MAX_LEN for t in texts)
    assert len(set(texts)) > 190  # not a handful of example strings
    img, _ = render_plate(random.Random(2), text="7XYZ482", eu=False)
    out = augment(random.Random(3), img)
    assert out.dtype == np.uint8 and out.ndim == 3 and out.shape[2] == 3


def _frames(path: str) -> np.ndarray:
    """CTC frame probabilities spelling ``path`` (one frame per character, "_" the blank)."""
    probs = np.full((SEQ_LEN, len(ALPHABET)), 0.001, np.float32)
    path = path + "_" * (SEQ_LEN - len(path))
    for t, c in enumerate(path):
        probs[t, ALPHABET.index(c)] = 0.9
    return probs / probs.sum(axis=1, keepdims=True)


def test_ctc_decoding_collapses_repeats_and_scores_any_string():
    probs = _frames("__AAB_11_22__")
    r = decode(probs)
    assert r.plate == "AB12" and len(r.char_probs) == 4  # repeats collapse ...
    assert decode(_frames("_A_A_B")).plate == "AAB"  # ... unless a blank separates them
    best_path = float(np.prod(probs.max(axis=1)))
    assert r.confidence == pytest.approx(best_path)
    # the CTC forward probability sums every alignment: at least the best path, and far
    # more than a string the frames do not spell
    assert string_probability(probs, "AB12") >= r.confidence * 0.999
    assert string_probability(probs, "AB13") < r.confidence / 100
    assert string_probability(probs, "ab12") == 0.0 and string_probability(probs, "A" * (MAX_LEN + 1)) == 0.0
    assert encode("AB1") == [ALPHABET.index("A"), ALPHABET.index("B"), 1] and ALPHABET[BLANK] == "_"


def test_views_of_one_plate_are_read_by_string_not_by_averaged_frames():
    # two crops of the same plate, the second cut a little wider: each character lands two
    # frames later. Both spell HL0KTY1; averaging their frames halves every peak, and the
    # blank then wins on most of them
    tight = _frames("_H_L_0_K_T_Y_1_")
    wide = _frames("___H_L_0_K_T_Y_1_")
    avg = (tight + wide) / 2
    assert decode(tight).plate == decode(wide).plate == "HL0KTY1"
    assert decode(avg).plate != "HL0KTY1"  # the bug read_views replaces
    both = np.stack([tight, wide])
    r = read_views(both)
    assert r.plate == "HL0KTY1"
    assert r.confidence == pytest.approx(views_string_probability(both, "HL0KTY1"))
    assert r.confidence == pytest.approx(
        np.sqrt(string_probability(tight, "HL0KTY1") * string_probability(wide, "HL0KTY1")), rel=1e-4
    )
    # where the views disagree, the string more probable over both wins, with both its
    # probability and a single view's read the same way
    other = _frames("_H_L_0_K_T_V_1_")
    r2 = read_views(np.stack([tight, other, wide]))
    assert r2.plate == "HL0KTY1" and r2.confidence < r.confidence
    assert read_views(tight).plate == "HL0KTY1"
    assert read_views(np.stack([_frames("_" * SEQ_LEN)])).plate == ""
    # the recogniser's choice reads views the same way
    assert PlateRecognizer.choose(both, None)[::3] == ("HL0KTY1", "plate")


def test_a_more_probable_voting_candidate_replaces_an_unsure_plate_read():
    from cameras.recognition.plate import Candidate

    sure = _frames("__AB12C__")
    assert PlateRecognizer.choose(sure, None)[::3] == ("AB12C", "plate")
    assert PlateRecognizer.choose(sure, Candidate("AB12G", "AB12G", 0.6, 0.0, "crop"))[::3] == (
        "AB12C",
        "plate",
    )
    unsure = sure.copy()
    g = ALPHABET.index("G")
    unsure[6] = 0.0
    unsure[6, ALPHABET.index("C")], unsure[6, g] = 0.4, 0.6  # the last character: C or G?
    plate, raw, conf, source = PlateRecognizer.choose(unsure, Candidate("AB12C", "AB-12C", 0.99, 0.0, "crop"))
    assert (plate, raw, source) == ("AB12C", "AB-12C", "rapidocr") and conf > decode(unsure).confidence
    # a candidate the plate model finds less likely than its own reading does not win
    assert PlateRecognizer.choose(unsure, Candidate("XY99", "XY99", 0.3, 0.0, "crop"))[0] == "AB12G"


def _real_folder(tmp_path):
    real = tmp_path / "real"
    real.mkdir()
    rng = random.Random(9)
    rows = []
    for i in range(6):
        img, text = render_plate(rng)
        cv2.imwrite(str(real / f"p{i}.png"), img)
        rows.append(f"p{i}.png,wa,{text}")
    rows.append("missing.png,wa,ABC123")  # a listed file that is not there is skipped
    (real / "labels.csv").write_text("\n".join(rows) + "\n")
    return real


def test_tiny_training_produces_a_model_that_loads_and_reads(tmp_path):
    from cameras.recognition.training.train import CONFIGS, train

    real = _real_folder(tmp_path)
    card = train(CONFIGS["tiny"], seed=3, real_dir=real, out_dir=tmp_path / "a", log=lambda *_: None)
    again = train(CONFIGS["tiny"], seed=3, real_dir=real, out_dir=tmp_path / "b", log=lambda *_: None)
    onnx = tmp_path / "a" / "plate_rec.onnx"
    assert onnx.is_file() and card["onnx_bytes"] == onnx.stat().st_size
    written = json.loads((tmp_path / "a" / "plate_rec.json").read_text())
    assert written["seed"] == 3 and written["real_val"] == 1 and written["real_train"] == 5
    assert written["history"] and written["history"][-1]["step"] == 11
    assert written["onnx_max_abs_diff"] < 1e-4

    images = [render_plate(random.Random(s))[0] for s in range(3)]
    reads = PlateReader(onnx, threads=1).read(images)
    assert len(reads) == 3
    for r in reads:
        assert set(r.plate) <= set(ALPHABET[:-1]) and len(r.plate) <= MAX_LEN
        assert 0.0 <= r.confidence <= 1.0
    # the same seed trains the same weights
    other = PlateReader(tmp_path / "b" / "plate_rec.onnx", threads=1)
    assert np.allclose(PlateReader(onnx, threads=1).probs(images), other.probs(images), atol=1e-5)
    assert again["real_val_exact"] == card["real_val_exact"]

    # the exported graph reproduces the PyTorch model (checkpoint) through the runtime's own
    # preprocessing, on a batch of several crops of different sizes
    import torch

    from cameras.recognition.platereader import preprocess
    from cameras.recognition.training.model import CRNN

    cfg = CONFIGS["tiny"]
    net = CRNN(width=cfg.width, hidden=cfg.hidden)
    net.load_state_dict(torch.load(tmp_path / "a" / "plate_rec.ckpt.pt")["model"])
    net.eval()
    with torch.no_grad():
        ref = torch.softmax(net(torch.from_numpy(np.stack([preprocess(im) for im in images]))), -1).numpy()
    got = PlateReader(onnx, threads=1).probs(images)
    assert got.shape == (3, SEQ_LEN, len(ALPHABET))
    assert np.abs(ref - got).max() < 1e-4

    # and the pipeline runs on it (a city pointing settings at its own weights)
    scene, _ = car_scene("ABC1234", (40, 40, 180), plate_width=200)
    readings = PlateRecognizer(RecognizerConfig(plate_model_path=onnx)).recognize(scene)
    assert all(
        r.recognizer in ("plate", "rapidocr") and r.status in ("read", "verify", "unread") for r in readings
    )


def test_missing_plate_weights_fail_clearly(tmp_path):
    with pytest.raises(FileNotFoundError, match="plate recogniser weights"):
        PlateReader(tmp_path / "nope.onnx").read([np.zeros((20, 40, 3), np.uint8)])
    with pytest.raises(ValueError, match="unknown recognizer"):
        PlateRecognizer(RecognizerConfig(recognizer="tesseract"))


def test_shipped_weights_and_card_match():
    onnx = default_model_path()
    card = json.loads(onnx.with_suffix(".json").read_text())
    assert card["onnx_bytes"] == onnx.stat().st_size < 8_000_000
    assert card["real_val"] > 50 and card["real_val_exact"] is not None
    assert card["final"] and card["onnx_max_abs_diff"] < 1e-4  # the export reproduces PyTorch


def test_shipped_model_reads_fresh_synthetic_plates():
    # A floor, not the goal: full-size renders at strength 0.3 without the training script's crop
    # jitter, from a seed no training run uses; the 2026-12-02 weights read 54/60 exact (at full
    # augmentation strength 50/60; the card's own synthetic check: 79.2%). Real crops are what
    # counts: 92.9% held out (card).
    rng = random.Random(2026)  # never a training seed
    samples = [synth_sample(rng, strength=0.3) for _ in range(60)]
    probs = PlateReader(default_model_path(), threads=1).probs([im for im, _ in samples])
    assert probs.shape == (60, SEQ_LEN, len(ALPHABET))
    assert np.allclose(probs.sum(-1), 1.0, atol=1e-4)
    reads = [decode(p).plate for p in probs]
    assert sum(r == t for r, (_, t) in zip(reads, samples, strict=True)) >= 45


def test_confidence_sets_the_read_status():
    rec = PlateRecognizer(RecognizerConfig(verify_below=0.6, unread_below=0.2))
    assert rec.status_for(0.95) == "read"
    assert rec.status_for(0.6) == "read"
    assert rec.status_for(0.59) == "verify"
    assert rec.status_for(0.2) == "verify"
    assert rec.status_for(0.19) == "unread"
    # a reading from the RapidOCR fallback is held to the fallback's own thresholds
    rec = PlateRecognizer(
        RecognizerConfig(verify_below=0.3, fallback_verify_below=0.85, fallback_unread_below=0.3)
    )
    assert rec.status_for(0.5, "plate") == "read"
    assert rec.status_for(0.5, "rapidocr") == "verify"
    assert rec.status_for(0.29, "rapidocr") == "unread"
    assert rec.status_for(0.9, "rapidocr") == "read"
    # RapidOCR alone: its reads use the main thresholds
    rec = PlateRecognizer(RecognizerConfig(recognizer="rapidocr", verify_below=0.95, unread_below=0.8))
    assert rec.status_for(0.9, "rapidocr") == "verify"
    assert rec.status_for(0.79, "rapidocr") == "unread"


def test_a_confident_voting_reading_wins_where_the_two_disagree():
    from cameras.recognition.plate import Candidate

    sure = _frames("__AB12C__") ** 4
    sure /= sure.sum(axis=1, keepdims=True)
    assert decode(sure).confidence > 0.99
    # the plate model is sure of AB12C; RapidOCR reads AB12G. It wins only when its own voting
    # confidence reaches the trust level (the default's fallback_trust), never below it
    cand = Candidate("AB12G", "AB12G", 0.97, 0.0, "crop")
    assert PlateRecognizer.choose(sure, cand)[0] == "AB12C"  # no trust level given
    plate, _, conf, source = PlateRecognizer.choose(sure, cand, RecognizerConfig().fallback_trust)
    assert (plate, source) == ("AB12G", "rapidocr") and conf == pytest.approx(0.97)
    assert PlateRecognizer.choose(sure, Candidate("AB12G", "AB12G", 0.9, 0.0, "crop"), 0.95)[0] == "AB12C"
