"""CSV downloads of the lists a person may see. Every export is an audit entry of its own."""

from __future__ import annotations

import csv
import decimal
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from audits.events import EventType
from audits.services import audit_record
from portal.models import City

MAX_ROWS = 50_000


def wants_csv(request: HttpRequest) -> bool:
    return request.GET.get("format") == "csv"


def safe_cell(value: object) -> object:
    """A cell a spreadsheet will not run as a formula: text starting with ``= + - @``, a tab or a
    carriage return gets a leading apostrophe; a number (``-122.25``) stays a number."""
    if isinstance(value, int | float | decimal.Decimal) and not isinstance(value, bool):
        return value
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


class _Writable(Protocol):
    def write(self, text: str, /) -> Any: ...


class SafeCsvWriter:
    """``csv.writer`` whose every cell goes through ``safe_cell``: the one writer of every CSV the
    portal serves (lists, reviews, the public tables), whose cells may hold text other people typed."""

    def __init__(self, stream: _Writable) -> None:
        self._writer = csv.writer(stream)

    def writerow(self, row: Iterable[object]) -> None:
        self._writer.writerow([safe_cell(cell) for cell in row])


def csv_response(
    request: HttpRequest,
    *,
    name: str,
    header: Sequence[str],
    rows: Iterable[Sequence[object]],
    city: City | None = None,
    filters: dict[str, Any] | None = None,
) -> HttpResponse:
    """Write ``rows`` as CSV, and record who exported what (in the city's log when there is one)."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    prefix = f"{city.slug}-" if city is not None else ""
    response["Content-Disposition"] = f'attachment; filename="{prefix}{name}-{stamp}.csv"'
    response["Cache-Control"] = "private, no-store"
    writer = SafeCsvWriter(response)
    writer.writerow(header)
    count = 0
    for row in rows:
        if count >= MAX_ROWS:
            break
        writer.writerow(row)
        count += 1
    if city is not None:
        audit_record(
            event_type=EventType.EXPORT_CSV,
            city=city,
            actor=request.user if request.user.is_authenticated else None,
            target_type="list",
            target_id=name,
            details={
                "list": name,
                "rows": count,
                "filters": {k: str(v) for k, v in (filters or {}).items() if v},
            },
            request=request,
        )
    return response
