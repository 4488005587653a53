"""Two-step sign-in pages: set up an authenticator app, enter a code, recovery codes, and the
chief's page of the city's staff with a reset of another person's two-step sign-in."""

from __future__ import annotations

import uuid

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from audits.refusals import refusal_record
from portal import mfa
from portal.access import SIGNED_IN, Refused, access, city_roles, refused
from portal.models import User
from portal.roles import Role

RULE_MFA_RESET_SELF = "auth.mfa_reset_self"
RULE_MFA_RESET_NOT_MEMBER = "tenancy.not_member"


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=40,
        strip=True,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autocapitalize": "none"}),
        help_text="The six digits your authenticator app shows now, or one of your recovery codes.",
    )


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    return response


def _codes_page(request: HttpRequest, codes: tuple[str, ...], *, first: bool) -> HttpResponse:
    context = {"codes": codes, "first": first, "next": mfa.next_path(request)}
    return _no_store(render(request, "registration/mfa_recovery_codes.html", context))


@never_cache
@require_http_methods(["GET", "POST"])
@access(SIGNED_IN)
def mfa_enrol(request: HttpRequest) -> HttpResponse:
    """Show a new secret (and its QR code) and confirm it with the first code from the app."""
    user = _user(request)
    if mfa.confirmed_totp(user) is not None:
        return redirect("mfa_status" if mfa.is_verified(request) else "mfa_verify")
    device = mfa.enrolment_device(user)
    form = CodeForm(request.POST or None)
    form.fields["code"].help_text = "The six digits the app shows after you added the secret."
    if request.method == "POST" and form.is_valid():
        result = mfa.enrolment_confirm(request=request, user=user, code=form.cleaned_data["code"])
        if result.ok:
            return _codes_page(request, result.recovery_codes, first=True)
        form.add_error("code", result.message)
    context = {
        "form": form,
        "secret": mfa.secret_grouped(device),
        "required": mfa.mfa_required_by_role(user),
        "next": mfa.next_path(request),
    }
    return _no_store(
        render(request, "registration/mfa_enrol.html", context, status=400 if form.errors else 200)
    )


@never_cache
@require_http_methods(["GET"])
@access(SIGNED_IN)
def mfa_enrol_qr(request: HttpRequest) -> HttpResponse:
    """The QR code of the secret being set up, as an SVG image (never cached)."""
    user = _user(request)
    if mfa.confirmed_totp(user) is not None:
        raise Http404("No set-up in progress.")
    response = HttpResponse(mfa.qr_svg(mfa.enrolment_device(user)), content_type="image/svg+xml")
    return _no_store(response)


@never_cache
@require_http_methods(["GET", "POST"])
@access(SIGNED_IN)
def mfa_verify(request: HttpRequest) -> HttpResponse:
    """The second step of signing in."""
    user = _user(request)
    if mfa.is_verified(request):
        return redirect(mfa.next_path(request))
    if mfa.confirmed_totp(user) is None:
        return redirect("mfa_enrol")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result = mfa.verify(request=request, user=user, code=form.cleaned_data["code"])
        if result.ok:
            return redirect(mfa.next_path(request))
        form.add_error("code", result.message)
    context = {"form": form, "next": mfa.next_path(request)}
    return _no_store(
        render(request, "registration/mfa_verify.html", context, status=400 if form.errors else 200)
    )


@never_cache
@require_http_methods(["GET"])
@access(SIGNED_IN)
def mfa_status(request: HttpRequest) -> HttpResponse:
    """Whether two-step sign-in is on, how many recovery codes are left, and what to do next."""
    user = _user(request)
    from django_otp.plugins.otp_static.models import StaticToken

    context = {
        "device": mfa.confirmed_totp(user),
        "verified": mfa.is_verified(request),
        "required": mfa.mfa_required_by_role(user),
        "codes_left": StaticToken.objects.filter(device__user=user).count(),
    }
    return _no_store(render(request, "registration/mfa_status.html", context))


@never_cache
@require_POST
@access(SIGNED_IN)
def mfa_recovery_codes(request: HttpRequest) -> HttpResponse:
    """New recovery codes (the old ones stop working), for a verified session only."""
    user = _user(request)
    if not mfa.is_verified(request):
        return redirect("mfa_verify")
    codes = mfa.recovery_codes_issue(user=user, request=request, regenerated=True)
    return _codes_page(request, codes, first=False)


# --- the chief's side ---------------------------------------------------------------------------


@require_http_methods(["GET"])
@access(city_roles(Role.CHIEF))
def staff_list(request: HttpRequest, city_slug: str) -> HttpResponse:
    """The city's staff and whether each has two-step sign-in, with a reset for each other person."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    city = request.city  # type: ignore[attr-defined]
    people = list(User.objects.filter(city=city).order_by("role", "username"))
    enrolled = set(
        TOTPDevice.objects.filter(user__in=people, confirmed=True).values_list("user_id", flat=True)
    )
    rows = [
        {
            "user": person,
            "enrolled": person.pk in enrolled,
            "required": mfa.mfa_required_by_role(person),
            "is_me": person.pk == request.user.pk,
        }
        for person in people
    ]
    return render(request, "portal/staff_list.html", {"city": city, "rows": rows})


def _staff_member(request: HttpRequest, user_id: uuid.UUID) -> User:
    """A person of the request's city; a person of another city (or no one) is the city's 404, audited."""
    city = request.city  # type: ignore[attr-defined]
    person = User.objects.filter(city=city, public_id=user_id).first()
    if person is None:
        raise Refused(RULE_MFA_RESET_NOT_MEMBER, target_type="user", target_id=str(user_id))
    return person


@require_http_methods(["GET", "POST"])
@access(city_roles(Role.CHIEF))
def staff_mfa_reset(request: HttpRequest, city_slug: str, user_id: uuid.UUID) -> HttpResponse:
    """Reset another person's two-step sign-in (a lost phone): a confirmation, then the reset."""
    try:
        person = _staff_member(request, user_id)
    except Refused as refusal:
        refusal_record(
            city=request.city,  # type: ignore[attr-defined]
            rule=refusal.rule,
            via="web",
            status=404,
            request=request,
            target_type=refusal.target_type,
            target_id=refusal.target_id,
        )
        raise
    if person.pk == request.user.pk:
        refusal_record(
            city=request.city,  # type: ignore[attr-defined]
            rule=RULE_MFA_RESET_SELF,
            via="web",
            status=403,
            request=request,
            target_type="user",
            target_id=str(person.public_id),
        )
        refusal_page: HttpResponse = refused(
            request, "You cannot reset your own two-step sign-in: ask another chief."
        )
        return refusal_page
    if request.method == "POST":
        mfa.mfa_reset(user=person, by=_user(request), request=request)
        from django.contrib import messages

        messages.success(request, f"Two-step sign-in of {person.get_username()} was reset.")
        return redirect("staff_list", city_slug=city_slug)
    enrolled = mfa.confirmed_totp(person) is not None
    return render(
        request,
        "portal/staff_mfa_reset.html",
        {"city": request.city, "person": person, "enrolled": enrolled},  # type: ignore[attr-defined]
    )
