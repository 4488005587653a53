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
from .plate import BOX_PX, MASK_PX, expand_quad, quad_from_box, quad_from_polygon, read_plate, warp_quad
from .platereader import PlateReader, read_views, views_string_probability

READ_STATUSES = ("read", "verify", "unread")


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
    status: str = "read"  # "read", "verify" (check carefully) or "unread" (below the floor)
    recognizer: str = "plate"  # which recogniser produced the text: "plate" or "rapidocr"


class PlateRecognizer:
    """Detects and reads licence plates.  Models load lazily, once per instance.

    Use :func:`get_recognizer` to share one instance per process.
    """

    def __init__(self, config: RecognizerConfig | None = None):
        self.config = config or RecognizerConfig()
        c = self.config
        self.detector = PlateDetector(c.detector_path, c.device, c.imgsz, c.detector_conf, c.detector_iou)
        if c.recognizer not in ("plate", "rapidocr"):
            raise ValueError(f"unknown recognizer {c.recognizer!r} (use 'plate' or 'rapidocr')")
        self.ocr = PlateOCR(c.ocr_rec_model_path, threads=c.ocr_threads, use_cuda=c.device.startswith("cuda"))
        self.reader = PlateReader(c.plate_model_path, threads=max(0, c.ocr_threads), device=c.device)

    def status_for(self, confidence: float, source: str = "plate") -> str:
        """ "unread", "verify" or "read" for a reading of ``confidence`` from ``source`` (the
        recogniser that produced it: "plate" or "rapidocr")."""
        c = self.config
        if c.recognizer == "plate" and source == "rapidocr":
            unread, verify = c.fallback_unread_below, c.fallback_verify_below
        else:
            unread, verify = c.unread_below, c.verify_below
        if confidence < unread:
            return "unread"
        if confidence < verify:
            return "verify"
        return "read"

    def recognize(self, image_bgr: np.ndarray) -> list[PlateReading]:
        """Read all plates in one BGR image (``uint8``, H×W×3)."""
        return self.recognize_batch([image_bgr])[0]

    def recognize_batch(self, images: list[np.ndarray]) -> list[list[PlateReading]]:
        """Read plates in several images; the detector runs on the whole batch at once."""
        images = [_as_bgr(im) for im in images]
        all_dets = self.detector.detect_batch(images)
        dets_per_image = []
        for img, dets in zip(images, all_dets, strict=False):
            if not dets and self.config.zoom_fallback:
                dets = self.detector.detect_tiled(img)
            dets_per_image.append(dets[: self.config.max_plates])
        if self.config.recognizer == "rapidocr":
            return [self._read_voting(img, dets) for img, dets in zip(images, dets_per_image, strict=False)]
        return self._read_plates(images, dets_per_image)

    def plate_probs(
        self, images: list[np.ndarray], dets_per_image: list[list[Detection]]
    ) -> dict[tuple[int, int], tuple[np.ndarray, np.ndarray]]:
        """The plate recogniser on two rectified views of every plate of every image, in one
        batch: (image, detection) -> (the frame probabilities of each view, (V, SEQ_LEN,
        classes), and the first crop).  The views are read together by :func:`read_views`."""
        views: list[np.ndarray] = []
        index: list[tuple[int, int]] = []
        rectified: dict[tuple[int, int], np.ndarray] = {}
        for i, (img, dets) in enumerate(zip(images, dets_per_image, strict=False)):
            for j, d in enumerate(dets):
                for k, crop in enumerate(plate_views(img, d)):
                    views.append(crop)
                    index.append((i, j))
                    if k == 0:
                        rectified[(i, j)] = crop
        probs = self.reader.probs(views)
        per: dict[tuple[int, int], list[np.ndarray]] = {}
        for key, p in zip(index, probs, strict=False):
            per.setdefault(key, []).append(p)
        return {k: (np.stack(v), rectified[k]) for k, v in per.items()}

    def needs_fallback(self, probs: np.ndarray) -> bool:
        return read_views(probs).confidence < self.config.fallback_below

    @staticmethod
    def choose(probs: np.ndarray, cand, trust: float = 2.0) -> tuple[str, str, float, str]:
        """The plate recogniser's reading of its views ``probs`` ((V, SEQ_LEN, classes), or one
        view), or RapidOCR's voting candidate ``cand`` (when given) where that string is more
        probable, or where RapidOCR's own confidence is at least ``trust``: (plate, raw,
        confidence, source)."""
        read = read_views(probs)
        plate, raw, conf, source = read.plate, read.plate, read.confidence, "plate"
        if cand is not None and cand.plate != plate and len(cand.plate) >= 1:
            # both as the probability of the whole string: the plate model's own (CTC forward
            # probability over its views), and the voting candidate's mean character
            # probability to the string's length
            other = max(views_string_probability(probs, cand.plate), cand.conf ** len(cand.plate))
            if other > conf or cand.conf >= trust:
                plate, raw, conf, source = cand.plate, cand.raw, max(other, cand.conf), "rapidocr"
        return plate, raw, conf, source

    def _read_plates(
        self, images: list[np.ndarray], dets_per_image: list[list[Detection]]
    ) -> list[list[PlateReading]]:
        """The plate recogniser (one batch for all plates), RapidOCR voting as the fallback."""
        read = self.plate_probs(images, dets_per_image)
        out: list[list[PlateReading]] = []
        c = self.config
        for i, (img, dets) in enumerate(zip(images, dets_per_image, strict=False)):
            readings = []
            for j, d in enumerate(dets):
                p, crop = read[(i, j)]
                cand = None
                if self.needs_fallback(p):
                    cand, _ = read_plate(img, d.xyxy, d.polygon, self.ocr)
                    if cand is not None and len(cand.plate) < c.min_plate_len:
                        cand = None
                plate, raw, conf, source = self.choose(p, cand, c.fallback_trust)
                if len(plate) < c.min_plate_len:
                    continue
                readings.append(self._reading(img, d, plate, raw, conf, crop, source))
            out.append(readings)
        return out

    def _reading(self, img, d: Detection, plate, raw, conf, crop, source) -> PlateReading:
        box = box_of(img, d)
        conf = float(max(0.0, min(1.0, conf)))
        return PlateReading(
            plate=plate,
            raw_text=raw,
            confidence=conf,
            box=box,
            detector_confidence=float(d.conf),
            crop_jpeg=encode_jpeg(crop, self.config.jpeg_quality) if crop is not None else b"",
            vehicle_colour=vehicle_colour(img, box),
            status=self.status_for(conf, source),
            recognizer=source,
        )

    def _read_voting(self, img: np.ndarray, dets: list[Detection]) -> list[PlateReading]:
        """The previous pipeline: RapidOCR on many crops, per-character voting."""
        readings: list[PlateReading] = []
        for d in dets:
            cand, crop = read_plate(img, d.xyxy, d.polygon, self.ocr)
            if cand is None or len(cand.plate) < self.config.min_plate_len:
                continue
            readings.append(self._reading(img, d, cand.plate, cand.raw, cand.conf, crop, "rapidocr"))
        return readings


def box_of(img: np.ndarray, d: Detection) -> tuple[int, int, int, int]:
    """A detection's box as x, y, w, h in pixels, clipped to the image."""
    H, W = img.shape[:2]
    x1, y1, x2, y2 = d.xyxy
    bx, by = max(0, int(round(x1))), max(0, int(round(y1)))
    bw = max(1, min(W, int(round(x2))) - bx)
    bh = max(1, min(H, int(round(y2))) - by)
    return (bx, by, bw, bh)


def plate_views(img: np.ndarray, d: Detection) -> list[np.ndarray]:
    """Rectified crops of one detection: the segmentation mask's quadrilateral (when there is
    one) and the detector box, each a little grown so edge characters are not cut."""
    x1, y1, x2, y2 = (float(v) for v in d.xyxy)
    quads = []
    q = quad_from_polygon(d.polygon)
    if q is not None:
        quads.append(expand_quad(q, MASK_PX / 2, 0.04))
    quads.append(expand_quad(quad_from_box(x1, y1, x2, y2), BOX_PX, 0.03))
    return [warp_quad(img, qq) for qq in quads]


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
