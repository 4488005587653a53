"""Error pages in the portal's layout (plain text for API and JSON callers)."""

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


def server_error(request):
    return _error(request, 500, "Something went wrong", "The error was logged. Nothing you sent was kept.")
