"""Text-line recognition on plate crops with RapidOCR's recognition model.

Only RapidOCR's recognition network (PP-OCRv4 rec, ONNX) is used; its text
detector and angle classifier are not.  The network's output is decoded with
CTC greedy decoding restricted to Latin letters and digits, which avoids the
Chinese look-alike characters the full alphabet would produce.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import cv2
import numpy as np

ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def default_rec_model_path() -> Path:
    return Path(str(resources.files("rapidocr_onnxruntime") / "models" / "ch_PP-OCRv4_rec_infer.onnx"))


@dataclass
class OcrChar:
    char: str
    prob: float
    lower: bool  # the lower-case form was more likely than the upper-case one
    pos: int  # CTC time step


@dataclass
class OcrLine:
    """Decoded text of one image: tokens separated where the model saw spaces/punctuation."""

    chars: list[OcrChar] = field(default_factory=list)
    breaks: list[int] = field(default_factory=list)  # char indices where a new token starts

    def tokens(self) -> list[list[OcrChar]]:
        out: list[list[OcrChar]] = []
        starts = sorted(set([0] + self.breaks))
        for i, s in enumerate(starts):
            e = starts[i + 1] if i + 1 < len(starts) else len(self.chars)
            if e > s:
                out.append(self.chars[s:e])
        return out

    @property
    def text(self) -> str:
        return " ".join("".join(c.char.lower() if c.lower else c.char for c in t) for t in self.tokens())


class PlateOCR:
    """Lazy wrapper around RapidOCR's ``TextRecognizer``."""

    def __init__(self, model_path: str | Path | None = None, threads: int = -1, use_cuda: bool = False):
        self.model_path = Path(model_path) if model_path else default_rec_model_path()
        self.threads = threads
        self.use_cuda = use_cuda
        self._rec = None
        self._maps: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    def _load(self):
        if self._rec is None:
            from rapidocr_onnxruntime.ch_ppocr_rec import TextRecognizer

            cfg = {
                "model_path": str(self.model_path),
                "use_cuda": self.use_cuda,
                "use_dml": False,
                "intra_op_num_threads": self.threads,
                "inter_op_num_threads": -1,
                "rec_img_shape": [3, 48, 320],
                "rec_batch_num": 8,
            }
            rec = TextRecognizer(cfg)
            chars = rec.postprocess_op.character
            upper_idx = np.zeros(len(ALNUM), dtype=np.int64)
            lower_idx = np.full(len(ALNUM), -1, dtype=np.int64)
            index = {c: i for i, c in enumerate(chars)}
            for k, c in enumerate(ALNUM):
                upper_idx[k] = index.get(c, 0)
                if c.isalpha() and c.lower() in index:
                    lower_idx[k] = index[c.lower()]
            self._maps = (upper_idx, lower_idx, np.array([0]))
            self._rec = rec
        return self._rec

    def _prep(self, img: np.ndarray, wh_ratio: float) -> np.ndarray:
        if img.ndim == 2:
            img = cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)
        rec = self._rec
        return rec.resize_norm_img(img, wh_ratio)

    def read(self, images: list[np.ndarray]) -> list[OcrLine]:
        """Recognise one text line per image (BGR or grey)."""
        if not images:
            return []
        rec = self._load()
        _, h_in, w_in = rec.rec_image_shape
        ratios = [im.shape[1] / max(1, im.shape[0]) for im in images]
        order = np.argsort(ratios)
        out: list[OcrLine | None] = [None] * len(images)
        bs = 8
        for b in range(0, len(images), bs):
            idx = order[b : b + bs]
            max_ratio = max([w_in / h_in] + [ratios[i] for i in idx])
            batch = np.stack([self._prep(images[i], max_ratio) for i in idx]).astype(np.float32)
            preds = rec.session(batch)[0]
            for j, i in enumerate(idx):
                out[i] = self._decode(preds[j])
        return [o if o is not None else OcrLine() for o in out]

    def _decode(self, probs: np.ndarray) -> OcrLine:
        upper_idx, lower_idx, _ = self._maps
        p_upper = probs[:, upper_idx]
        p_lower = np.where(lower_idx[None, :] >= 0, probs[:, np.maximum(lower_idx, 0)], 0.0)
        p_char = p_upper + p_lower
        p_blank = probs[:, 0]
        p_other = np.clip(1.0 - p_blank - p_char.sum(axis=1), 0.0, 1.0)
        best_k = p_char.argmax(axis=1)
        best_p = p_char[np.arange(len(best_k)), best_k]
        line = OcrLine()
        prev = -1  # -1 blank, -2 other, k char
        pending_break = False
        for t in range(probs.shape[0]):
            pb, po, pc = p_blank[t], p_other[t], best_p[t]
            if pc >= pb and pc >= po:
                k = int(best_k[t])
                if k == prev and line.chars:
                    c = line.chars[-1]
                    c.prob = max(c.prob, float(pc))
                else:
                    if pending_break and line.chars:
                        line.breaks.append(len(line.chars))
                    pending_break = False
                    line.chars.append(OcrChar(ALNUM[k], float(pc), bool(p_lower[t, k] > p_upper[t, k]), t))
                prev = k
            elif po > pb:
                prev = -2
                pending_break = True
            else:
                prev = -1
        return line
