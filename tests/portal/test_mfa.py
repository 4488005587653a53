"""Two-step sign-in (TOTP): who must use it, enrolment, codes, recovery codes, throttling, the
chief's reset, and that an unverified session reaches no page, API or socket."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from audits.models import AuditEvent
from portal.roles import Role
from tests.factories import PASSWORD, UserFactory, city_user
from tests.mfa import confirmed_device, current_code

pytestmark = pytest.mark.django_db


def password_sign_in(client, user):
    response = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, response.content[:500]
    return response


def events(kind: str, **filters):
    return AuditEvent.objects.filter(event_type=kind, **filters)


def unthrottle(device) -> None:
    """Move the last failure back in time, as if the back-off delay had passed."""
    type(device).objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - dt.timedelta(hours=1)
    )


@pytest.fixture
def chief_a(city_a):
    return city_user(city_a, Role.CHIEF)


@pytest.mark.parametrize("role", [Role.CHIEF, Role.CLERK, Role.AUDITOR])
def test_a_role_that_requires_it_without_a_device_is_sent_to_enrol_from_every_page(client, city_a, role):
    person = city_user(city_a, role)
    password_sign_in(client, person)
    for path in (f"/c/{city_a.slug}/", "/home/", f"/c/{city_a.slug}/audit/"):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/mfa/enrol/?next=")
    assert events("access.refused", actor=person, details__rule="auth.mfa_required").count() == 3
    page = client.get("/accounts/mfa/enrol/")
    assert page.status_code == 200 and page["Cache-Control"].startswith("no-store")
    device = TOTPDevice.objects.get(user=person, confirmed=False)
    assert page.context["secret"].replace(" ", "") in device.config_url
    qr = client.get("/accounts/mfa/enrol/qr.svg")
    assert qr.status_code == 200 and qr["Content-Type"] == "image/svg+xml" and b"<svg" in qr.content
    assert qr["Cache-Control"].startswith("no-store")


def test_django_staff_must_verify_before_the_admin(client, db):
    admin = UserFactory(is_staff=True, is_superuser=True)
    password_sign_in(client, admin)
    assert client.get("/admin/")["Location"].startswith("/accounts/mfa/enrol/")


def test_enrolment_confirms_with_a_code_issues_ten_recovery_codes_and_is_audited(client, city_a, chief_a):
    password_sign_in(client, chief_a)
    client.get("/accounts/mfa/enrol/")
    device = TOTPDevice.objects.get(user=chief_a, confirmed=False)
    wrong = client.post(
        "/accounts/mfa/enrol/", {"code": "000000" if current_code(device) != "000000" else "111111"}
    )
    assert wrong.status_code == 400 and "not right" in wrong.content.decode()
    assert events("auth.mfa_failed", actor=chief_a, details__stage="enrol").count() == 1
    unthrottle(device)
    page = client.post("/accounts/mfa/enrol/", {"code": current_code(device)})
    assert page.status_code == 200 and page["Cache-Control"].startswith("no-store")
    codes = page.context["codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    assert set(StaticToken.objects.filter(device__user=chief_a).values_list("token", flat=True)) == set(codes)
    device.refresh_from_db()
    assert device.confirmed
    assert events("auth.mfa_enrolled", actor=chief_a, city=city_a).count() == 1
    assert client.get(f"/c/{city_a.slug}/").status_code == 200


def test_with_a_device_the_code_is_asked_and_a_wrong_code_is_refused_and_audited(client, city_a, chief_a):
    device = confirmed_device(chief_a)
    password_sign_in(client, chief_a)
    response = client.get(f"/c/{city_a.slug}/audit/")
    assert response["Location"] == f"/accounts/mfa/verify/?next=/c/{city_a.slug}/audit/"
    wrong = "123456" if current_code(device) != "123456" else "654321"
    refused = client.post("/accounts/mfa/verify/", {"code": wrong, "next": f"/c/{city_a.slug}/audit/"})
    assert refused.status_code == 400 and "not right" in refused.content.decode()
    failure = events("auth.mfa_failed", actor=chief_a).get()
    assert (failure.city, failure.outcome, failure.details["reason"]) == (city_a, "failure", "wrong_code")
    assert client.get(f"/c/{city_a.slug}/").status_code == 302  # still not in


def test_the_right_code_lets_the_person_in_to_where_they_were_going(client, city_a, chief_a):
    device = confirmed_device(chief_a)
    password_sign_in(client, chief_a)
    response = client.post(
        "/accounts/mfa/verify/", {"code": current_code(device), "next": f"/c/{city_a.slug}/audit/"}
    )
    assert response.status_code == 302 and response["Location"] == f"/c/{city_a.slug}/audit/"
    assert client.get(f"/c/{city_a.slug}/audit/").status_code == 200
    assert events("auth.mfa_verified", actor=chief_a, city=city_a).count() == 1


@pytest.mark.parametrize(
    "next_value", ["-1", "home-page", "2026-13-45", "//evil.example/", "https://evil.example/"]
)
def test_a_next_that_is_not_a_path_of_this_site_goes_home_never_a_500(client, city_a, chief_a, next_value):
    device = confirmed_device(chief_a)
    password_sign_in(client, chief_a)
    response = client.post("/accounts/mfa/verify/", {"code": current_code(device), "next": next_value})
    assert response.status_code == 302 and response["Location"] == "/home/"
    again = client.get("/accounts/mfa/verify/", {"next": next_value})  # already verified
    assert again.status_code == 302 and again["Location"] == "/home/"


def test_a_code_is_not_accepted_twice(client, city_a, chief_a):
    device = confirmed_device(chief_a)
    password_sign_in(client, chief_a)
    code = current_code(device)
    assert client.post("/accounts/mfa/verify/", {"code": code}).status_code == 302
    client.post("/accounts/logout/")
    password_sign_in(client, chief_a)
    assert client.post("/accounts/mfa/verify/", {"code": code}).status_code == 400


def test_wrong_guesses_are_throttled_even_for_the_right_code_and_each_is_audited(client, city_a, chief_a):
    device = confirmed_device(chief_a)
    password_sign_in(client, chief_a)
    wrong = "000000" if current_code(device) != "000000" else "111111"
    client.post("/accounts/mfa/verify/", {"code": wrong})
    throttled = client.post("/accounts/mfa/verify/", {"code": current_code(device)})
    assert throttled.status_code == 400 and "wait" in throttled.content.decode()
    denied = events("auth.mfa_failed", actor=chief_a, details__reason="throttled").get()
    assert denied.outcome == "denied" and denied.details["consecutive_failures"] == 1
    unthrottle(device)
    assert client.post("/accounts/mfa/verify/", {"code": current_code(device)}).status_code == 302


def test_a_recovery_code_works_once(client, city_a, chief_a):
    password_sign_in(client, chief_a)
    client.get("/accounts/mfa/enrol/")
    device = TOTPDevice.objects.get(user=chief_a, confirmed=False)
    codes = client.post("/accounts/mfa/enrol/", {"code": current_code(device)}).context["codes"]
    client.post("/accounts/logout/")

    password_sign_in(client, chief_a)
    assert client.post("/accounts/mfa/verify/", {"code": codes[0].upper()}).status_code == 302
    used = events("auth.mfa_recovery_code_used", actor=chief_a).get()
    assert used.details == {"recovery_codes_left": 9}
    client.post("/accounts/logout/")

    password_sign_in(client, chief_a)
    again = client.post("/accounts/mfa/verify/", {"code": codes[0]})
    assert again.status_code == 400
    assert events("auth.mfa_failed", actor=chief_a, details__stage="recovery").count() == 1


def test_regenerating_recovery_codes_replaces_them_and_is_audited(client, city_a, chief_a):
    client.force_login(chief_a)
    first = client.post("/accounts/mfa/recovery-codes/").context["codes"]
    second = client.post("/accounts/mfa/recovery-codes/")
    assert second["Cache-Control"].startswith("no-store")
    tokens = set(StaticToken.objects.filter(device__user=chief_a).values_list("token", flat=True))
    assert tokens == set(second.context["codes"]) and not tokens & set(first)
    assert events("auth.mfa_recovery_codes_issued", actor=chief_a).count() == 2
    status = client.get("/accounts/mfa/")
    assert status.status_code == 200 and status.context["codes_left"] == 10


def test_an_unverified_session_gets_403_from_the_api_but_a_device_token_is_unaffected(
    client, city_a, chief_a
):
    confirmed_device(chief_a)
    password_sign_in(client, chief_a)
    response = client.get(f"/api/v1/c/{city_a.slug}/hits/")
    assert response.status_code == 403
    assert "Two-step" in response.json()["detail"]
    assert events("access.refused", actor=chief_a, details__via="api", details__status=403).exists()


def test_officers_and_dispatchers_are_not_asked_unless_they_opt_in(client, city_a):
    officer = city_user(city_a, Role.OFFICER)
    dispatcher = city_user(city_a, Role.DISPATCHER)
    password_sign_in(client, dispatcher)
    assert client.get(f"/c/{city_a.slug}/").status_code == 200
    client.post("/accounts/logout/")

    password_sign_in(client, officer)
    assert client.get(f"/c/{city_a.slug}/").status_code == 200
    client.get("/accounts/mfa/enrol/")  # the officer opts in
    device = TOTPDevice.objects.get(user=officer, confirmed=False)
    assert client.post("/accounts/mfa/enrol/", {"code": current_code(device)}).status_code == 200
    client.post("/accounts/logout/")
    password_sign_in(client, officer)
    assert client.get(f"/c/{city_a.slug}/")["Location"].startswith("/accounts/mfa/verify/")


def test_a_chief_resets_a_clerks_two_step_sign_in_and_it_is_audited(client, city_a, chief_a):
    clerk = city_user(city_a, Role.CLERK)
    clerk_device = confirmed_device(clerk)
    client.force_login(chief_a)
    page = client.get(f"/c/{city_a.slug}/staff/")
    assert page.status_code == 200 and clerk.username in page.content.decode()
    assert client.get(f"/c/{city_a.slug}/staff/{clerk.public_id}/mfa-reset/").status_code == 200
    response = client.post(f"/c/{city_a.slug}/staff/{clerk.public_id}/mfa-reset/")
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(pk=clerk_device.pk).exists()
    reset = events("auth.mfa_reset", city=city_a).get()
    assert (reset.actor, reset.target_id, reset.details["devices_removed"]) == (
        chief_a,
        str(clerk.public_id),
        1,
    )

    other = type(client)()
    password_sign_in(other, clerk)
    assert other.get(f"/c/{city_a.slug}/")["Location"].startswith("/accounts/mfa/enrol/")


def test_a_reset_ends_the_verified_sessions_second_step(client, city_a, chief_a):
    officer = city_user(city_a, Role.OFFICER)
    confirmed_device(officer)
    client.force_login(officer)
    assert client.get(f"/c/{city_a.slug}/").status_code == 200
    from portal.mfa import mfa_reset

    mfa_reset(user=officer, by=chief_a, request=None)
    # the officer's role does not require it: with the device gone, they are simply not asked
    assert client.get(f"/c/{city_a.slug}/").status_code == 200
    clerk = city_user(city_a, Role.CLERK)
    confirmed_device(clerk)
    clerk_client = type(client)()
    clerk_client.force_login(clerk)
    assert clerk_client.get(f"/c/{city_a.slug}/").status_code == 200
    mfa_reset(user=clerk, by=chief_a, request=None)
    assert clerk_client.get(f"/c/{city_a.slug}/")["Location"].startswith("/accounts/mfa/enrol/")


def test_a_chief_cannot_reset_their_own(client, city_a, chief_a):
    device = confirmed_device(chief_a)
    client.force_login(chief_a)
    response = client.post(f"/c/{city_a.slug}/staff/{chief_a.public_id}/mfa-reset/")
    assert response.status_code == 403
    assert TOTPDevice.objects.filter(pk=device.pk).exists()
    assert events("access.refused", actor=chief_a, details__rule="auth.mfa_reset_self").exists()
    assert not events("auth.mfa_reset").exists()


def test_a_chief_cannot_reset_someone_of_another_city(client, city_a, city_b, chief_a):
    stranger = city_user(city_b, Role.CLERK)
    device = confirmed_device(stranger)
    client.force_login(chief_a)
    response = client.post(f"/c/{city_a.slug}/staff/{stranger.public_id}/mfa-reset/")
    assert response.status_code == 404
    assert TOTPDevice.objects.filter(pk=device.pk).exists()
    refusal = events("access.refused", city=city_a, target_id=str(stranger.public_id)).get()
    assert refusal.details["status"] == 404
    # and through the other city's URL: not a member there
    assert client.post(f"/c/{city_b.slug}/staff/{stranger.public_id}/mfa-reset/").status_code == 404
    assert TOTPDevice.objects.filter(pk=device.pk).exists()


@pytest.mark.parametrize("role", [Role.CLERK, Role.OFFICER, Role.AUDITOR])
def test_only_a_chief_may_reset(client, city_a, role):
    person = city_user(city_a, role)
    target = city_user(city_a, Role.DISPATCHER)
    device = confirmed_device(target)
    client.force_login(person)
    assert client.post(f"/c/{city_a.slug}/staff/{target.public_id}/mfa-reset/").status_code == 403
    assert TOTPDevice.objects.filter(pk=device.pk).exists()


def test_next_may_not_point_off_site(client, city_a, chief_a):
    device = confirmed_device(chief_a)
    password_sign_in(client, chief_a)
    response = client.post(
        "/accounts/mfa/verify/", {"code": current_code(device), "next": "https://evil.example/"}
    )
    assert response["Location"] == "/home/"


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_an_unverified_session_cannot_open_the_live_hits_socket(client, city_a):
    from asgiref.sync import sync_to_async

    from tests.portal.test_websocket import connect

    chief = await sync_to_async(city_user)(city_a, Role.CHIEF)
    device = await sync_to_async(confirmed_device)(chief)
    await sync_to_async(password_sign_in)(client, chief)
    _, connected, code = await connect(client, f"/ws/c/{city_a.slug}/hits/")
    assert not connected and code == 4403

    code_now = await sync_to_async(current_code)(device)
    assert (await sync_to_async(client.post)("/accounts/mfa/verify/", {"code": code_now})).status_code == 302
    communicator, connected, _ = await connect(client, f"/ws/c/{city_a.slug}/hits/")
    assert connected
    await communicator.disconnect()
