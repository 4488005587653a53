"""Every refusal, at any layer, is one audit entry in the city whose data was asked for.

The access middleware and DRF permission (``portal.access``), the API's input errors
(``portal.apis.exception_handler``), the search form and the sockets call ``refusal_record``. Any
other 4xx answer under a city's URL (a form's 400, another city's object as a 404, a wrong method's
405, a failed CSRF check) is recorded once by ``portal.access.AccessRuleMiddleware``, with the
rule its status names (``RULES_BY_STATUS``), unless the request recorded a refusal already.
An entry holds the rule that refused, the path (never its query string nor the body: a refused
request's input is untrusted and may hold anything), the method, the channel, the user and agency
and the client address.

A refusal with no city (an unknown slug) has no chain to go to and is not recorded. Refusals of
callers who are not signed in are recorded at most once per city, client address and rule per
``ANONYMOUS_WINDOW_SECONDS``, so that an unauthenticated flood cannot grow the log without bound.
"""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest

from audits.events import EventType
from audits.models import Outcome
from audits.services import audit_record, client_address_of, refusal_noted
from portal.models import City, User

ANONYMOUS_WINDOW_SECONDS = 60
PATH_LIMIT = 200


def _anonymous_first_in_window(*, city: City, address: str | None, rule: str) -> bool:
    key = f"steward:refusal:{city.pk}:{address or '-'}:{rule}"
    return bool(cache.add(key, 1, timeout=ANONYMOUS_WINDOW_SECONDS))


def refusal_record(
    *,
    city: City | None,
    rule: str,
    via: str,
    status: int,
    user: User | None = None,
    path: str = "",
    method: str = "",
    request: HttpRequest | None = None,
    target_type: str = "",
    target_id: str = "",
    extra: dict[str, Any] | None = None,
    client_address: str | None = None,
) -> bool:
    """Record one refusal in ``city``'s audit log; returns whether an entry was written.

    Runs in its own transaction when the caller has none, so the entry stands whatever the request
    does next (a refused request changes nothing else).
    """
    if city is None:
        return False
    refusal_noted(rule)  # recorded below, or already once in this window: either way accounted for
    if request is not None:
        path = path or request.path
        method = method or request.method or ""
        user = user if user is not None else getattr(request, "user", None)
    address = client_address or client_address_of(request)
    actor = user if user is not None and user.is_authenticated else None
    if actor is None and not _anonymous_first_in_window(city=city, address=address, rule=rule):
        return False
    details: dict[str, Any] = {
        "path": path[:PATH_LIMIT],
        "method": method[:10],
        "via": via,
        "status": status,
        "rule": rule,
        **(extra or {}),
    }
    with transaction.atomic():
        audit_record(
            event_type=EventType.ACCESS_REFUSED,
            city=city,
            actor=actor,
            agency=actor.agency if actor is not None and actor.agency_id else None,
            target_type=target_type,
            target_id=target_id,
            details=details,
            outcome=Outcome.DENIED,
            request=request,
            client_address=address,
        )
    return True
