"""Two-step sign-in (TOTP, django-otp): who needs it, and the use cases around it.

Chiefs, records clerks, auditors and Django staff (``is_staff`` or ``is_superuser``) must confirm a
TOTP device and enter its code after the password before they reach any page. Officers and
dispatchers may opt in; once they have a confirmed device they are asked for the code too.

django-otp keeps the devices (``TOTPDevice``; recovery codes are a ``StaticDevice`` of single-use
``StaticToken`` rows), verifies codes with its exponential back-off after failures
(``ThrottlingMixin``: 1, 2, 4, 8 ... seconds between guesses) and marks a session verified with
``django_otp.login``. Here are the policy, the audited use cases and ``MfaRequiredMiddleware``,
which keeps an unverified session on the sign-in pages. API calls with a token (cameras, devices)
carry no session and are not concerned.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import qrcode
import qrcode.image.svg
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.http import HttpRequest, HttpResponseBase, JsonResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import login as otp_login
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from audits.events import EventType
from audits.models import Outcome
from audits.refusals import refusal_record
from audits.services import audit_record
from portal.live import sockets_close_for_user
from portal.models import User
from portal.roles import Role

# Roles that may not sign in on a password alone.
MFA_REQUIRED_ROLES: tuple[Role, ...] = (Role.CHIEF, Role.CLERK, Role.AUDITOR)
RECOVERY_CODE_COUNT = 10
TOTP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"
RULE_MFA_REQUIRED = "auth.mfa_required"

# Paths an unverified session may still open: the two-step pages, signing out, static files.
_OPEN_PREFIXES = ("/accounts/mfa/", "/accounts/logout/", "/accounts/login/", "/static/", "/healthz")


def mfa_required_by_role(user: User) -> bool:
    """Whether ``user``'s position requires two-step sign-in (whatever devices they have)."""
    return bool(user.is_staff or user.is_superuser or user.role in MFA_REQUIRED_ROLES)


def confirmed_totp(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def mfa_required(user: User) -> bool:
    """Whether ``user`` must enter a code after the password: by position, or having opted in."""
    if not user.is_authenticated:
        return False
    return mfa_required_by_role(user) or confirmed_totp(user) is not None


def is_verified(request: HttpRequest) -> bool:
    """Whether this request's session passed the second step (set by ``OTPMiddleware``)."""
    checker: Callable[[], bool] | None = getattr(request.user, "is_verified", None)
    return bool(checker is not None and checker())


def session_verified_for(user: User, session_data: dict[str, Any]) -> bool:
    """Whether a stored session (a socket's) was verified with a device ``user`` still holds."""
    persistent_id = session_data.get(DEVICE_ID_SESSION_KEY)
    if not persistent_id:
        return False
    device = Device.from_persistent_id(persistent_id)
    return bool(device is not None and device.user_id == user.pk and device.confirmed)


# --- enrolment -----------------------------------------------------------------------------------


def enrolment_device(user: User) -> TOTPDevice:
    """The unconfirmed TOTP device ``user`` is setting up (created on first call, kept until
    confirmed so that the secret shown does not change on reload)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    return device


def secret_base32(device: TOTPDevice) -> str:
    return base64.b32encode(device.bin_key).decode("ascii")


def secret_grouped(device: TOTPDevice) -> str:
    """The secret in groups of four, for typing into an app by hand."""
    secret = secret_base32(device)
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_svg(device: TOTPDevice) -> bytes:
    """The ``otpauth://`` URL of ``device`` as an SVG QR code (rendered here, no outside service)."""
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue()


def _normalise(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()[:32]


def _failure(
    *, user: User, request: HttpRequest | None, stage: str, device: Device | None, reason: str
) -> None:
    details: dict[str, Any] = {"stage": stage, "reason": reason}
    if device is not None and hasattr(device, "throttling_failure_count"):
        details["consecutive_failures"] = device.throttling_failure_count
    audit_record(
        event_type=EventType.AUTH_MFA_FAILED,
        city=user.city,
        actor=user,
        target_type="user",
        target_id=str(user.public_id),
        details=details,
        outcome=Outcome.DENIED if reason == "throttled" else Outcome.FAILURE,
        request=request,
    )


@dataclass(frozen=True)
class Verification:
    ok: bool
    message: str = ""
    recovery_codes: tuple[str, ...] = ()


THROTTLED_MESSAGE = "Too many wrong codes: wait a few seconds before the next try."
WRONG_MESSAGE = "That code is not right (or was already used). Try the current one."


def _throttled(device: Device) -> bool:
    allowed, _ = device.verify_is_allowed()
    return not allowed


def recovery_codes_issue(*, user: User, request: HttpRequest | None, regenerated: bool) -> tuple[str, ...]:
    """Replace ``user``'s recovery codes with ``RECOVERY_CODE_COUNT`` new single-use ones."""
    with transaction.atomic():
        StaticDevice.objects.filter(user=user).delete()
        device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
        codes = tuple(StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT))
        StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
        if regenerated:
            audit_record(
                event_type=EventType.AUTH_MFA_RECOVERY_CODES_ISSUED,
                city=user.city,
                actor=user,
                target_type="user",
                target_id=str(user.public_id),
                details={"codes": RECOVERY_CODE_COUNT},
                request=request,
            )
    return codes


def enrolment_confirm(*, request: HttpRequest, user: User, code: str) -> Verification:
    """Confirm the device being set up with its first code: it becomes ``user``'s device, the
    session is verified, and the recovery codes are issued (shown once)."""
    with transaction.atomic():
        device = (
            TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).order_by("pk").first()
        )
        if device is None:
            return Verification(False, "Start the set-up again: no device is waiting to be confirmed.")
        if _throttled(device):
            _failure(user=user, request=request, stage="enrol", device=device, reason="throttled")
            return Verification(False, THROTTLED_MESSAGE)
        if not device.verify_token(_normalise(code)):
            _failure(user=user, request=request, stage="enrol", device=device, reason="wrong_code")
            return Verification(False, WRONG_MESSAGE)
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = recovery_codes_issue(user=user, request=request, regenerated=False)
        audit_record(
            event_type=EventType.AUTH_MFA_ENROLLED,
            city=user.city,
            actor=user,
            target_type="user",
            target_id=str(user.public_id),
            details={"device": "totp", "recovery_codes": len(codes)},
            request=request,
        )
    otp_login(request, device)
    return Verification(True, recovery_codes=codes)


def verify(*, request: HttpRequest, user: User, code: str) -> Verification:
    """The second step of signing in: a code from the app, or one recovery code (used up)."""
    token = _normalise(code)
    with transaction.atomic():
        totp = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).order_by("pk").first()
        if totp is None:
            return Verification(False, "Set up an authenticator app first.")
        if token.isdigit() and len(token) == totp.digits:  # recovery codes are eight letters and digits
            if _throttled(totp):
                _failure(user=user, request=request, stage="verify", device=totp, reason="throttled")
                return Verification(False, THROTTLED_MESSAGE)
            if totp.verify_token(token):
                verified: Device = totp
                used_recovery = False
            else:
                _failure(user=user, request=request, stage="verify", device=totp, reason="wrong_code")
                return Verification(False, WRONG_MESSAGE)
        else:
            static = StaticDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
            if static is None:
                _failure(
                    user=user, request=request, stage="recovery", device=None, reason="no_recovery_codes"
                )
                return Verification(False, WRONG_MESSAGE)
            if _throttled(static):
                _failure(user=user, request=request, stage="recovery", device=static, reason="throttled")
                return Verification(False, THROTTLED_MESSAGE)
            if not static.verify_token(token):
                _failure(user=user, request=request, stage="recovery", device=static, reason="wrong_code")
                return Verification(False, WRONG_MESSAGE)
            verified, used_recovery = static, True
        remaining = StaticToken.objects.filter(device__user=user).count()
        audit_record(
            event_type=EventType.AUTH_MFA_RECOVERY_CODE_USED
            if used_recovery
            else EventType.AUTH_MFA_VERIFIED,
            city=user.city,
            actor=user,
            target_type="user",
            target_id=str(user.public_id),
            details={"recovery_codes_left": remaining},
            request=request,
        )
    otp_login(request, verified)
    return Verification(True)


def mfa_reset(*, user: User, by: User, request: HttpRequest | None) -> None:
    """Remove every device and recovery code of ``user`` (a chief's decision, for a lost phone):
    their next sign-in starts a new enrolment, and their open sessions lose the second step."""
    with transaction.atomic():
        devices_removed = TOTPDevice.objects.filter(user=user).delete()[0]
        StaticDevice.objects.filter(user=user).delete()
        audit_record(
            event_type=EventType.AUTH_MFA_RESET,
            city=user.city,
            actor=by,
            target_type="user",
            target_id=str(user.public_id),
            details={"username": user.get_username(), "devices_removed": devices_removed},
            request=request,
        )
        sockets_close_for_user(user_public_id=user.public_id, reason="two-step sign-in reset")


# --- the gate ------------------------------------------------------------------------------------


def next_path(request: HttpRequest) -> str:
    """The ``next`` of a two-step page, if it is a path on this site; the home page otherwise.

    Only an absolute path: ``redirect()`` reads anything else (``-1``, ``home-page``) as the name of
    a URL pattern and raised ``NoReverseMatch`` (a 500)."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate.startswith("/") and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("home")


class MfaRequiredMiddleware:
    """Keep a signed-in but unverified session on the two-step pages.

    A page answers a redirect to the code form (or to the set-up when there is no device yet); an
    API call with the session answers 403. Each refusal is audited like any other. Installed after
    ``OTPMiddleware`` (which tells whether the session is verified) and the city scope.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.path.startswith(_OPEN_PREFIXES) or not request.user.is_authenticated:
            return self.get_response(request)
        if is_verified(request):
            return self.get_response(request)
        user = request.user
        assert isinstance(user, User)
        needs_enrolment = confirmed_totp(user) is None
        if needs_enrolment and not mfa_required_by_role(user):
            return self.get_response(request)  # not required, not opted in
        api = request.path.startswith("/api/")
        refusal_record(
            city=getattr(request, "city", None) or user.city,
            rule=RULE_MFA_REQUIRED,
            via="api" if api else "web",
            status=403 if api else 302,
            request=request,
        )
        if api:
            return JsonResponse(
                {"detail": "Two-step sign-in is required: enter your code at /accounts/mfa/verify/."},
                status=403,
            )
        target = "mfa_enrol" if needs_enrolment else "mfa_verify"
        return redirect_to_login(request.get_full_path(), login_url=reverse(target))
