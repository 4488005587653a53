"""Staff pages for cameras: list, detail with recent reads, key management, private images."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from audits.services import audit_record
from cameras import selectors, services
from cameras.forms import CameraForm
from cameras.models import Camera, private_storage
from portal.access import CITY_STAFF, access, city_roles
from portal.roles import Role

MANAGERS = city_roles(Role.CHIEF, Role.CLERK)
READ_VIEWERS = city_roles(Role.CHIEF, Role.CLERK, Role.OFFICER, Role.DISPATCHER)


@access(CITY_STAFF)
def camera_list(request: HttpRequest, city_slug: str) -> HttpResponse:
    can_manage = request.user.role in (Role.CHIEF, Role.CLERK)
    form = CameraForm(city=request.city) if can_manage else None
    return render(
        request,
        "cameras/camera_list.html",
        {
            "city": request.city,
            "cameras": Camera.objects.order_by("name"),
            "form": form,
            "can_manage": can_manage,
        },
    )


@access(MANAGERS)
@require_POST
def camera_create(request: HttpRequest, city_slug: str) -> HttpResponse:
    form = CameraForm(request.POST, city=request.city)
    if not form.is_valid():
        context = {
            "city": request.city,
            "cameras": Camera.objects.order_by("name"),
            "form": form,
            "can_manage": True,
        }
        return render(request, "cameras/camera_list.html", context, status=400)
    camera, key = services.camera_create(
        city=request.city, by=request.user, request=request, **form.cleaned_data
    )
    return render(request, "cameras/camera_key.html", {"city": request.city, "camera": camera, "key": key})


@access(READ_VIEWERS)
def camera_detail(request: HttpRequest, city_slug: str, camera_id) -> HttpResponse:
    camera = selectors.get_camera(public_id=camera_id)
    reads = list(selectors.recent_reads(camera=camera))
    audit_record(
        event_type="reads.viewed",
        city=request.city,
        actor=request.user,
        target_type="camera",
        target_id=str(camera.public_id),
        details={"view": "camera_detail", "reads_shown": len(reads)},
        request=request,
    )
    context = {
        "city": request.city,
        "camera": camera,
        "reads": reads,
        "frames": selectors.frame_counts(camera=camera),
        "can_manage": request.user.role in (Role.CHIEF, Role.CLERK),
    }
    return render(request, "cameras/camera_detail.html", context)


@access(MANAGERS)
@require_POST
def camera_key_rotate(request: HttpRequest, city_slug: str, camera_id) -> HttpResponse:
    camera = selectors.get_camera(public_id=camera_id)
    key = services.camera_rotate_key(camera=camera, by=request.user, request=request)
    return render(request, "cameras/camera_key.html", {"city": request.city, "camera": camera, "key": key})


@access(MANAGERS)
@require_POST
def camera_key_revoke(request: HttpRequest, city_slug: str, camera_id) -> HttpResponse:
    camera = selectors.get_camera(public_id=camera_id)
    services.camera_revoke_key(camera=camera, by=request.user, request=request)
    return redirect("camera_detail", city_slug=city_slug, camera_id=camera.public_id)


def _private_file(field, content_type: str) -> FileResponse:
    if not field:
        raise Http404("No image.")
    try:
        handle = private_storage().open(field.name, "rb")
    except FileNotFoundError as error:
        raise Http404("The image has been deleted.") from error
    response = FileResponse(handle, content_type=content_type)
    response["Cache-Control"] = "private, no-store"
    return response


@access(READ_VIEWERS)
def read_crop(request: HttpRequest, city_slug: str, read_id) -> FileResponse:
    read = selectors.get_read(public_id=read_id)
    return _private_file(read.crop, "image/png" if read.crop.name.endswith(".png") else "image/jpeg")


@access(READ_VIEWERS)
def frame_image(request: HttpRequest, city_slug: str, frame_id) -> FileResponse:
    frame = selectors.get_frame(public_id=frame_id)
    return _private_file(frame.image, frame.content_type)
