"""Plate detector: ultralytics YOLO segmentation on the ``platedet`` ONNX model."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np


def default_detector_path() -> Path:
    return Path(str(resources.files("platedet") / "artifacts" / "platedet.onnx"))


@dataclass
class Detection:
    xyxy: tuple[float, float, float, float]
    conf: float
    polygon: np.ndarray | None  # mask outline in image coordinates, (N, 2) float32


class PlateDetector:
    """Lazily loaded YOLO segmentation model (one per process)."""

    def __init__(
        self,
        model_path: str | Path | None = None,
        device: str = "cpu",
        imgsz: int = 640,
        conf: float = 0.25,
        iou: float = 0.5,
    ):
        self.model_path = Path(model_path) if model_path else default_detector_path()
        self.device = device
        self.imgsz = imgsz
        self.conf = conf
        self.iou = iou
        self._model = None
        self._lock = threading.Lock()

    def _load(self):
        if self._model is None:
            with self._lock:
                if self._model is None:
                    os.environ.setdefault("YOLO_OFFLINE", "1")
                    os.environ.setdefault("YOLO_VERBOSE", "False")
                    if not Path(self.model_path).is_file():
                        raise FileNotFoundError(f"plate detector weights not found: {self.model_path}")
                    from ultralytics import YOLO

                    self._model = YOLO(str(self.model_path), task="segment")
        return self._model

    def detect_batch(self, images: list[np.ndarray], conf: float | None = None) -> list[list[Detection]]:
        if not images:
            return []
        model = self._load()
        results = model.predict(
            images,
            imgsz=self.imgsz,
            conf=self.conf if conf is None else conf,
            iou=self.iou,
            device=self.device,
            verbose=False,
            save=False,
        )
        out: list[list[Detection]] = []
        for r in results:
            dets: list[Detection] = []
            boxes = r.boxes
            if boxes is not None and len(boxes):
                xyxy = boxes.xyxy.cpu().numpy()
                confs = boxes.conf.cpu().numpy()
                polys = r.masks.xy if r.masks is not None else [None] * len(xyxy)
                for i in range(len(xyxy)):
                    p = polys[i] if i < len(polys) else None
                    if p is not None and len(p) < 3:
                        p = None
                    dets.append(
                        Detection(
                            tuple(float(v) for v in xyxy[i]),
                            float(confs[i]),
                            None if p is None else np.asarray(p, dtype=np.float32),
                        )
                    )
            dets.sort(key=lambda d: -d.conf)
            out.append(dets)
        return out

    def detect_tiled(self, image: np.ndarray, conf: float | None = None) -> list[Detection]:
        """Detect on overlapping tiles (a zoomed second pass for small plates)."""
        H, W = image.shape[:2]
        if max(H, W) < 1.2 * self.imgsz:
            return []
        tw, th = int(W * 0.6), int(H * 0.6)
        xs = [0, W - tw]
        ys = [0, H - th]
        tiles, offs = [], []
        for y in ys:
            for x in xs:
                tiles.append(image[y : y + th, x : x + tw])
                offs.append((x, y))
        dets: list[Detection] = []
        for (ox, oy), ds in zip(offs, self.detect_batch(tiles, conf), strict=False):
            for d in ds:
                x1, y1, x2, y2 = d.xyxy
                poly = None if d.polygon is None else d.polygon + np.array([ox, oy], dtype=np.float32)
                dets.append(Detection((x1 + ox, y1 + oy, x2 + ox, y2 + oy), d.conf, poly))
        return nms(dets, 0.3)


def box_iou(a, b) -> float:
    x1, y1 = max(a[0], b[0]), max(a[1], b[1])
    x2, y2 = min(a[2], b[2]), min(a[3], b[3])
    inter = max(0.0, x2 - x1) * max(0.0, y2 - y1)
    ua = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / ua if ua > 0 else 0.0


def nms(dets: list[Detection], thr: float) -> list[Detection]:
    dets = sorted(dets, key=lambda d: -d.conf)
    kept: list[Detection] = []
    for d in dets:
        if all(box_iou(d.xyxy, k.xyxy) < thr for k in kept):
            kept.append(d)
    return kept
