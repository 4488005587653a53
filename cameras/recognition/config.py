"""Configuration for the plate recognition pipeline."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class RecognizerConfig:
    """Settings for :class:`PlateRecognizer`.

    Model paths default to the files shipped with the ``platedet`` package (YOLOv8
    segmentation, ONNX), the project's plate recogniser (``cameras/recognition/models/
    plate_rec.onnx``, see its card) and ``rapidocr-onnxruntime`` (PP-OCRv4 recognition, ONNX,
    the voting fallback).  A city may point them at its own weights.

    ``recognizer``: ``"plate"`` (the default: the project's CTC plate recogniser on two
    rectified views per plate, one batch per call, with RapidOCR voting as the fallback when its
    confidence is below ``fallback_below``; the more probable of the two strings wins) or
    ``"rapidocr"`` (RapidOCR on several crops per plate with aligned voting only, the previous
    default).  With ``fallback_below = 0.8`` it reads 189/219 dev plates exactly against
    RapidOCR's 187, RapidOCR running on about one plate in two (docs/benchmarks.md,
    models/README.md).  Every
    reading carries a status: ``"unread"`` below ``unread_below`` (kept, never matched against
    hotlists), ``"verify"`` below ``verify_below`` (a hit is marked "verify carefully"), else
    ``"read"``; with ``recognizer="plate"`` a reading that came from the RapidOCR fallback is held
    to ``fallback_unread_below`` / ``fallback_verify_below`` instead (its confidence is another
    model's, on another scale).
    """

    detector_path: str | Path | None = None
    ocr_rec_model_path: str | Path | None = None
    plate_model_path: str | Path | None = None
    recognizer: str = "plate"
    # below this plate-model confidence (the reading's CTC probability over both views) RapidOCR
    # voting also reads the plate (docs/benchmarks.md: thresholds 0.3-1.01 measured side by side)
    fallback_below: float = 0.8
    # where the fallback runs and the two disagree, RapidOCR's reading also wins when its own voting
    # confidence is at least this: its readings at 0.95 or above were 94-98% right on the dev sets
    # (its calibration, docs/benchmarks.md), while the plate model is over-confident exactly where
    # the two disagree
    fallback_trust: float = 0.95
    # calibrated on the dev sets (us-dev + eu, 219 plates, 212 matched; docs/benchmarks.md,
    # "Confidence") for the default, per source of the reading. The plate model's own reads (178,
    # whole-string CTC probability over both views) were 167 right: 123/127 at 0.7 or above, 44/51
    # below (6/8 even below 0.3), so below 0.7 is "verify" and nothing is unread. For
    # recognizer="rapidocr" these two apply to RapidOCR's reads: set verify_below=0.95,
    # unread_below=0.8 (its own calibration).
    verify_below: float = 0.7
    unread_below: float = 0.0
    # the RapidOCR fallback's reads, where the two disagreed and RapidOCR's string won (34 reads,
    # 22 right): 5/6 right at 0.99 or above, 0/2 below 0.7
    fallback_verify_below: float = 0.99
    fallback_unread_below: float = 0.7
    device: str = "cpu"
    imgsz: int = 640
    detector_conf: float = 0.25
    detector_iou: float = 0.5
    max_plates: int = 5
    min_plate_len: int = 2
    ocr_threads: int = -1
    jpeg_quality: int = 90
    # Run a second, zoomed detection pass on the image centre when the first
    # pass finds nothing (helps small, distant plates).
    zoom_fallback: bool = True
