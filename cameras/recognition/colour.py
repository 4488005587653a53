"""Vehicle colour estimate from the body panel around a plate (OpenCV HSV)."""

from __future__ import annotations

import cv2
import numpy as np

COLOURS = (
    "white",
    "black",
    "grey",
    "silver",
    "red",
    "blue",
    "green",
    "yellow",
    "brown",
    "orange",
    "unknown",
)


def _pixel_labels(hsv: np.ndarray) -> np.ndarray:
    """Label every pixel of an HSV image (OpenCV ranges: H 0-179, S/V 0-255)."""
    h = hsv[..., 0].astype(np.int32)
    s = hsv[..., 1].astype(np.int32)
    v = hsv[..., 2].astype(np.int32)
    labels = np.full(h.shape, "unknown", dtype=object)
    chroma = (s >= 70) & (v >= 50)
    low_sat = ~chroma
    labels[low_sat & (v < 55)] = "black"
    labels[low_sat & (v >= 55) & (v < 130)] = "grey"
    labels[low_sat & (v >= 130) & (v < 195)] = "silver"
    labels[low_sat & (v >= 195)] = "white"
    # dark but somewhat saturated -> black
    labels[(s >= 70) & (v < 50)] = "black"
    red = chroma & ((h < 8) | (h >= 165))
    orange = chroma & (h >= 8) & (h < 20)
    yellow = chroma & (h >= 20) & (h < 35)
    green = chroma & (h >= 35) & (h < 88)
    blue = chroma & (h >= 88) & (h < 135)
    purple = chroma & (h >= 135) & (h < 165)
    labels[red] = "red"
    labels[orange] = "orange"
    labels[yellow] = "yellow"
    labels[green] = "green"
    labels[blue] = "blue"
    labels[purple] = "red"
    # desaturated / darker warm hues look brown or beige
    brownish = (h >= 5) & (h < 30) & (s >= 40) & ((v < 150) | (s < 110)) & (v >= 45)
    labels[brownish] = "brown"
    return labels


def classify_colour(patch_bgr: np.ndarray, min_fraction: float = 0.3) -> str:
    """Dominant colour name of a BGR patch, or ``"unknown"``."""
    if patch_bgr is None or patch_bgr.size == 0:
        return "unknown"
    patch = cv2.GaussianBlur(patch_bgr, (5, 5), 0) if min(patch_bgr.shape[:2]) >= 5 else patch_bgr
    hsv = cv2.cvtColor(patch, cv2.COLOR_BGR2HSV)
    labels = _pixel_labels(hsv).ravel()
    names, counts = np.unique(labels, return_counts=True)
    order = np.argsort(-counts)
    for i in order:
        if names[i] == "unknown":
            continue
        if counts[i] / labels.size >= min_fraction:
            return str(names[i])
        break
    return "unknown"


def vehicle_colour(image_bgr: np.ndarray, box: tuple[int, int, int, int]) -> str:
    """Colour of the vehicle body around a plate box ``(x, y, w, h)``.

    Samples the panel above the plate (boot lid / bumper) and beside it,
    avoiding the plate itself.
    """
    H, W = image_bgr.shape[:2]
    x, y, w, h = box
    regions = []
    # above the plate: 2.5 plate widths wide, from 3 plate heights above to just above
    x0, x1 = int(x - 0.75 * w), int(x + 1.75 * w)
    y0, y1 = int(y - 3.0 * h), int(y - 0.4 * h)
    regions.append((max(0, x0), max(0, y0), min(W, x1), min(H, y1)))
    # left and right of the plate
    regions.append((max(0, int(x - 1.2 * w)), max(0, y), max(0, int(x - 0.2 * w)), min(H, y + h)))
    regions.append((min(W, int(x + 1.2 * w)), max(0, y), min(W, int(x + 2.2 * w)), min(H, y + h)))
    patches = [image_bgr[b:d, a:c] for a, b, c, d in regions if c - a >= 3 and d - b >= 3]
    if not patches:
        return "unknown"
    pix = np.concatenate([p.reshape(-1, 3) for p in patches], axis=0)[None, :, :]
    return classify_colour(pix)
