"""End-to-end plate recognition: detect, rectify, read, colour."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import numpy as np

from .colour import vehicle_colour
from .config import RecognizerConfig
from .detector import Detection, PlateDetector
from .imageio import encode_jpeg
from .ocr import PlateOCR
from .plate import read_plate


@dataclass
class PlateReading:
    """One plate read from an image."""

    plate: str  # normalised: upper-case letters and digits
    raw_text: str  # recogniser output of the chosen crop, before filtering
    confidence: float  # 0..1, mean character probability of the chosen reading
    box: tuple[int, int, int, int]  # x, y, w, h in the original image
    detector_confidence: float
    crop_jpeg: bytes = field(repr=False, default=b"")  # rectified plate crop
    vehicle_colour: str = "unknown"


class PlateRecognizer:
    """Detects and reads licence plates.  Models load lazily, once per instance.

    Use :func:`get_recognizer` to share one instance per process.
    """

    def __init__(self, config: RecognizerConfig | None = None):
        self.config = config or RecognizerConfig()
        c = self.config
        self.detector = PlateDetector(c.detector_path, c.device, c.imgsz, c.detector_conf, c.detector_iou)
        self.ocr = PlateOCR(c.ocr_rec_model_path, threads=c.ocr_threads, use_cuda=c.device.startswith("cuda"))

    def recognize(self, image_bgr: np.ndarray) -> list[PlateReading]:
        """Read all plates in one BGR image (``uint8``, H×W×3)."""
        return self.recognize_batch([image_bgr])[0]

    def recognize_batch(self, images: list[np.ndarray]) -> list[list[PlateReading]]:
        """Read plates in several images; the detector runs on the whole batch at once."""
        images = [_as_bgr(im) for im in images]
        all_dets = self.detector.detect_batch(images)
        out: list[list[PlateReading]] = []
        for img, dets in zip(images, all_dets, strict=False):
            if not dets and self.config.zoom_fallback:
                dets = self.detector.detect_tiled(img)
            out.append(self._read(img, dets[: self.config.max_plates]))
        return out

    def _read(self, img: np.ndarray, dets: list[Detection]) -> list[PlateReading]:
        readings: list[PlateReading] = []
        H, W = img.shape[:2]
        for d in dets:
            x1, y1, x2, y2 = d.xyxy
            cand, crop = read_plate(img, d.xyxy, d.polygon, self.ocr)
            if cand is None or len(cand.plate) < self.config.min_plate_len:
                continue
            bx, by = max(0, int(round(x1))), max(0, int(round(y1)))
            bw = max(1, min(W, int(round(x2))) - bx)
            bh = max(1, min(H, int(round(y2))) - by)
            box = (bx, by, bw, bh)
            readings.append(
                PlateReading(
                    plate=cand.plate,
                    raw_text=cand.raw,
                    confidence=float(max(0.0, min(1.0, cand.conf))),
                    box=box,
                    detector_confidence=float(d.conf),
                    crop_jpeg=encode_jpeg(crop, self.config.jpeg_quality) if crop is not None else b"",
                    vehicle_colour=vehicle_colour(img, box),
                )
            )
        return readings


def _as_bgr(img: np.ndarray) -> np.ndarray:
    import cv2

    if not isinstance(img, np.ndarray) or img.size == 0:
        raise ValueError("image must be a non-empty numpy array")
    if img.dtype != np.uint8:
        img = np.clip(img, 0, 255).astype(np.uint8)
    if img.ndim == 2:
        return cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)
    if img.ndim == 3 and img.shape[2] == 4:
        return cv2.cvtColor(img, cv2.COLOR_BGRA2BGR)
    if img.ndim == 3 and img.shape[2] == 3:
        return img
    raise ValueError(f"unsupported image shape {img.shape}")


_shared: dict[RecognizerConfig, PlateRecognizer] = {}
_shared_lock = threading.Lock()


def get_recognizer(config: RecognizerConfig | None = None) -> PlateRecognizer:
    """Process-wide shared recogniser for a config (workers reuse the loaded models)."""
    config = config or RecognizerConfig()
    with _shared_lock:
        r = _shared.get(config)
        if r is None:
            r = _shared[config] = PlateRecognizer(config)
        return r
