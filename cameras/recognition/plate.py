"""Plate crop rectification, line finding and candidate selection."""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from .ocr import OcrChar, OcrLine, PlateOCR
from .text import is_plate_word, normalize_plate, plate_pattern_score

RECT_H = 96  # height of the rectified plate image


def order_quad(pts: np.ndarray) -> np.ndarray:
    """Order 4 points as top-left, top-right, bottom-right, bottom-left."""
    pts = np.asarray(pts, dtype=np.float32).reshape(4, 2)
    c = pts.mean(axis=0)
    ang = np.arctan2(pts[:, 1] - c[1], pts[:, 0] - c[0])
    pts = pts[np.argsort(ang)]  # clockwise starting roughly at -pi (left)
    # rotate so the first is the top-left (min x+y)
    s = pts.sum(axis=1)
    i = int(np.argmin(s))
    pts = np.roll(pts, -i, axis=0)
    # ensure order tl, tr, br, bl (clockwise in image coords)
    if pts[1][0] < pts[3][0]:
        pts = np.array([pts[0], pts[3], pts[2], pts[1]], dtype=np.float32)
    return pts


def quad_from_polygon(poly: np.ndarray | None) -> np.ndarray | None:
    """Min-area rectangle of a mask polygon, as an ordered quadrilateral."""
    if poly is None or len(poly) < 4:
        return None
    rect = cv2.minAreaRect(np.asarray(poly, dtype=np.float32))
    (cx, cy), (w, h), a = rect
    if w < 4 or h < 4:
        return None
    q = order_quad(cv2.boxPoints(rect))
    return q


def quad_from_box(x1: float, y1: float, x2: float, y2: float) -> np.ndarray:
    return np.array([[x1, y1], [x2, y1], [x2, y2], [x1, y2]], dtype=np.float32)


def expand_quad(q: np.ndarray, px: float, py: float) -> np.ndarray:
    """Grow an ordered quad by fractions of its width (px) and height (py)."""
    tl, tr, br, bl = q
    ux = ((tr - tl) + (br - bl)) / 2.0
    uy = ((bl - tl) + (br - tr)) / 2.0
    return np.array(
        [
            tl - ux * px - uy * py,
            tr + ux * px - uy * py,
            br + ux * px + uy * py,
            bl - ux * px + uy * py,
        ],
        dtype=np.float32,
    )


def warp_quad(img: np.ndarray, q: np.ndarray, out_h: int = RECT_H) -> np.ndarray:
    tl, tr, br, bl = q
    w = (np.linalg.norm(tr - tl) + np.linalg.norm(br - bl)) / 2.0
    h = (np.linalg.norm(bl - tl) + np.linalg.norm(br - tr)) / 2.0
    h = max(h, 1.0)
    out_w = int(round(out_h * w / h))
    out_w = max(16, min(out_w, out_h * 10))
    dst = np.array([[0, 0], [out_w - 1, 0], [out_w - 1, out_h - 1], [0, out_h - 1]], dtype=np.float32)
    m = cv2.getPerspectiveTransform(q.astype(np.float32), dst)
    return cv2.warpPerspective(img, m, (out_w, out_h), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE)


@dataclass
class Band:
    y0: int
    y1: int
    x0: int
    x1: int
    char_h: float
    n: int


def find_char_bands(plate: np.ndarray) -> list[Band]:
    """Find rows of character-like blobs in a rectified plate image.

    Returns bands sorted by character height (tallest first).
    """
    gray = cv2.cvtColor(plate, cv2.COLOR_BGR2GRAY) if plate.ndim == 3 else plate
    H, W = gray.shape
    gray = cv2.createCLAHE(clipLimit=2.0, tileGridSize=(4, 8)).apply(gray)
    bands: list[Band] = []
    for inv in (True, False):
        _, bw = cv2.threshold(
            gray, 0, 255, (cv2.THRESH_BINARY_INV if inv else cv2.THRESH_BINARY) | cv2.THRESH_OTSU
        )
        n, _, stats, _ = cv2.connectedComponentsWithStats(bw, connectivity=8)
        comps = []
        for i in range(1, n):
            x, y, w, h, a = stats[i]
            if h < 0.18 * H or h > 0.92 * H:
                continue
            if w > 0.25 * W or w < 2:
                continue
            if h / w < 0.8 or h / w > 8:
                continue
            fill = a / float(w * h)
            if fill < 0.12 or fill > 0.95:
                continue
            if x <= 0 or x + w >= W:
                continue
            comps.append((x, y, w, h))
        if len(comps) < 2:
            continue
        comps.sort(key=lambda c: -c[3])
        used = [False] * len(comps)
        for i, (_x, y, _w, h) in enumerate(comps):
            if used[i]:
                continue
            group = []
            cy = y + h / 2.0
            for j, (_x2, y2, _w2, h2) in enumerate(comps):
                if used[j]:
                    continue
                if abs(h2 - h) <= 0.3 * h and abs((y2 + h2 / 2.0) - cy) <= 0.35 * h:
                    group.append(j)
            if len(group) >= 3:
                for j in group:
                    used[j] = True
                gs = [comps[j] for j in group]
                hs = float(np.median([g[3] for g in gs]))
                bands.append(
                    Band(
                        y0=min(g[1] for g in gs),
                        y1=max(g[1] + g[3] for g in gs),
                        x0=min(g[0] for g in gs),
                        x1=max(g[0] + g[2] for g in gs),
                        char_h=hs,
                        n=len(gs),
                    )
                )
    # dedupe overlapping bands (from the two polarities), keep the one with more chars
    bands.sort(key=lambda b: (-b.n, -b.char_h))
    kept: list[Band] = []
    for b in bands:
        if any(min(b.y1, k.y1) - max(b.y0, k.y0) > 0.5 * min(b.y1 - b.y0, k.y1 - k.y0) for k in kept):
            continue
        kept.append(b)
    kept.sort(key=lambda b: -b.char_h)
    return kept


def char_components(plate: np.ndarray):
    """The largest row of character blobs of a rectified plate, with the label image.

    Connected components of the Otsu-binarised (CLAHE) plate in both polarities; a blob
    is character-like when it is 25-90 % of the plate height, taller than wide, not touching
    the border, and neither hollow nor solid; the row is the largest set of blobs within 20 %
    of one blob's height and 25 % of its centre line.  Returns ``(boxes, labels)`` with
    boxes ``(label, x, y, w, h)``, or ``None`` when fewer than three blobs line up.
    """
    gray = cv2.cvtColor(plate, cv2.COLOR_BGR2GRAY) if plate.ndim == 3 else plate
    H, W = gray.shape
    gray = cv2.createCLAHE(clipLimit=2.0, tileGridSize=(4, 8)).apply(gray)
    best = None
    best_key = (0, 0.0)
    for inv in (True, False):
        _, bw = cv2.threshold(
            gray, 0, 255, (cv2.THRESH_BINARY_INV if inv else cv2.THRESH_BINARY) | cv2.THRESH_OTSU
        )
        n, labels, stats, _ = cv2.connectedComponentsWithStats(bw, connectivity=8)
        comps = []
        for i in range(1, n):
            x, y, w, h, a = (int(v) for v in stats[i])
            if h < 0.25 * H or h > 0.9 * H or w < 2 or w > 0.25 * W:
                continue
            if h / w < 1.0 or h / w > 8:
                continue
            fill = a / float(w * h)
            if fill < 0.15 or fill > 0.95:
                continue
            if x <= 0 or x + w >= W or y <= 0 or y + h >= H:
                continue
            comps.append((i, x, y, w, h))
        for _, _x, y, _w, h in comps:
            cy = y + h / 2.0
            grp = [c for c in comps if abs(c[4] - h) <= 0.2 * h and abs(c[2] + c[4] / 2.0 - cy) <= 0.25 * h]
            key = (len(grp), float(np.median([c[4] for c in grp])))
            if len(grp) >= 3 and key > best_key:
                best, best_key = (grp, labels), key
    return best


def chars_only_crop(plate: np.ndarray) -> np.ndarray | None:
    """A black-on-white image of just the character blobs (emblems, stickers, frame and
    slogans painted out), cropped to the character row, or ``None``."""
    found = char_components(plate)
    if found is None:
        return None
    comps, labels = found
    hs = float(np.median([c[4] for c in comps]))
    x0 = min(c[1] for c in comps)
    x1 = max(c[1] + c[3] for c in comps)
    y0 = min(c[2] for c in comps)
    y1 = max(c[2] + c[4] for c in comps)
    out = np.full(labels.shape, 255, dtype=np.uint8)
    out[np.isin(labels, [c[0] for c in comps])] = 0
    py, px = int(hs * 0.25), int(hs * 0.5)
    out = out[max(0, y0 - py) : y1 + py, max(0, x0 - px) : x1 + px]
    out = cv2.copyMakeBorder(out, 0, 0, px, px, cv2.BORDER_CONSTANT, value=255)
    out = cv2.GaussianBlur(out, (3, 3), 0)
    return cv2.cvtColor(out, cv2.COLOR_GRAY2BGR)


def crop_band(plate: np.ndarray, b: Band, pad_y: float = 0.2, pad_x: float = 0.6) -> np.ndarray:
    H, W = plate.shape[:2]
    py = int(round(b.char_h * pad_y))
    px = int(round(b.char_h * pad_x))
    return plate[max(0, b.y0 - py) : min(H, b.y1 + py), max(0, b.x0 - px) : min(W, b.x1 + px)]


@dataclass
class Candidate:
    plate: str
    raw: str
    conf: float
    score: float
    source: str
    chars: list[OcrChar] = field(default_factory=list, repr=False)


def kept_chars(line: OcrLine) -> list[OcrChar]:
    """The characters of a line after dropping lower-case words, state names and slogans."""
    kept: list[OcrChar] = []
    for tok in line.tokens():
        s = "".join(c.char for c in tok)
        lower = sum(c.lower for c in tok)
        if len(tok) >= 3 and lower >= 0.6 * len(tok):
            continue
        if s.isalpha() and len(s) >= 4 and is_plate_word(s):
            continue
        kept.extend(tok)
    return kept


def line_to_text(line: OcrLine) -> tuple[str, float]:
    """Filter tokens (lower-case words, state names, slogans) and join the rest."""
    kept = kept_chars(line)
    if not kept:
        return "", 0.0
    text = normalize_plate("".join(c.char for c in kept))
    conf = float(np.mean([c.prob for c in kept]))
    return text, conf


def pad_lr(img: np.ndarray, frac: float = 0.25) -> np.ndarray:
    """Pad left/right with replicated edge pixels so edge characters are not clipped by the recogniser."""
    p = max(2, int(round(img.shape[0] * frac)))
    return cv2.copyMakeBorder(img, 0, 0, p, p, cv2.BORDER_REPLICATE)


def enhance(img: np.ndarray) -> np.ndarray:
    """Local contrast normalisation (CLAHE on lightness)."""
    lab = cv2.cvtColor(img, cv2.COLOR_BGR2LAB)
    lightness = cv2.createCLAHE(clipLimit=3.0, tileGridSize=(2, 6)).apply(lab[:, :, 0])
    return cv2.cvtColor(lightness, cv2.COLOR_GRAY2BGR)


MASK_PX = 0.08
BOX_PX = 0.03
BOX_W = 0.7
BAND_W = 0.6

# Horizontal strips (fractions of plate height) where the main characters usually sit.
STRIPS = ((0.15, 0.9), (0.2, 0.85), (0.25, 0.85))

# Crops read first; when they all agree on a plausible plate with confident characters the
# rest are skipped (about half the OCR work on us-dev, no accuracy change).
FIRST_PASS = ("mask:strip0.20", "mask:strip0.20+clahe", "box:strip0.25", "box:strip0.25+clahe")
FIRST_PASS_MIN_PROB = 0.8


def variants(plate: np.ndarray) -> list[tuple[str, np.ndarray]]:
    """Images to read from one rectified plate: strips, the main character row, two-row joins."""
    H = plate.shape[0]
    out: list[tuple[str, np.ndarray]] = []
    for a, b in STRIPS:
        s = plate[int(a * H) : int(round(b * H))]
        out.append((f"strip{a:.2f}", pad_lr(s)))
    bands = find_char_bands(plate)
    if bands:
        tallest = bands[0]
        out.append(("band", pad_lr(crop_band(plate, tallest))))
        sec = [b for b in bands[1:] if b.char_h >= 0.75 * tallest.char_h]
        if sec:
            rows = sorted([tallest, sec[0]], key=lambda b: b.y0)
            crops = [crop_band(plate, b) for b in rows]
            h = max(c.shape[0] for c in crops)
            crops = [cv2.resize(c, (max(1, int(c.shape[1] * h / c.shape[0])), h)) for c in crops]
            gap = np.full((h, h // 2, 3), 255, dtype=np.uint8)
            out.append(("two_rows", pad_lr(np.hstack([crops[0], gap, crops[1]]))))
    out += [(n + "+clahe", enhance(v)) for n, v in out if n.startswith("strip")]
    chars = chars_only_crop(plate)
    if chars is not None:
        out.append(("chars", chars))
    return out


def choose(cands: list[Candidate]) -> Candidate | None:
    """Whole-string vote (weighted by candidate score).  Kept for comparison; see :func:`choose_aligned`."""
    if not cands:
        return None
    votes: dict[str, float] = {}
    best: dict[str, Candidate] = {}
    for c in cands:
        if not c.plate:
            continue
        votes[c.plate] = votes.get(c.plate, 0.0) + c.score
        if c.plate not in best or c.score > best[c.plate].score:
            best[c.plate] = c
    if not votes:
        return None
    top = max(votes, key=lambda k: votes[k])
    return best[top]


EDGE_EXTRA = 1.5


def alignment_score(hyp: str, chars: list[OcrChar]) -> float:
    """How well one candidate's characters support the hypothesis ``hyp``.

    Global alignment: a matching character earns its CTC probability, a hypothesis
    character the candidate lacks costs 1, a candidate character the hypothesis lacks
    costs its probability (so a low-confidence extra glyph - an emblem or sticker between
    character groups - costs little), times :data:`EDGE_EXTRA` for the candidate's first and
    last character (a first character that only some crops read is usually real, not an
    emblem), a mismatch earns nothing.  Normalised by ``len(hyp)``.
    """
    n, m = len(hyp), len(chars)
    if n == 0:
        return 0.0
    extra = [c.prob for c in chars]
    if m:
        extra[0] *= EDGE_EXTRA
        extra[-1] *= EDGE_EXTRA if m > 1 else 1.0
    prev = [0.0] * (m + 1)
    for j in range(1, m + 1):
        prev[j] = prev[j - 1] - extra[j - 1]
    for i in range(1, n + 1):
        cur = [-float(i)] + [0.0] * m
        h = hyp[i - 1]
        for j in range(1, m + 1):
            c = chars[j - 1]
            cur[j] = max(
                prev[j - 1] + (c.prob if c.char == h else 0.0),
                prev[j] - 1.0,
                cur[j - 1] - extra[j - 1],
            )
        prev = cur
    return prev[m] / n


def choose_aligned(cands: list[Candidate]) -> Candidate | None:
    """Pick the candidate string best supported by all candidates (a weighted medoid).

    Each distinct string is scored by the sum over candidates of ``weight x
    alignment_score`` times its 5-8 character plate-pattern score, so partial agreement
    counts: ``FB8R4T`` gains from every ``FB80R4T`` reading whose ``0`` is uncertain.
    """
    cands = [c for c in cands if c.plate and c.chars]
    if not cands:
        return None
    best: Candidate | None = None
    for hyp in {c.plate for c in cands}:
        s = sum(c.score * alignment_score(hyp, c.chars) for c in cands) * plate_pattern_score(hyp)
        if best is None or s > best.score:
            same = [c for c in cands if c.plate == hyp]
            top = max(same, key=lambda c: c.conf)
            best = Candidate(hyp, top.raw, float(np.mean([c.conf for c in same])), s, top.source, top.chars)
    return best


def plate_images(img: np.ndarray, box_xyxy, poly) -> tuple[list[str], list[np.ndarray], np.ndarray]:
    """The crops to OCR for one detected plate: (names, images, rectified plate)."""
    x1, y1, x2, y2 = [float(v) for v in box_xyxy]
    quads: list[tuple[str, np.ndarray]] = []
    q = quad_from_polygon(poly)
    if q is not None:
        quads.append(("mask", expand_quad(q, MASK_PX, 0.06)))
    quads.append(("box", expand_quad(quad_from_box(x1, y1, x2, y2), BOX_PX, 0.05)))
    images: list[np.ndarray] = []
    names: list[str] = []
    rectified = None
    for qn, qq in quads:
        plate = warp_quad(img, qq)
        if rectified is None:
            rectified = plate
        for vn, v in variants(plate):
            if v.size == 0 or v.shape[0] < 4 or v.shape[1] < 4:
                continue
            images.append(v)
            names.append(f"{qn}:{vn}")
    return names, images, rectified


def candidates(names: list[str], lines: list[OcrLine]) -> list[Candidate]:
    """One candidate per OCR'd crop; ``score`` is the crop-source weight."""
    cands = []
    for n, line in zip(names, lines, strict=False):
        chars = kept_chars(line)
        text = "".join(c.char for c in chars)
        conf = float(np.mean([c.prob for c in chars])) if chars else 0.0
        w = (1.0 if n.startswith("mask") else BOX_W) * (BAND_W if "band" in n else 1.0)
        cands.append(Candidate(text, line.text, conf, w, n, chars))
    return cands


def _confident_agreement(cands: list[Candidate]) -> bool:
    texts = {c.plate for c in cands}
    if len(cands) < 3 or len(texts) != 1:
        return False
    text = next(iter(texts))
    if not 5 <= len(text) <= 8:
        return False
    return min(ch.prob for c in cands for ch in c.chars) >= FIRST_PASS_MIN_PROB


def read_plate(img: np.ndarray, box_xyxy, poly, ocr: PlateOCR) -> tuple[Candidate | None, np.ndarray]:
    """Read one detected plate.  Returns the chosen candidate and the rectified crop.

    The :data:`FIRST_PASS` crops are read first; the rest only when those disagree or
    are unsure.
    """
    names, images, rectified = plate_images(img, box_xyxy, poly)
    first = [i for i, n in enumerate(names) if n in FIRST_PASS]
    rest = [i for i, n in enumerate(names) if n not in FIRST_PASS]
    cands = candidates([names[i] for i in first], ocr.read([images[i] for i in first]))
    if _confident_agreement(cands):
        return choose_aligned(cands), rectified
    cands += candidates([names[i] for i in rest], ocr.read([images[i] for i in rest]))
    return choose_aligned(cands), rectified
