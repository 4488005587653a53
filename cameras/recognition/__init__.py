"""Licence plate recognition for Steward (pure Python; no Django imports).

>>> from cameras.recognition import PlateRecognizer, RecognizerConfig
>>> readings = PlateRecognizer(RecognizerConfig()).recognize(image_bgr)
"""

from .colour import COLOURS, classify_colour, vehicle_colour
from .config import RecognizerConfig
from .imageio import ImageDecodeError, decode_image, encode_jpeg
from .recognizer import PlateReading, PlateRecognizer, get_recognizer
from .text import normalize_plate

__all__ = [
    "COLOURS",
    "ImageDecodeError",
    "PlateReading",
    "PlateRecognizer",
    "RecognizerConfig",
    "classify_colour",
    "decode_image",
    "encode_jpeg",
    "get_recognizer",
    "normalize_plate",
    "vehicle_colour",
]
