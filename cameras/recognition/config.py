"""Configuration for the plate recognition pipeline."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class RecognizerConfig:
    """Settings for :class:`PlateRecognizer`.

    Model paths default to the files shipped with the ``platedet`` package
    (YOLOv8 segmentation, ONNX) and ``rapidocr-onnxruntime`` (PP-OCRv4
    recognition, ONNX).  A city may point them at its own weights.
    """

    detector_path: str | Path | None = None
    ocr_rec_model_path: str | Path | None = None
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
