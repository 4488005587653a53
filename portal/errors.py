"""Error pages in the portal's layout (JSON for API and JSON callers). Never a debug page."""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string

from audits.refusals import refusal_record
from portal.models import User


def _wants_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/") or "application/json" in request.headers.get("Accept", "")


def _where_to_go(request: HttpRequest) -> tuple[str, str]:
    user = getattr(request, "user", None)
    if isinstance(user, User) and user.is_authenticated:
        if user.city is not None:
            return f"/c/{user.city.slug}/", f"Back to {user.city.name}'s dashboard"
        return "/home/", "Back to your agency's page"
    return "/", "Back to the list of cities"


def _error(
    request: HttpRequest, status: int, title: str, message: str, back: tuple[str, str] | None = None
) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse({"detail": message}, status=status)
    back_url, back_label = back or _where_to_go(request)
    context = {
        "title": title,
        "message": message,
        "status": status,
        "back_url": back_url,
        "back_label": back_label,
        "user": getattr(request, "user", None),
        "request": request,
    }
    try:
        body = render_to_string("error.html", context, request=request)
    except Exception:  # noqa: BLE001 - an error page must render even when context processors fail
        body = render_to_string("error.html", context)
    return HttpResponse(body, status=status)


REFUSED_TITLES = {400: "Not done: something is missing", 403: "Refused", 409: "Not possible now"}


def refused_action(
    request: HttpRequest, *, status: int, message: str, back_url: str, back_label: str
) -> HttpResponse:
    """A refused action of a page's form (400 input, 403 policy, 409 state) as the portal's page:
    what was wrong, that nothing changed, and the way back to the page it came from.

    ``portal.access.AccessRuleMiddleware`` records it in the city's audit log unless it was."""
    text = message.rstrip()
    if "Nothing was changed" not in text:
        text = f"{text}{'' if text.endswith('.') else '.'} Nothing was changed."
    return _error(request, status, REFUSED_TITLES.get(status, "Refused"), text, (back_url, back_label))


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 400, "Bad request", "The request could not be understood. Nothing was changed.")


def forbidden(
    request: HttpRequest, exception: Exception | None = None, message: str | None = None
) -> HttpResponse:
    user = getattr(request, "user", None)
    if message is None:
        role = user.get_role_display() if isinstance(user, User) and user.role else ""
        message = (
            f"This page is not open to your role ({role.lower()}). Nothing was changed."
            if role
            else "This page is not open to you. Nothing was changed."
        )
    return _error(request, 403, "Not allowed", message)


RULE_CSRF_FAILED = "request.csrf_failed"
CSRF_MESSAGE = (
    "The form had expired or came from another site, so it was not sent. Nothing was changed: "
    "reload the page and try again."
)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """``CSRF_FAILURE_VIEW``: the portal's 403 (not Django's bare page), recorded as a refusal."""
    refusal_record(
        city=getattr(request, "city", None),
        rule=RULE_CSRF_FAILED,
        via="api" if request.path.startswith("/api/") else "web",
        status=403,
        request=request,
    )
    return forbidden(request, message=CSRF_MESSAGE)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 404, "Not found", "There is nothing here, or it is not yours to see.")


def _database_unavailable() -> bool:
    error = sys.exc_info()[1]
    while error is not None:
        if isinstance(error, OperationalError | InterfaceError):
            return True
        error = error.__cause__ or error.__context__
    return False


UNAVAILABLE = "The database is unreachable for a moment. Nothing you sent was kept; try again shortly."


def server_error(request: HttpRequest) -> HttpResponse:
    if _database_unavailable():
        # 503, not 500: the request failed whole (its transaction never committed) and may be
        # retried. Rendered without the layout, which would need the database (the session).
        response: HttpResponse
        if _wants_json(request):
            response = JsonResponse({"detail": UNAVAILABLE}, status=503)
        else:
            response = HttpResponse(
                f"<!doctype html><title>Unavailable</title><h1>Unavailable</h1><p>{UNAVAILABLE}</p>",
                status=503,
            )
        response["Retry-After"] = "5"
        return response
    return _error(request, 500, "Something went wrong", "The error was logged. Nothing you sent was kept.")
