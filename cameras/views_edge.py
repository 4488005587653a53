"""Staff pages for a camera's edge device: its secret webhook URL and its health settings."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from cameras import selectors, services
from cameras.apis_devices import DEVICE_APIS
from cameras.forms import CameraHealthSettingsForm
from portal.access import access, city_roles
from portal.errors import refused_action
from portal.roles import Role

MANAGERS = city_roles(Role.CHIEF, Role.CLERK)

DEVICE_LABELS = {
    "openalpr": "OpenALPR / Rekor Scout agent",
    "platerecognizer-stream": "Plate Recognizer Stream",
    "platerecognizer-snapshot": "Plate Recognizer Snapshot",
    "axis-lpv": "AXIS License Plate Verifier",
}


def device_urls(request: HttpRequest, camera, token: str | None = None) -> list[tuple[str, str]]:
    """``(label, absolute URL)`` for each device format, with the token when one is given."""
    rows = []
    for device_format in DEVICE_APIS:
        name = "api_device_" + device_format.replace("-", "_")
        kwargs = {"city_slug": camera.city.slug, "camera_id": camera.public_id}
        if token is not None:
            name, kwargs = f"{name}_token", {**kwargs, "token": token}
        rows.append((DEVICE_LABELS[device_format], request.build_absolute_uri(reverse(name, kwargs=kwargs))))
    return rows


def camera_health_context(request: HttpRequest, camera) -> dict:
    """What the camera page shows about the camera's health and its device endpoints."""
    edge = selectors.camera_edge_or_none(camera)
    return {
        "health": camera.health_status(),
        "health_reason": services.camera_health_reason(camera),
        "edge": edge,
        "history": selectors.camera_health_history(camera=camera),
        "device_urls": device_urls(request, camera),
        "health_form": CameraHealthSettingsForm(
            initial={
                "expected_gap_minutes": edge.expected_gap_minutes if edge else 30,
                "email_clerks_when_silent": edge.email_clerks_when_silent if edge else True,
            }
        ),
    }


@access(MANAGERS)
@require_POST
def camera_webhook_issue(request: HttpRequest, city_slug: str, camera_id) -> HttpResponse:
    camera = selectors.get_camera(public_id=camera_id)
    token = services.camera_webhook_token_issue(camera=camera, by=request.user, request=request)
    context = {"city": request.city, "camera": camera, "urls": device_urls(request, camera, token)}
    return render(request, "cameras/camera_webhook.html", context)


@access(MANAGERS)
@require_POST
def camera_webhook_revoke(request: HttpRequest, city_slug: str, camera_id) -> HttpResponse:
    camera = selectors.get_camera(public_id=camera_id)
    services.camera_webhook_token_revoke(camera=camera, by=request.user, request=request)
    messages.success(request, "The webhook URL no longer works.")
    return redirect("camera_detail", city_slug=city_slug, camera_id=camera.public_id)


@access(MANAGERS)
@require_POST
def camera_health_settings(request: HttpRequest, city_slug: str, camera_id) -> HttpResponse:
    camera = selectors.get_camera(public_id=camera_id)
    form = CameraHealthSettingsForm(request.POST)
    if not form.is_valid():
        return refused_action(
            request,
            status=400,
            message="; ".join(error for errors in form.errors.values() for error in errors),
            back_url=reverse("camera_detail", kwargs={"city_slug": city_slug, "camera_id": camera.public_id}),
            back_label="Back to the camera",
        )
    services.camera_health_settings_set(camera=camera, by=request.user, request=request, **form.cleaned_data)
    messages.success(request, "Health settings saved.")
    return redirect("camera_detail", city_slug=city_slug, camera_id=camera.public_id)
