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

    ``recognizer``: ``"rapidocr"`` (RapidOCR on several crops per plate with aligned voting:
    the default, because it measures best today, see docs/benchmarks.md) or ``"plate"`` (the
    project's CTC plate recogniser on two rectified views per plate, one batch per call, with
    RapidOCR voting as the fallback when its confidence is below ``fallback_below``; the
    shipped weights are under-trained, see their card).  Every reading carries a status:
    ``"unread"`` below ``unread_below``
    (kept, never matched against hotlists), ``"verify"`` below ``verify_below`` (a hit is
    marked "verify carefully"), else ``"read"``.
    """

    detector_path: str | Path | None = None
    ocr_rec_model_path: str | Path | None = None
    plate_model_path: str | Path | None = None
    recognizer: str = "rapidocr"
    fallback_below: float = 0.0
    # calibrated on the dev sets for RapidOCR voting (docs/benchmarks.md, "Confidence"): every
    # us-dev/eu reading below 0.8 was wrong; reads at 0.95 or above were 94% / 98% right
    verify_below: float = 0.95
    unread_below: float = 0.8
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
