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
    RapidOCR's 187 at about the same latency (docs/benchmarks.md, models/README.md).  Every
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
    # below this plate-model confidence RapidOCR voting also reads the plate (dev sets: 0.8 and 0.85
    # were the best of 0-1, 0.8 the faster; 0.5 ties RapidOCR on exact reads)
    fallback_below: float = 0.8
    # calibrated on the dev sets (us-dev + eu, 219 plates; docs/benchmarks.md, "Confidence") for the
    # default, per source of the reading. The plate model's own reads (157, whole-string CTC
    # probability) were 151 right: 89/90 at 0.3 or above, 62/67 below, so below 0.3 is "verify"
    # and nothing is unread. For recognizer="rapidocr" these two apply to RapidOCR's reads: set
    # verify_below=0.95, unread_below=0.8 (its own calibration).
    verify_below: float = 0.3
    unread_below: float = 0.0
    # the RapidOCR fallback's reads when the plate model was unsure and RapidOCR's string was more
    # probable (55 reads, 38 right): 24/25 right at 0.85 or above, 0/3 below 0.3
    fallback_verify_below: float = 0.85
    fallback_unread_below: float = 0.3
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
