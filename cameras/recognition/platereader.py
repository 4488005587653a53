"""The project's plate-specific recogniser: one rectified plate crop in, plate text out.

A small CNN (trained by :mod:`cameras.recognition.training`) reads a whole plate image,
single- or two-row, into :data:`MAX_LEN` character slots (letters, digits, or the pad
``_``).  It runs in onnxruntime; no PyTorch at inference.  The per-read confidence is the
product of the slot probabilities (the probability of the whole string under the model).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_"  # "_" pads the string to MAX_LEN
PAD = len(ALPHABET) - 1
MAX_LEN = 10
IMG_H, IMG_W = 48, 96


def default_model_path() -> Path:
    return Path(__file__).resolve().parent / "models" / "plate_rec.onnx"


def preprocess(img: np.ndarray) -> np.ndarray:
    """BGR or grey uint8 plate crop -> float32 (1, IMG_H, IMG_W) in [-1, 1]."""
    if img.ndim == 3:
        img = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    img = cv2.resize(
        img, (IMG_W, IMG_H), interpolation=cv2.INTER_AREA if img.shape[1] > IMG_W else cv2.INTER_LINEAR
    )
    return ((img.astype(np.float32) / 255.0) - 0.5)[None] / 0.5


def encode(text: str) -> list[int]:
    text = text[:MAX_LEN]
    return [ALPHABET.index(c) for c in text] + [PAD] * (MAX_LEN - len(text))


@dataclass
class SlotRead:
    plate: str
    confidence: float  # product of slot probabilities, 0..1
    char_probs: list[float]  # probability of each emitted character


def decode(probs: np.ndarray) -> SlotRead:
    """(MAX_LEN, len(ALPHABET)) probabilities -> text; characters after a pad are ignored."""
    idx = probs.argmax(axis=1)
    p = probs[np.arange(len(idx)), idx]
    chars, cps = [], []
    for k, pk in zip(idx, p, strict=False):
        if k == PAD:
            break
        chars.append(ALPHABET[k])
        cps.append(float(pk))
    return SlotRead("".join(chars), float(np.prod(p)), cps)


def session_options(threads: int = 0):
    import onnxruntime as ort

    so = ort.SessionOptions()
    n = threads if threads > 0 else max(1, min(4, os.cpu_count() or 1))
    so.intra_op_num_threads = n
    so.inter_op_num_threads = 1
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return so


def providers(device: str = "cpu") -> list[str]:
    """CUDA first when asked for and available, CPU always (same code either way)."""
    import onnxruntime as ort

    avail = ort.get_available_providers()
    out = []
    if device.startswith("cuda") and "CUDAExecutionProvider" in avail:
        out.append("CUDAExecutionProvider")
    out.append("CPUExecutionProvider")
    return out


class PlateReader:
    """Lazy onnxruntime session around the slot recogniser."""

    def __init__(self, model_path: str | Path | None = None, threads: int = 0, device: str = "cpu"):
        self.model_path = Path(model_path) if model_path else default_model_path()
        self.threads = threads
        self.device = device
        self._sess = None

    def _load(self):
        if self._sess is None:
            import onnxruntime as ort

            if not self.model_path.is_file():
                raise FileNotFoundError(f"plate recogniser weights not found: {self.model_path}")
            self._sess = ort.InferenceSession(
                str(self.model_path),
                sess_options=session_options(self.threads),
                providers=providers(self.device),
            )
            self._input = self._sess.get_inputs()[0].name
        return self._sess

    def probs(self, images: list[np.ndarray]) -> np.ndarray:
        if not images:
            return np.zeros((0, MAX_LEN, len(ALPHABET)), np.float32)
        sess = self._load()
        batch = np.stack([preprocess(im) for im in images]).astype(np.float32)
        return sess.run(None, {self._input: batch})[0]

    def read(self, images: list[np.ndarray]) -> list[SlotRead]:
        """Read a batch of plate crops (BGR or grey)."""
        return [decode(p) for p in self.probs(images)]


def string_probability(probs: np.ndarray, text: str) -> float:
    """The model's probability of ``text`` (any string, e.g. another recogniser's)."""
    if len(text) > MAX_LEN or any(c not in ALPHABET[:-1] for c in text):
        return 0.0
    idx = encode(text)
    return float(np.prod(probs[np.arange(MAX_LEN), idx]))
