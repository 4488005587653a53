"""Portal pages: sign-in, the public index of cities, each city's home page, health."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm, SetPasswordForm
from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.views.decorators.cache import never_cache

from audits.events import EventType
from audits.models import AuditEvent, Outcome
from audits.services import audit_record
from cameras.models import Camera
from portal.access import CITY_STAFF, PUBLIC, SIGNED_IN, access
from portal.http import CityRequest, SignedInRequest
from portal.labels import offense_label
from portal.live import sockets_close_for_session
from portal.maps import camera_points, map_context
from portal.models import City, User
from portal.services import user_access_changed
from sharing.selectors import (
    agency_receives_alerts,
    agreements_in_effect_for_agency,
    holds_awaiting_agency_supervisor,
)


@access(PUBLIC)
class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True


@access(PUBLIC)
class PasswordResetView(auth_views.PasswordResetView):
    """Ask for a reset link by email. The answer is the same whether the address is known or not;
    the audit log records the request and how many accounts it reached."""

    template_name = "registration/password_reset_form.html"
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"
    success_url = reverse_lazy("password_reset_done")

    def form_valid(self, form: PasswordResetForm) -> HttpResponse:
        response = super().form_valid(form)
        users = list(form.get_users(form.cleaned_data["email"]))
        for user in users:
            audit_record(
                event_type=EventType.AUTH_PASSWORD_RESET_REQUESTED,
                city=user.city,
                actor=None,
                target_type="user",
                target_id=str(user.public_id),
                request=self.request,
            )
        if not users:
            audit_record(
                event_type=EventType.AUTH_PASSWORD_RESET_REQUESTED,
                details={"accounts": 0},
                outcome=Outcome.FAILURE,
                request=self.request,
            )
        return response


@access(PUBLIC)
class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "registration/password_reset_done.html"


@access(PUBLIC)
class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "registration/password_reset_confirm.html"
    success_url = reverse_lazy("password_reset_complete")

    def form_valid(self, form: SetPasswordForm[User]) -> HttpResponse:
        with transaction.atomic():
            response = super().form_valid(form)
            user = form.user
            audit_record(
                event_type=EventType.AUTH_PASSWORD_RESET,
                city=user.city,
                actor=user,
                target_type="user",
                target_id=str(user.public_id),
                request=self.request,
            )
            user_access_changed(user=user, by=user, changed=["password"], request=self.request)
        return response


@access(PUBLIC)
class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "registration/password_reset_complete.html"


@access(SIGNED_IN)
class LogoutView(auth_views.LogoutView):
    http_method_names = ["post", "options"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        session_key = request.session.session_key
        response = super().post(request, *args, **kwargs)
        # Signing out ends this session's sockets at once, not at their next message.
        sockets_close_for_session(session_key=session_key, reason="signed out")
        return response


@access(PUBLIC)
def city_index(request: HttpRequest) -> HttpResponse:
    cities = City.objects.order_by("name")
    return render(request, "portal/city_index.html", {"cities": cities})


@access(SIGNED_IN)
def home(request: SignedInRequest) -> HttpResponse:
    """Where a signed-in person lands: their city, or the partner page."""
    user = request.user
    if user.city is not None:
        return redirect("city_home", city_slug=user.city.slug)
    agency = user.agency
    agreements = agreements_in_effect_for_agency(agency=agency) if agency is not None else []
    rows = [
        {
            "agreement": agreement,
            "offense_labels": [offense_label(c) for c in agreement.permitted_offense_types or []],
        }
        for agreement in agreements
    ]
    receives_alerts = agency is not None and agency_receives_alerts(agency=agency)
    context = {
        "agency": agency,
        "agreements": rows,
        "receives_alerts": receives_alerts,
        "supervises": user.is_agency_supervisor,
        "holds_awaiting": holds_awaiting_agency_supervisor(user=user),
    }
    return render(request, "portal/partner_home.html", context)


@access(CITY_STAFF)
def city_home(request: CityRequest, city_slug: str) -> HttpResponse:
    """Each role's dashboard: what waits on them, 30 days of activity, the cameras on a map."""
    from portal.dashboard import activity_series, attention_for
    from portal.navigation import may_open

    city = request.city
    cameras = list(Camera.objects.select_related("city").order_by("name"))
    may_see_cameras = may_open(request, f"/c/{city.slug}/cameras/00000000-0000-0000-0000-000000000000/")
    context = {
        "city": city,
        "attention": attention_for(city=city, user=request.user),
        "activity": activity_series(city),
        "camera_count": len(cameras),
        "cameras": cameras[:10],
        "recent_events": AuditEvent.objects.filter(city=city).order_by("-sequence")[:5]
        if request.user.role in ("chief", "auditor")
        else None,
        **map_context(camera_points(cameras, link=may_see_cameras)),
    }
    return render(request, "portal/city_home.html", context)


def _check_database() -> dict[str, Any]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return {"ok": True, "engine": connection.vendor}
    except Exception as error:  # noqa: BLE001 - health reports any failure as data
        return {"ok": False, "engine": connection.vendor, "error": type(error).__name__}


def _check_redis() -> dict[str, Any]:
    if not settings.REDIS_URL:
        return {"ok": True, "mode": "embedded (in-memory channel layer, eager Celery)"}
    import redis

    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
        client.ping()
        return {"ok": True}
    except redis.RedisError as error:
        return {"ok": False, "error": type(error).__name__}


def _check_celery(redis_ok: bool) -> dict[str, Any]:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {"ok": True, "mode": "eager"}
    if not redis_ok:
        return {"ok": False, "workers": 0, "error": "broker unreachable"}
    from portal.celery import app

    try:
        replies = app.control.ping(timeout=1.0) or []
    except Exception as error:  # noqa: BLE001
        return {"ok": False, "workers": 0, "error": type(error).__name__}
    return {"ok": bool(replies), "workers": len(replies)}


@never_cache
@access(PUBLIC)
def healthz(request: HttpRequest) -> JsonResponse:
    """Reachability of the database, Redis and Celery workers. 503 when a store is down."""
    database = _check_database()
    redis_state = _check_redis()
    celery_state = _check_celery(redis_state["ok"])
    stores_ok = database["ok"] and redis_state["ok"]
    status = "ok" if stores_ok and celery_state["ok"] else ("degraded" if stores_ok else "down")
    return JsonResponse(
        {"status": status, "database": database, "redis": redis_state, "celery": celery_state},
        status=200 if stores_ok else 503,
    )
