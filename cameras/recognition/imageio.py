"""Image decoding helpers."""

from __future__ import annotations

import cv2
import numpy as np


class ImageDecodeError(ValueError):
    """Raised when bytes cannot be decoded into an image."""


def decode_image(data: bytes) -> np.ndarray:
    """Decode JPEG/PNG/... bytes into a BGR ``uint8`` array (H, W, 3).

    Raises :class:`ImageDecodeError` for empty or undecodable input.
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise ImageDecodeError(f"expected bytes, got {type(data).__name__}")
    if len(data) == 0:
        raise ImageDecodeError("empty image data")
    buf = np.frombuffer(bytes(data), dtype=np.uint8)
    img = cv2.imdecode(buf, cv2.IMREAD_COLOR)
    if img is None or img.size == 0:
        raise ImageDecodeError("could not decode image data (not a supported image format)")
    return img


def encode_jpeg(img: np.ndarray, quality: int = 90) -> bytes:
    ok, buf = cv2.imencode(".jpg", img, [int(cv2.IMWRITE_JPEG_QUALITY), int(quality)])
    if not ok:
        return b""
    return buf.tobytes()
