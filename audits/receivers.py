"""Authentication events into the audit log.

Sign-ins reach Django through several doors (the login page, the admin, tests' ``login``), and
django.contrib.auth and django-axes announce each outcome with a signal. Listening to those
framework signals is the one place that sees every door; each receiver only calls the service.
"""

from axes.signals import user_locked_out
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from audits.events import EventType
from audits.models import Outcome
from audits.services import audit_record


def _city_of(user):
    return getattr(user, "city", None) if user is not None else None


@receiver(user_logged_in, dispatch_uid="audit_login")
def record_login(sender, request, user, **kwargs):
    audit_record(event_type=EventType.AUTH_LOGIN, city=_city_of(user), actor=user, request=request)


@receiver(user_logged_out, dispatch_uid="audit_logout")
def record_logout(sender, request, user, **kwargs):
    if user is None:
        return
    audit_record(event_type=EventType.AUTH_LOGOUT, city=_city_of(user), actor=user, request=request)


def _known_user(username: str | None):
    if not username:
        return None
    return get_user_model().objects.filter(username=username).select_related("city", "agency").first()


@receiver(user_login_failed, dispatch_uid="audit_login_failed")
def record_login_failed(sender, credentials, request=None, **kwargs):
    username = (credentials or {}).get("username", "")
    user = _known_user(username)
    audit_record(
        event_type=EventType.AUTH_LOGIN_FAILED,
        city=_city_of(user),
        agency=getattr(user, "agency", None),
        target_type="user",
        target_id=str(user.public_id) if user else "",
        details={"username": username[:150]},
        outcome=Outcome.FAILURE,
        request=request,
    )


@receiver(user_locked_out, dispatch_uid="audit_lockout")
def record_lockout(sender, request, username, ip_address, **kwargs):
    user = _known_user(username)
    audit_record(
        event_type=EventType.AUTH_LOCKOUT,
        city=_city_of(user),
        agency=getattr(user, "agency", None),
        target_type="user",
        target_id=str(user.public_id) if user else "",
        details={"username": (username or "")[:150]},
        outcome=Outcome.DENIED,
        request=request,
        client_address=ip_address,
    )
