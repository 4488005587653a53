"""Checks on uploaded images before anything is stored: size, magic bytes, pixel count, decoding."""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.http import FileResponse, Http404
from PIL import Image, UnidentifiedImageError

from cameras.models import private_storage

JPEG_MAGIC = b"\xff\xd8\xff"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


class ImageRejected(ValueError):
    """An upload that is not a usable image. ``status`` is the HTTP status to answer with."""

    def __init__(self, message: str, *, code: str, status: int = 400):
        super().__init__(message)
        self.code = code
        self.status = status


@dataclass(frozen=True)
class CheckedImage:
    data: bytes
    content_type: str
    extension: str
    width: int
    height: int
    sha256: str


def sniff_type(data: bytes) -> tuple[str, str] | None:
    """The real type from the first bytes, whatever the upload declared."""
    if data.startswith(JPEG_MAGIC):
        return "image/jpeg", "jpg"
    if data.startswith(PNG_MAGIC):
        return "image/png", "png"
    return None


def check_image(data: bytes, *, max_bytes: int | None = None, max_pixels: int | None = None) -> CheckedImage:
    """Accept a JPEG or PNG that decodes completely and stays within the size and pixel caps."""
    max_bytes = max_bytes or settings.STEWARD_MAX_FRAME_BYTES
    max_pixels = max_pixels or settings.STEWARD_MAX_FRAME_PIXELS
    if not data:
        raise ImageRejected("The image is empty.", code="empty")
    if len(data) > max_bytes:
        raise ImageRejected(
            f"The image is {len(data)} bytes; the limit is {max_bytes} bytes.", code="too_large", status=413
        )
    sniffed = sniff_type(data)
    if sniffed is None:
        raise ImageRejected("Only JPEG and PNG images are accepted.", code="unsupported_type", status=415)
    content_type, extension = sniffed
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                width, height = probe.size
                if width * height > max_pixels:
                    raise ImageRejected(
                        f"The image is {width}x{height} pixels; the limit is {max_pixels} pixels.",
                        code="too_many_pixels",
                        status=413,
                    )
                probe.load()  # decodes every byte: a truncated or corrupt image fails here
    except ImageRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise ImageRejected(
            "The image is too large to decode.", code="too_many_pixels", status=413
        ) from error
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise ImageRejected(f"The image could not be decoded ({error}).", code="undecodable") from error
    return CheckedImage(
        data=data,
        content_type=content_type,
        extension=extension,
        width=width,
        height=height,
        sha256=hashlib.sha256(data).hexdigest(),
    )


def private_image_response(field, content_type: str):
    """A private image (a frame, a plate crop) as a response nobody caches; 404 when it is gone."""
    if not field:
        raise Http404("No image.")
    try:
        handle = private_storage().open(field.name, "rb")
    except FileNotFoundError as error:
        raise Http404("The image has been deleted.") from error
    response = FileResponse(handle, content_type=content_type)
    response["Cache-Control"] = "private, no-store"
    # An image, never a page: nothing may run in it. The browser's own viewer styles the image
    # inline, which the site-wide policy (no inline style) would otherwise refuse.
    response["Content-Security-Policy"] = (
        "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"
    )
    return response


def crop_content_type(field) -> str:
    return "image/png" if field.name.endswith(".png") else "image/jpeg"
