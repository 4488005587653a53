"""Error pages in the portal's layout (JSON for API and JSON callers). Never a debug page."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string


def _wants_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/") or "application/json" in request.headers.get("Accept", "")


def _where_to_go(request: HttpRequest) -> tuple[str, str]:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        if user.city_id:
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


def bad_request(request, exception=None):
    return _error(request, 400, "Bad request", "The request could not be understood. Nothing was changed.")


def forbidden(request, exception=None, message=None):
    user = getattr(request, "user", None)
    if message is None:
        role = user.get_role_display() if user is not None and getattr(user, "role", "") else ""
        message = (
            f"This page is not open to your role ({role.lower()}). Nothing was changed."
            if role
            else "This page is not open to you. Nothing was changed."
        )
    return _error(request, 403, "Not allowed", message)


def not_found(request, exception=None):
    return _error(request, 404, "Not found", "There is nothing here, or it is not yours to see.")


def server_error(request):
    return _error(request, 500, "Something went wrong", "The error was logged. Nothing you sent was kept.")
