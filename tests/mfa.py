"""Two-step sign-in for the tests: a confirmed TOTP device and its current code.

``tests/conftest.py`` uses ``verify_forced_login`` so that ``client.force_login(chief)`` yields a
session verified the way django-otp verifies one (``django_otp.login`` with the user's confirmed
device), and ``tests/browser/pages.sign_in`` types ``current_code`` into the real code form.
Tests of the two-step pages themselves sign in with the password form instead.
"""

from __future__ import annotations

import time
from typing import Any

from django.http import HttpRequest
from django_otp import login as otp_login
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.mfa import mfa_required
from portal.models import User


def confirmed_device(user: User) -> TOTPDevice:
    """``user``'s confirmed TOTP device, created when they have none."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Test authenticator", confirmed=True)
    return device


def current_code(device: TOTPDevice) -> str:
    """The code the device's app shows now (the next step's when this one was already used, which
    the device's tolerance of one step accepts): django-otp's own TOTP on the device's key."""
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    if totp.t() <= device.last_t:
        totp.time += device.step * (device.last_t + 1 - totp.t())
    return f"{totp.token():0{device.digits}d}"


def verify_forced_login(sender: Any, request: HttpRequest, user: User, **kwargs: Any) -> None:
    """A ``user_logged_in`` receiver for the tests: the test client's ``force_login`` (a bare
    request without ``user``) also passes the second step, with the user's confirmed device.
    A real sign-in (the login form, with ``request.user`` set by the middleware) is left alone."""
    if hasattr(request, "user") or not mfa_required(user):
        return
    device = confirmed_device(user)
    request.user = user
    otp_login(request, device)
