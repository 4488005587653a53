"""Hostile input: bounds that every form, API and import share.

- A date and time must lie in a sane range (``EARLIEST``..``LATEST``) and be convertible to UTC:
  ``9999-12-31T23:59:59-14:00`` is past the last moment Python can hold in UTC and raised
  ``OverflowError`` (a 500) where the value was first compared or stored.
- A JSON body has a size and a nesting limit (``BoundedJSONParser``): deeply nested JSON raised
  ``RecursionError`` inside the decoder.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from typing import IO, Any, NoReturn

from django import forms
from django.conf import settings
from rest_framework import serializers
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

EARLIEST = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
LATEST = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)
RANGE_MESSAGE = "Enter a date between 2000-01-01 and 2099-12-31."


def moment_problem(value: dt.datetime) -> str:
    """Why ``value`` (aware or naive UTC) is not a usable moment, or "" when it is."""
    try:
        utc = value.astimezone(dt.UTC) if value.tzinfo else value.replace(tzinfo=dt.UTC)
    except (OverflowError, ValueError):
        return RANGE_MESSAGE
    if not EARLIEST <= utc < LATEST:
        return RANGE_MESSAGE
    return ""


def sane_moment(value: dt.datetime | None) -> dt.datetime | None:
    """``value`` in UTC, or ``ValueError`` when it is outside the sane range."""
    if value is None:
        return None
    problem = moment_problem(value)
    if problem:
        raise ValueError(problem)
    return value.astimezone(dt.UTC) if value.tzinfo else value.replace(tzinfo=dt.UTC)


class SaneDateTimeField(forms.DateTimeField):
    """A form date and time in the sane range; anything else is a field error, never a 500."""

    def to_python(self, value: Any) -> dt.datetime | None:
        try:
            moment = super().to_python(value)
        except (OverflowError, ValueError) as error:
            raise forms.ValidationError(RANGE_MESSAGE, code="invalid") from error
        if moment is not None and moment_problem(moment):
            raise forms.ValidationError(RANGE_MESSAGE, code="out_of_range")
        return moment


class SaneDateField(forms.DateField):
    """A form date from 2000-01-01 to 2099-12-31: an agreement "until 9999-12-31", an operation
    from year 1 or a review filter of 0001-01-01 is a field error, not a row that breaks later."""

    def to_python(self, value: Any) -> dt.date | None:
        day = super().to_python(value)
        if day is not None and not EARLIEST.date() <= day < LATEST.date():
            raise forms.ValidationError(RANGE_MESSAGE, code="out_of_range")
        return day


class SaneDateTimeSerializerField(serializers.DateTimeField):
    """A DRF date and time in the sane range (400 with the field's message otherwise)."""

    default_error_messages = {"out_of_range": RANGE_MESSAGE, "overflow": RANGE_MESSAGE}

    def to_internal_value(self, value: Any) -> dt.datetime:
        try:
            moment = super().to_internal_value(value)
        except (OverflowError, ValueError):
            self.fail("out_of_range")
        if moment_problem(moment):
            self.fail("out_of_range")
        return moment


def json_depth_exceeds(value: Any, limit: int) -> bool:
    """Whether ``value`` nests deeper than ``limit`` (iterative: no recursion of our own)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children: Iterable[Any]
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


class JsonRefused(ValueError):
    """JSON text over the size or depth limit, or not JSON; the message says which."""


def bounded_json_loads(text: str) -> Any:
    """``json.loads`` within ``STEWARD_MAX_JSON_BYTES`` and ``STEWARD_MAX_JSON_DEPTH``, without
    NaN or Infinity: the one decoder of JSON a caller sends, in a body or in a form field."""
    limit = settings.STEWARD_MAX_JSON_BYTES
    depth = settings.STEWARD_MAX_JSON_DEPTH
    if len(text) > limit:
        raise JsonRefused(f"The JSON is larger than {limit} bytes.")
    try:
        data = json.loads(text, parse_constant=_refuse_constant)
    except RecursionError as error:
        raise JsonRefused(f"The JSON nests deeper than {depth} levels.") from error
    except ValueError as error:
        raise JsonRefused(f"The body is not valid JSON: {error}") from error
    if json_depth_exceeds(data, depth):
        raise JsonRefused(f"The JSON nests deeper than {depth} levels.")
    return data


class BoundedJSONParser(JSONParser):
    """JSON with a size limit (``STEWARD_MAX_JSON_BYTES``) and a depth limit
    (``STEWARD_MAX_JSON_DEPTH``); a body over either is a 400 with what to fix."""

    def parse(
        self,
        stream: IO[Any] | None,
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        limit = settings.STEWARD_MAX_JSON_BYTES
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise ParseError(f"The JSON body is larger than {limit} bytes.")
        try:
            return bounded_json_loads(raw.decode(encoding))
        except UnicodeDecodeError as error:
            raise ParseError(f"The body is not valid JSON: {error}") from error
        except JsonRefused as error:
            raise ParseError(str(error).replace("The JSON ", "The JSON body ")) from error


def _refuse_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not a JSON number")
