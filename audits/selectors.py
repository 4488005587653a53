from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from audits.models import AuditEvent
from portal.models import City


def audit_events_for_city(
    *,
    city: City,
    event_type: str = "",
    outcome: str = "",
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> QuerySet[AuditEvent]:
    """One city's events, newest first. Another city's events are never part of the result."""
    events = AuditEvent.objects.filter(city=city).order_by("-sequence")
    if event_type:
        events = events.filter(event_type__startswith=event_type)
    if outcome:
        events = events.filter(outcome=outcome)
    if since:
        events = events.filter(occurred_at__date__gte=since)
    if until:
        events = events.filter(occurred_at__date__lte=until)
    return events
