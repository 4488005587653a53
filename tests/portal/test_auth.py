"""Sign-in, sign-out, lockout and idle sessions, each landing in the audit log."""

import datetime as dt

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone

from audits.models import AuditEvent
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def login(client, username, password):
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_sign_in_lands_on_the_users_city_and_is_audited(client, officer_a, city_a):
    response = login(client, officer_a.username, PASSWORD)
    assert response.status_code == 302
    assert client.get(response["Location"], follow=True).request["PATH_INFO"] == f"/c/{city_a.slug}/"
    event = AuditEvent.objects.get(event_type="auth.login")
    assert (event.city, event.actor, event.outcome) == (city_a, officer_a, "success")
    assert event.client_address == "127.0.0.1"


def test_failed_sign_in_is_audited_without_signing_in(client, officer_a, city_a):
    response = login(client, officer_a.username, "wrong password")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    event = AuditEvent.objects.get(event_type="auth.login_failed")
    assert event.city == city_a and event.outcome == "failure"
    assert event.details == {"username": officer_a.username}


def test_failed_sign_in_for_an_unknown_name_goes_to_the_installation_chain(client, db):
    login(client, "nobody-here", "whatever")
    event = AuditEvent.objects.get(event_type="auth.login_failed")
    assert event.city is None and event.chain == "installation"


def test_five_failures_lock_the_account_even_for_the_right_password(client, officer_a):
    for _ in range(5):
        login(client, officer_a.username, "wrong password")
    response = login(client, officer_a.username, PASSWORD)
    assert response.status_code == 429
    assert "locked" in response.content.decode().lower()
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(event_type="auth.lockout", actor=None).exists()


def test_four_failures_do_not_lock(client, officer_a):
    for _ in range(4):
        login(client, officer_a.username, "wrong password")
    assert login(client, officer_a.username, PASSWORD).status_code == 302


def test_sign_out_is_post_only_and_audited(client, officer_a):
    login(client, officer_a.username, PASSWORD)
    assert client.get("/accounts/logout/").status_code == 405
    assert client.post("/accounts/logout/").status_code == 302
    assert AuditEvent.objects.filter(event_type="auth.logout", actor=officer_a).count() == 1
    assert "_auth_user_id" not in client.session


def test_idle_session_ends_after_thirty_minutes(client, officer_a, city_a):
    login(client, officer_a.username, PASSWORD)
    assert client.session.get_expiry_age() == 30 * 60
    session = Session.objects.get(session_key=client.session.session_key)
    session.expire_date = timezone.now() - dt.timedelta(seconds=1)
    session.save()
    response = client.get(f"/c/{city_a.slug}/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_activity_pushes_the_idle_deadline_forward(client, officer_a, city_a):
    login(client, officer_a.username, PASSWORD)
    key = client.session.session_key
    session = Session.objects.get(session_key=key)
    session.expire_date = timezone.now() + dt.timedelta(minutes=5)
    session.save()
    assert client.get(f"/c/{city_a.slug}/").status_code == 200
    assert Session.objects.get(session_key=key).expire_date > timezone.now() + dt.timedelta(minutes=29)
