"""Staff pages for cameras: list, detail with recent reads, key management, private images."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_POST

from audits.refusals import refusal_record
from cameras import selectors, services
from cameras.forms import CameraForm, DispositionForm, HotlistEntryForm, HotlistForm, HotlistImportForm
from cameras.images import crop_content_type, private_image_response
from cameras.models import Camera, Hotlist
from cameras.views_edge import camera_health_context
from portal.access import CITY_STAFF, access, city_roles
from portal.roles import HIT_HANDLER_ROLES, MANAGER_ROLES, OPERATIONS_ROLES

MANAGERS = city_roles(*MANAGER_ROLES)
CAMERA_VIEWERS = city_roles(*OPERATIONS_ROLES)
HIT_HANDLERS = city_roles(*HIT_HANDLER_ROLES)
RULE_NOT_HOTLIST_MANAGER = "object.not_hotlist_manager"


@access(CITY_STAFF)
def camera_list(request: HttpRequest, city_slug: str) -> HttpResponse:
    can_manage = request.user.role in MANAGER_ROLES
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
    return _secret_page(
        render(request, "cameras/camera_key.html", {"city": request.city, "camera": camera, "key": key})
    )


def _secret_page(response: HttpResponse) -> HttpResponse:
    """A page that shows a secret once (a camera key): never kept by a browser or a proxy."""
    add_never_cache_headers(response)
    response["Cache-Control"] = "no-store, no-cache, must-revalidate, private, max-age=0"
    response["Pragma"] = "no-cache"
    return response


@access(CAMERA_VIEWERS)
def camera_detail(request: HttpRequest, city_slug: str, camera_id) -> HttpResponse:
    """A camera's health and activity as counts: plates are reached only through a search."""
    camera = selectors.get_camera(public_id=camera_id)
    context = {
        "city": request.city,
        "camera": camera,
        "activity": selectors.camera_activity(camera=camera),
        "frames": selectors.frame_counts(camera=camera),
        "can_manage": request.user.role in MANAGER_ROLES,
    }
    context.update(camera_health_context(request, camera))
    return render(request, "cameras/camera_detail.html", context)


@access(MANAGERS)
@require_POST
def camera_key_rotate(request: HttpRequest, city_slug: str, camera_id) -> HttpResponse:
    camera = selectors.get_camera(public_id=camera_id)
    key = services.camera_rotate_key(camera=camera, by=request.user, request=request)
    return _secret_page(
        render(request, "cameras/camera_key.html", {"city": request.city, "camera": camera, "key": key})
    )


@access(MANAGERS)
@require_POST
def camera_key_revoke(request: HttpRequest, city_slug: str, camera_id) -> HttpResponse:
    camera = selectors.get_camera(public_id=camera_id)
    services.camera_revoke_key(camera=camera, by=request.user, request=request)
    return redirect("camera_detail", city_slug=city_slug, camera_id=camera.public_id)


@access(MANAGERS)
@require_POST
def camera_retire(request: HttpRequest, city_slug: str, camera_id) -> HttpResponse:
    camera = selectors.get_camera(public_id=camera_id)
    services.camera_retire(camera=camera, by=request.user, request=request)
    messages.success(
        request, "Camera retired: its key no longer works; its reads stay until retention removes them."
    )
    return redirect("camera_detail", city_slug=city_slug, camera_id=camera.public_id)


@access(HIT_HANDLERS)
def read_crop(request: HttpRequest, city_slug: str, read_id) -> FileResponse:
    """The plate crop of a read that a hit put before a dispatcher (the hit is the purpose).

    Searchers see crops through the search that returned them (``sharing:search_read_crop``).
    """
    read = selectors.get_read(public_id=read_id)
    if not selectors.read_has_hit(read=read):
        raise Http404("No such read.")
    return private_image_response(read.crop, crop_content_type(read.crop))


@access(HIT_HANDLERS)
def frame_image(request: HttpRequest, city_slug: str, frame_id) -> FileResponse:
    """The whole frame behind a hit, for the dispatcher who verifies it."""
    frame = selectors.get_frame(public_id=frame_id)
    if not selectors.frame_has_hit(frame=frame):
        raise Http404("No such frame.")
    return private_image_response(frame.image, frame.content_type)


# --- hotlists ------------------------------------------------------------------------------------------------

HOTLIST_VIEWERS = city_roles(*OPERATIONS_ROLES)


def _hotlist_list_page(request, form, status=200):
    hotlists = Hotlist.objects.annotate(entry_count=Count("entries")).order_by("-priority", "name")
    context = {
        "city": request.city,
        "hotlists": hotlists,
        "form": form,
        "can_manage": request.user.role in MANAGER_ROLES,
    }
    return render(request, "cameras/hotlist_list.html", context, status=status)


@access(HOTLIST_VIEWERS)
def hotlist_list(request: HttpRequest, city_slug: str) -> HttpResponse:
    return _hotlist_list_page(request, HotlistForm())


@access(MANAGERS)
@require_POST
def hotlist_create(request: HttpRequest, city_slug: str) -> HttpResponse:
    form = HotlistForm(request.POST)
    if not form.is_valid():
        return _hotlist_list_page(request, form, status=400)
    try:
        hotlist = services.hotlist_create(
            city=request.city, by=request.user, request=request, **form.cleaned_data
        )
    except services.HotlistRefused as refusal:
        form.add_error(None, str(refusal))
        return _hotlist_list_page(request, form, status=403)
    messages.success(request, f"Hotlist “{hotlist.name}” created.")
    return redirect("hotlist_detail", city_slug=city_slug, hotlist_id=hotlist.public_id)


def _hotlist_page(request, hotlist, *, entry_form=None, import_form=None, report=None, status=200):
    entries = Paginator(hotlist.entries.order_by("plate"), 100).get_page(request.GET.get("page"))
    assigns = request.user.role in MANAGER_ROLES
    managers = selectors.hotlist_managers(hotlist=hotlist)
    context = {
        "city": request.city,
        "hotlist": hotlist,
        "entries": entries,
        "report": report,
        "entry_form": entry_form or HotlistEntryForm(),
        "import_form": import_form or HotlistImportForm(),
        "can_manage": selectors.may_manage_hotlist(user=request.user, hotlist=hotlist),
        "managers": managers,
        "can_assign": assigns,
        "assignable": [u for u in selectors.assignable_staff(city=request.city) if u not in managers]
        if assigns
        else [],
    }
    return render(request, "cameras/hotlist_detail.html", context, status=status)


@access(HOTLIST_VIEWERS)
def hotlist_detail(request: HttpRequest, city_slug: str, hotlist_id) -> HttpResponse:
    return _hotlist_page(request, selectors.get_hotlist(public_id=hotlist_id))


def _refuse_unless_manager(request: HttpRequest, hotlist) -> HttpResponse | None:
    if selectors.may_manage_hotlist(user=request.user, hotlist=hotlist):
        return None
    refusal_record(city=request.city, rule=RULE_NOT_HOTLIST_MANAGER, via="web", status=403, request=request)
    return HttpResponseForbidden("Only the chief, clerks and this list's assigned managers change it.")


@access(HOTLIST_VIEWERS)
@require_POST
def hotlist_entry_add(request: HttpRequest, city_slug: str, hotlist_id) -> HttpResponse:
    hotlist = selectors.get_hotlist(public_id=hotlist_id)
    if refused := _refuse_unless_manager(request, hotlist):
        return refused
    form = HotlistEntryForm(request.POST)
    if not form.is_valid():
        return _hotlist_page(request, hotlist, entry_form=form, status=400)
    try:
        services.hotlist_entry_add(hotlist=hotlist, by=request.user, request=request, **form.cleaned_data)
    except services.HotlistRefused as refusal:
        form.add_error(None, str(refusal))
        return _hotlist_page(request, hotlist, entry_form=form, status=400)
    messages.success(request, "Entry added.")
    return redirect("hotlist_detail", city_slug=city_slug, hotlist_id=hotlist.public_id)


@access(HOTLIST_VIEWERS)
@require_POST
def hotlist_import(request: HttpRequest, city_slug: str, hotlist_id) -> HttpResponse:
    hotlist = selectors.get_hotlist(public_id=hotlist_id)
    if refused := _refuse_unless_manager(request, hotlist):
        return refused
    form = HotlistImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _hotlist_page(request, hotlist, import_form=form, status=400)
    try:
        report = services.hotlist_import_csv(
            hotlist=hotlist, by=request.user, data=form.cleaned_data["file"].read(), request=request
        )
    except services.HotlistRefused as refusal:
        form.add_error("file", str(refusal))
        return _hotlist_page(request, hotlist, import_form=form, status=400)
    return _hotlist_page(request, hotlist, report=report)


@access(MANAGERS)
@require_POST
def hotlist_manager_add(request: HttpRequest, city_slug: str, hotlist_id) -> HttpResponse:
    """The chief or a clerk assigns one of the city's staff to manage this list (audited)."""
    hotlist = selectors.get_hotlist(public_id=hotlist_id)
    user = selectors.get_staff_member(city=request.city, public_id=request.POST.get("user", ""))
    if services.hotlist_manager_grant(hotlist=hotlist, user=user, by=request.user, request=request):
        messages.success(request, f"{user.get_username()} now manages this list.")
    return redirect("hotlist_detail", city_slug=city_slug, hotlist_id=hotlist.public_id)


@access(MANAGERS)
@require_POST
def hotlist_manager_remove(request: HttpRequest, city_slug: str, hotlist_id, user_id) -> HttpResponse:
    hotlist = selectors.get_hotlist(public_id=hotlist_id)
    user = selectors.get_staff_member(city=request.city, public_id=str(user_id))
    if services.hotlist_manager_revoke(hotlist=hotlist, user=user, by=request.user, request=request):
        messages.success(request, f"{user.get_username()} no longer manages this list.")
    return redirect("hotlist_detail", city_slug=city_slug, hotlist_id=hotlist.public_id)


# --- hits ------------------------------------------------------------------------------------------------------


@access(HIT_HANDLERS)
def hit_board(request: HttpRequest, city_slug: str) -> HttpResponse:
    """The dispatcher's live page: hits arrive over the socket; the API fills any gap."""
    return render(request, "cameras/hit_board.html", {"city": request.city})


@access(HIT_HANDLERS)
def hit_detail(request: HttpRequest, city_slug: str, hit_id) -> HttpResponse:
    hit = selectors.get_hit(public_id=hit_id)
    form = DispositionForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.hit_disposition(hit=hit, by=request.user, request=request, **form.cleaned_data)
            except services.HitAlreadyDisposed as error:
                form.add_error(None, str(error))
                status = 409
            except ValueError as error:
                form.add_error("action_taken", str(error))
                status = 400
            else:
                messages.success(request, "Disposition recorded.")
                return redirect("hit_detail", city_slug=city_slug, hit_id=hit.public_id)
        else:
            status = 400
    return render(
        request,
        "cameras/hit_detail.html",
        {"city": request.city, "hit": hit, "payload": selectors.hit_payload(hit), "form": form},
        status=status,
    )
