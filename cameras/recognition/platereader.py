"""The project's plate-specific recogniser: one rectified plate crop in, plate text out.

A small CRNN (convolutions, a bidirectional LSTM, CTC; trained by
:mod:`cameras.recognition.training`) reads a whole plate image into :data:`SEQ_LEN` frames of
class probabilities (letters, digits, or the CTC blank ``_``); greedy CTC decoding collapses
repeats and drops blanks.  It runs in onnxruntime; no PyTorch at inference.  One crop's
:func:`decode` confidence is the probability of the best path (the product of each frame's top
probability), so an uncertain blank (a character the model half sees) lowers it too; the
pipeline reads several crops of a plate with :func:`read_views`, whose confidence is the
string's CTC probability over all of them.

Training and inference share :func:`preprocess` (grey, resized to ``IMG_W`` x ``IMG_H``, per-image
standardised), so the two cannot drift apart.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_"  # "_" is the CTC blank
BLANK = len(ALPHABET) - 1
PAD = BLANK  # the blank doubles as padding of label batches
MAX_LEN = 10  # longest plate text the training data uses
IMG_H, IMG_W = 32, 128
SEQ_LEN = IMG_W // 4  # output frames


def default_model_path() -> Path:
    return Path(__file__).resolve().parent / "models" / "plate_rec.onnx"


def preprocess(img: np.ndarray) -> np.ndarray:
    """BGR or grey uint8 plate crop -> float32 (1, IMG_H, IMG_W), zero mean and unit spread."""
    if img.ndim == 3:
        img = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    img = cv2.resize(
        img, (IMG_W, IMG_H), interpolation=cv2.INTER_AREA if img.shape[1] > IMG_W else cv2.INTER_LINEAR
    ).astype(np.float32)
    img = (img - img.mean()) / max(8.0, float(img.std()))
    return np.clip(img, -4.0, 4.0)[None]


def encode(text: str) -> list[int]:
    """Label indices of a plate text (letters and digits)."""
    return [ALPHABET.index(c) for c in text[:MAX_LEN]]


@dataclass
class PlateRead:
    plate: str
    confidence: float  # 0..1: best-path probability (decode) or string probability (read_views)
    char_probs: list[float]  # peak probability of each emitted character


SlotRead = PlateRead  # the former name


def decode(probs: np.ndarray) -> PlateRead:
    """(SEQ_LEN, len(ALPHABET)) probabilities -> text by greedy CTC decoding."""
    idx = probs.argmax(axis=1)
    p = probs[np.arange(len(idx)), idx]
    chars: list[str] = []
    cps: list[float] = []
    prev = BLANK
    for k, pk in zip(idx, p, strict=False):
        if k != BLANK:
            if k != prev:
                chars.append(ALPHABET[k])
                cps.append(float(pk))
            else:
                cps[-1] = max(cps[-1], float(pk))
        prev = k
    return PlateRead("".join(chars), float(np.exp(np.log(np.maximum(p, 1e-12)).sum())), cps)


def string_probability(probs: np.ndarray, text: str) -> float:
    """The model's probability of ``text`` (any string, e.g. another recogniser's): the CTC
    forward probability, summed over every alignment of the text to the frames."""
    if not text or len(text) > MAX_LEN or any(c not in ALPHABET[:-1] for c in text):
        return 0.0
    lab = [BLANK]
    for k in encode(text):
        lab += [k, BLANK]
    S, T = len(lab), probs.shape[0]
    logp = np.log(np.maximum(probs[:, lab], 1e-30))  # (T, S)
    alpha = np.full(S, -np.inf)
    alpha[0], alpha[1] = logp[0, 0], logp[0, 1]
    skip = np.array([s >= 2 and lab[s] != BLANK and lab[s] != lab[s - 2] for s in range(S)])
    for t in range(1, T):
        a1 = np.concatenate([[-np.inf], alpha[:-1]])
        a2 = np.where(skip, np.concatenate([[-np.inf, -np.inf], alpha[:-2]]), -np.inf)
        alpha = np.logaddexp(np.logaddexp(alpha, a1), a2) + logp[t]
    return float(np.exp(np.logaddexp(alpha[-1], alpha[-2])))


def views_string_probability(views: np.ndarray, text: str) -> float:
    """The probability of ``text`` over several views of one plate ((V, SEQ_LEN, classes)): the
    geometric mean of its CTC forward probability in each view."""
    views = views[None] if views.ndim == 2 else views
    logs = [np.log(max(string_probability(v, text), 1e-30)) for v in views]
    return float(np.exp(np.mean(logs)))


def read_views(views: np.ndarray) -> PlateRead:
    """One reading from several views (crops) of the same plate, ((V, SEQ_LEN, classes) or one
    view (SEQ_LEN, classes)).

    The views are differently cropped, so a character falls on different frames in each: their
    frame probabilities cannot be averaged (a character's peak is halved and the blank of the
    other view wins, so a character is dropped even where every view reads it). Instead every
    view is decoded on its own, and of those strings the one most probable over all views wins;
    its confidence is that probability (the geometric mean of each view's CTC probability of
    the string, :func:`views_string_probability`)."""
    views = views[None] if views.ndim == 2 else views
    best: PlateRead | None = None
    seen: set[str] = set()
    for v in views:
        r = decode(v)
        if r.plate in seen:
            continue
        seen.add(r.plate)
        conf = views_string_probability(views, r.plate) if r.plate else 0.0
        if best is None or conf > best.confidence:
            best = PlateRead(r.plate, conf, r.char_probs)
    return best if best is not None else PlateRead("", 0.0, [])


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
    """Lazy onnxruntime session around the plate recogniser."""

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
        """(N, SEQ_LEN, len(ALPHABET)) frame probabilities for a batch of crops."""
        if not images:
            return np.zeros((0, SEQ_LEN, len(ALPHABET)), np.float32)
        sess = self._load()
        batch = np.stack([preprocess(im) for im in images]).astype(np.float32)
        return sess.run(None, {self._input: batch})[0]

    def read(self, images: list[np.ndarray]) -> list[PlateRead]:
        """Read a batch of plate crops (BGR or grey)."""
        return [decode(p) for p in self.probs(images)]
