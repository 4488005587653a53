"""Synthetic vehicle images for the recognition tests (generated, no files)."""

from __future__ import annotations

import cv2
import numpy as np


def render_plate(text: str = "ABC1234", width: int = 240) -> np.ndarray:
    """A US-style plate: white, dark border, state name on top, big black characters."""
    h = width // 2
    plate = np.full((h, width, 3), 245, dtype=np.uint8)
    cv2.rectangle(plate, (2, 2), (width - 3, h - 3), (40, 40, 40), 3)
    font = cv2.FONT_HERSHEY_SIMPLEX
    cv2.putText(
        plate,
        "CALIFORNIA",
        (int(width * 0.3), int(h * 0.22)),
        font,
        width / 600,
        (30, 30, 160),
        1,
        cv2.LINE_AA,
    )
    scale = width / 150.0
    thick = max(2, width // 60)
    (tw, th), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_DUPLEX, scale, thick)
    scale *= min(1.0, (width * 0.86) / tw)
    (tw, th), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_DUPLEX, scale, thick)
    org = ((width - tw) // 2, int(h * 0.5 + th / 2))
    cv2.putText(plate, text, org, cv2.FONT_HERSHEY_DUPLEX, scale, (20, 20, 20), thick, cv2.LINE_AA)
    return plate


def car_scene(
    text: str | None = "ABC1234",
    body_bgr: tuple[int, int, int] = (40, 40, 180),
    size: tuple[int, int] = (640, 960),
    plate_width: int = 200,
) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """A car rear on a grey road; returns (image, plate box x,y,w,h)."""
    H, W = size
    rng = np.random.default_rng(0)
    img = np.full((H, W, 3), 110, dtype=np.uint8)
    img[: H // 3] = (200, 180, 150)  # sky/building
    noise = rng.integers(-8, 8, size=img.shape, dtype=np.int16)
    img = np.clip(img.astype(np.int16) + noise, 0, 255).astype(np.uint8)
    cx = W // 2
    # body
    cv2.rectangle(img, (cx - 300, int(H * 0.30)), (cx + 300, int(H * 0.85)), body_bgr, -1)
    # rear window
    cv2.rectangle(img, (cx - 220, int(H * 0.20)), (cx + 220, int(H * 0.38)), (60, 50, 40), -1)
    cv2.rectangle(img, (cx - 300, int(H * 0.20)), (cx + 300, int(H * 0.30)), body_bgr, 12)
    # lights
    cv2.rectangle(img, (cx - 290, int(H * 0.45)), (cx - 210, int(H * 0.55)), (20, 20, 220), -1)
    cv2.rectangle(img, (cx + 210, int(H * 0.45)), (cx + 290, int(H * 0.55)), (20, 20, 220), -1)
    # bumper and wheels
    cv2.rectangle(img, (cx - 310, int(H * 0.78)), (cx + 310, int(H * 0.86)), (30, 30, 30), -1)
    cv2.rectangle(img, (cx - 280, int(H * 0.86)), (cx - 190, int(H * 0.95)), (15, 15, 15), -1)
    cv2.rectangle(img, (cx + 190, int(H * 0.86)), (cx + 280, int(H * 0.95)), (15, 15, 15), -1)
    box = (0, 0, 0, 0)
    if text:
        plate = render_plate(text, plate_width)
        ph, pw = plate.shape[:2]
        x, y = cx - pw // 2, int(H * 0.60)
        img[y : y + ph, x : x + pw] = plate
        box = (x, y, pw, ph)
    return img, box
