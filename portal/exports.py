"""CSV downloads of the lists a person may see. Every export is an audit entry of its own."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from audits.events import EventType
from audits.services import audit_record
from portal.models import City

MAX_ROWS = 50_000


def wants_csv(request: HttpRequest) -> bool:
    return request.GET.get("format") == "csv"


def _safe(value: object) -> str:
    """A cell a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


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
    writer = csv.writer(response)
    writer.writerow(header)
    count = 0
    for row in rows:
        if count >= MAX_ROWS:
            break
        writer.writerow([_safe(cell) for cell in row])
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
