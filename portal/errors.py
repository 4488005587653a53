"""Error pages in the portal's layout (JSON for API and JSON callers). Never a debug page."""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string

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


def _error(request: HttpRequest, status: int, title: str, message: str) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse({"detail": message}, status=status)
    back_url, back_label = _where_to_go(request)
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
