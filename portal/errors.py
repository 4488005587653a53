"""Error pages in the portal's layout (plain text for API and JSON callers)."""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render


def _wants_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/") or "application/json" in request.headers.get("Accept", "")


def _error(request: HttpRequest, status: int, title: str, message: str) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse({"detail": message}, status=status)
    return render(request, "error.html", {"title": title, "message": message}, status=status)


def bad_request(request, exception=None):
    return _error(request, 400, "Bad request", "The request could not be understood.")


def forbidden(request, exception=None):
    return _error(request, 403, "Not allowed", "Your role does not allow this.")


def not_found(request, exception=None):
    return _error(request, 404, "Not found", "There is nothing here, or it is not yours to see.")


def _database_unavailable() -> bool:
    error = sys.exc_info()[1]
    while error is not None:
        if isinstance(error, OperationalError | InterfaceError):
            return True
        error = error.__cause__ or error.__context__
    return False


UNAVAILABLE = "The database is unreachable for a moment. Nothing you sent was kept; try again shortly."


def server_error(request):
    if _database_unavailable():
        # 503, not 500: the request failed whole (its transaction never committed) and may be
        # retried. Rendered without the layout, which would need the database (the session).
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
