"""The check a live socket makes before each message it sends is one database query (issue 11,
load): the session row, the user with city and agency, and the two-step device in one statement,
and it still refuses what the full check refuses."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.consumers import session_state
from portal.models import User
from portal.roles import Role
from tests.factories import city_user

pytestmark = pytest.mark.django_db


def signed_in(client, user):
    client.force_login(user)
    return client.session.session_key


def test_a_dispatchers_check_is_one_query(client, city_a, django_assert_num_queries):
    dispatcher = city_user(city_a, Role.DISPATCHER)
    key = signed_in(client, dispatcher)
    with django_assert_num_queries(1):
        fresh, expires, device = session_state(key, dispatcher)
    assert fresh is not None and fresh.pk == dispatcher.pk
    assert expires is not None and expires > timezone.now()
    assert device is None
    with django_assert_num_queries(0):  # city and agency came with the user
        assert fresh.city.slug == city_a.slug


def test_a_chiefs_check_is_one_query_once_the_device_is_known(client, city_a, django_assert_num_queries):
    chief = city_user(city_a, Role.CHIEF)
    key = signed_in(client, chief)  # verified with a confirmed device (tests/mfa.py)
    with django_assert_num_queries(2):  # the first check also reads the device the session names
        fresh, _, device = session_state(key, chief)
    assert fresh is not None and device is not None
    with django_assert_num_queries(1):
        fresh, _, again = session_state(key, chief, device)
    assert fresh is not None and again == device

    TOTPDevice.objects.filter(user=chief).update(confirmed=False)  # behind the services' back
    with django_assert_num_queries(1):
        assert session_state(key, chief, device) == (None, None, None)
    TOTPDevice.objects.filter(user=chief).delete()
    assert session_state(key, chief, device) == (None, None, None)
    assert session_state(key, chief, None) == (None, None, None)


def test_a_hint_naming_another_device_is_not_trusted(client, city_a):
    chief = city_user(city_a, Role.CHIEF)
    key = signed_in(client, chief)
    _, _, device = session_state(key, chief)
    other = TOTPDevice.objects.create(user=city_user(city_a, Role.CLERK), name="x", confirmed=True)
    # the hint is only a guess: the session's own device is what is checked
    fresh, _, checked = session_state(key, chief, other.persistent_id)
    assert fresh is not None and checked == device
    TOTPDevice.objects.filter(user=chief).delete()
    assert session_state(key, chief, other.persistent_id) == (None, None, None)


@pytest.mark.parametrize(
    "change",
    [
        "signed_out",
        "expired",
        "deactivated",
        "role",
        "city",
        "password",
        "tampered",
    ],
)
def test_the_one_query_check_refuses_what_the_full_check_refuses(client, city_a, city_b, change):
    dispatcher = city_user(city_a, Role.DISPATCHER)
    key = signed_in(client, dispatcher)
    assert session_state(key, dispatcher)[0] is not None
    if change == "signed_out":
        Session.objects.filter(session_key=key).delete()
    elif change == "expired":
        Session.objects.filter(session_key=key).update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    elif change == "deactivated":
        User.objects.filter(pk=dispatcher.pk).update(is_active=False)
    elif change == "role":
        User.objects.filter(pk=dispatcher.pk).update(role=Role.OFFICER)
    elif change == "city":
        User.objects.filter(pk=dispatcher.pk).update(city=city_b)
    elif change == "password":
        User.objects.filter(pk=dispatcher.pk).update(password="pbkdf2_sha256$1$x$y")
    elif change == "tampered":
        row = Session.objects.get(session_key=key)
        Session.objects.filter(session_key=key).update(session_data=row.session_data[:-4] + "AAAA")
    assert session_state(key, dispatcher) == (None, None, None)
    assert session_state(None, dispatcher) == (None, None, None)


def test_many_sockets_checked_together_share_the_queries(
    client, city_a, city_b, django_assert_max_num_queries
):
    from portal.consumers import session_states

    dispatchers = [city_user(city_a, Role.DISPATCHER) for _ in range(6)]
    chiefs = [city_user(city_a, Role.CHIEF) for _ in range(3)]
    keys = {user.pk: signed_in(type(client)(), user) for user in dispatchers + chiefs}
    hints = {chief.pk: session_state(keys[chief.pk], chief)[2] for chief in chiefs}
    assert all(hints.values())
    # ends access for some, behind the services' back
    Session.objects.filter(session_key=keys[dispatchers[0].pk]).delete()
    User.objects.filter(pk=dispatchers[1].pk).update(is_active=False)
    User.objects.filter(pk=dispatchers[2].pk).update(city=city_b)
    TOTPDevice.objects.filter(user=chiefs[0]).update(confirmed=False)
    requests = [(keys[u.pk], u, hints.get(u.pk)) for u in dispatchers + chiefs]
    requests.append((keys[dispatchers[3].pk], dispatchers[4], None))  # another person's session
    requests.append((None, dispatchers[5], None))
    with django_assert_max_num_queries(3):  # sessions, users, the hinted TOTP devices
        together = session_states(requests)
    alone = [session_state(*request) for request in requests]
    assert [state[0] is not None for state in together] == [state[0] is not None for state in alone]
    assert [state[0] is not None for state in together] == [
        False, False, False, True, True, True, False, True, True, False, False,
    ]  # fmt: skip
    assert [(s[1], s[2]) for s in together] == [(s[1], s[2]) for s in alone]
