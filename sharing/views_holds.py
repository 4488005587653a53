"""Held searches under /c/<city_slug>/holds/: the supervisor decides, the searcher follows.

Kept apart from ``sharing.views`` (past 600 lines). Who may see or decide a hold is the selectors'
and the services' business (``sharing.selectors.holds``, ``sharing.services.holds``); every refusal
is audited, a hold that is not the viewer's answers the same 404 as a missing one.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from audits.refusals import refusal_record
from portal.access import access
from portal.http import CityRequest
from portal.models import City, User
from sharing import services
from sharing.forms import HoldDecisionForm
from sharing.models import HoldState, SearchHold
from sharing.permissions import CITY_SEARCHER, request_grant
from sharing.selectors import (
    get_hold_for_user,
    held_camera_names,
    hold_supervisors,
    holds_awaiting,
    holds_visible_to,
    may_decide_hold,
    search_crop_path,
)
from sharing.services.holds import RULE_HOLD_NOT_FOUND
from sharing.views import record_invalid_input


def _city(request: HttpRequest) -> City:
    """The URL's city (set by the tenancy middleware before the access rule ran)."""
    city = getattr(request, "city", None)
    if not isinstance(city, City):
        raise Http404("No such city.")
    return city


def _user(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied("Sign in first.")
    return user


@access(CITY_SEARCHER)
def hold_list(request: HttpRequest, city_slug: str) -> HttpResponse:
    """The held searches waiting on the viewer's decision, and the viewer's own."""
    city, user = _city(request), _user(request)
    awaiting = list(holds_awaiting(user=user, city=city))
    waiting_ids = {hold.pk for hold in awaiting}
    others = [hold for hold in holds_visible_to(user=user, city=city)[:100] if hold.pk not in waiting_ids]
    context = {
        "city": city,
        "awaiting": awaiting,
        "mine": [hold for hold in others if hold.search.user_id == user.pk],
        "decided": [hold for hold in others if hold.search.user_id != user.pk],
        "now": timezone.now(),
    }
    return render(request, "sharing/hold_list.html", context)


def _hold_or_404(request: HttpRequest, hold_id: uuid.UUID) -> SearchHold:
    hold = get_hold_for_user(user=_user(request), city=_city(request), public_id=hold_id)
    if hold is None:
        refusal_record(
            city=_city(request),
            rule=RULE_HOLD_NOT_FOUND,
            via="web",
            status=404,
            request=request,
            target_type="search_hold",
            target_id=str(hold_id),
        )
        raise Http404("No such held search.")
    return hold


def _detail(
    request: HttpRequest, hold: SearchHold, *, form: HoldDecisionForm, error: str = "", status: int = 200
) -> HttpResponse:
    city, user = _city(request), _user(request)
    search = hold.search
    decision: dict[str, Any] = search.decision or {}
    context: dict[str, Any] = {
        "city": city,
        "hold": hold,
        "search": search,
        "decision": decision,
        "evidence": [str(item) for item in decision.get("evidence") or []],
        "nearest": decision.get("nearest") or [],
        "cameras": held_camera_names(search),
        "expired": hold.has_expired(timezone.now()),
        "may_decide": may_decide_hold(user=user, hold=hold) and hold.is_pending(),
        "is_searcher": search.user_id == user.pk,
        "supervisors": hold_supervisors(hold=hold),
        "form": form,
        "error": error,
        "results": None,
    }
    if context["expired"]:
        context["may_decide"] = False
    if context["is_searcher"] and hold.state == HoldState.APPROVED and status == 200:
        try:
            results = services.search_hold_results(grant=request_grant(request), hold=hold, request=request)
        except services.HoldRefusal as refusal:
            context["error"] = refusal.message
        else:
            context["results"] = results
            context["rows"] = [(read, search_crop_path(city.slug, search, read)) for read in results.reads]
    return render(request, "sharing/hold_detail.html", context, status=status)


@access(CITY_SEARCHER)
def hold_detail(request: CityRequest, city_slug: str, hold_id: uuid.UUID) -> HttpResponse:
    """A held search: the request, the rule and the evidence; the decision form for its supervisor;
    its status and, once approved, its results for its searcher."""
    hold = _hold_or_404(request, hold_id)
    if request.method != "POST":
        return _detail(request, hold, form=HoldDecisionForm())
    form = HoldDecisionForm(request.POST)
    if not form.is_valid():
        record_invalid_input(request, fields=form.errors.keys())
        return _detail(request, hold, form=form, error="Choose approve or refuse.", status=400)
    decide = (
        services.search_hold_approve
        if form.cleaned_data["decision"] == "approve"
        else services.search_hold_refuse
    )
    try:
        outcome = decide(
            city=_city(request),
            hold_id=hold.public_id,
            by=_user(request),
            reason=form.cleaned_data["reason"],
            request=request,
        )
    except services.HoldRefusal as refusal:
        if refusal.status == 404:
            raise Http404("No such held search.") from refusal
        hold.refresh_from_db()
        return _detail(request, hold, form=form, error=refusal.message, status=refusal.status)
    if outcome.ran:
        messages.success(
            request,
            f"Approved: the search ran for {hold.search.username} and found {outcome.result_count} "
            f"read{'s' if outcome.result_count != 1 else ''}. Only they see the results.",
        )
    elif outcome.hold.state == HoldState.REFUSED and outcome.decision is not None:
        messages.warning(request, f"The search still did not run: {outcome.decision.message}")
    else:
        messages.success(request, "Refused: the search will not run. The searcher sees your reason.")
    return redirect("sharing:hold_detail", city_slug=_city(request).slug, hold_id=hold.public_id)
