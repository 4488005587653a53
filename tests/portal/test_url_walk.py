"""Walk every URL as each persona: the status is what the persona may get, and nothing of another
city (nor any plate without a purpose) is in the body.

The personas: each role of the city's own staff, an officer of another city, a partner under an
agreement, a partner without one, a partner whose access was revoked, and anonymous.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest
from django.urls import get_resolver
from django.utils import timezone

from cameras.models import Frame, Hit, Hotlist, HotlistEntry, Read
from portal.roles import Role
from portal.tenancy import city_scope
from sharing.grants import grant_for
from sharing.models import RevocationCase, RevocationState
from sharing.selectors import ReadQuery
from sharing.services import search_run
from tests.factories import AgencyFactory, CameraFactory, city_user, partner_user
from tests.portal.test_access_rules import walk
from tests.sharing.conftest import PURPOSE, make_agreement

pytestmark = pytest.mark.django_db

# What each city holds that no one of the other city may ever see.
ALPHA_MARKERS = ("ALPHAHIT1", "ALPHAQUIET", "Alpha secret camera", "Alpha secret list")
# (Agency names are a shared registry, offered in every city's agreement form: not a city's data.)
BRAVO_MARKERS = ("BRAVOPLT9", "BRAVOQUIET", "Bravo secret camera", "Bravo secret list")
# A read no hit and no search points at: no page shows it to anyone.
UNPURPOSED_PLATE = "ALPHAQUIET"

PUBLIC_ROUTES = {
    "",
    "healthz",
    "p/<slug:city_slug>/",
    "accounts/login/",
    "api/v1/schema/",
    "accounts/password-reset/",
    "accounts/password-reset/sent/",
    "accounts/reset/<uidb64>/<token>/",
    "accounts/reset/done/",
    "p/<slug:city_slug>/checkpoints.json",
    "p/<slug:city_slug>/report/<int:year>/",
    "p/<slug:city_slug>/report/<int:year>/report.pdf",
    "p/<slug:city_slug>/<slug:table>.csv",
    "api/v1/public/<slug:city_slug>/",
}


def city_data(city, prefix: str, staff):
    camera = CameraFactory(city=city, name=f"{prefix} secret camera")
    now = timezone.now()
    with city_scope(city):
        frame = Frame.objects.create(
            camera=camera,
            captured_at=now - dt.timedelta(minutes=5),
            content_sha256=prefix.lower() * 4,
            content_type="image/jpeg",
            image="frames/none.jpg",
            width=10,
            height=10,
            size_bytes=10,
            status="done",
        )
        hit_plate = "ALPHAHIT1" if prefix == "Alpha" else "BRAVOPLT9"
        read = Read.objects.create(
            camera=camera, frame=frame, source="device", plate=hit_plate, confidence=0.9, captured_at=now
        )
        quiet = Read.objects.create(
            camera=camera,
            source="device",
            plate="ALPHAQUIET" if prefix == "Alpha" else "BRAVOQUIET",
            confidence=0.9,
            captured_at=now,
        )
        hotlist = Hotlist.objects.create(name=f"{prefix} secret list", source="local", created_by=staff)
        entry = HotlistEntry.objects.create(
            hotlist=hotlist, plate=hit_plate, plate_key=hit_plate, reason="Stolen", added_by=staff
        )
        hit = Hit.objects.create(
            read=read,
            entry=entry,
            hotlist=hotlist,
            match_kind="exact",
            listed_plate=hit_plate,
            reason="Stolen",
            priority=hotlist.priority,
        )
    return {"camera": camera, "frame": frame, "read": read, "quiet": quiet, "hotlist": hotlist, "hit": hit}


@pytest.fixture
def world(city_a, city_b):
    alpha_chief = city_user(city_a, Role.CHIEF)
    bravo_chief = city_user(city_b, Role.CHIEF)
    alpha = city_data(city_a, "Alpha", alpha_chief)
    city_data(city_b, "Bravo", bravo_chief)
    kent = AgencyFactory(name="Kent PD", state="WA")
    revoked = AgencyFactory(name="Revoked PD", state="WA")
    bravo_partner = AgencyFactory(name="Bravo partner agency", state="WA")
    agreement = make_agreement(city_a, kent)
    make_agreement(city_b, bravo_partner)
    ended = make_agreement(city_a, revoked, state="revoked")
    with city_scope(city_a):
        case = RevocationCase.objects.create(
            agency=revoked,
            grounds="prohibited_purpose",
            summary="Misuse",
            opened_by=alpha_chief,
            state=RevocationState.REVOKED,
            decided_at=timezone.now(),
        )
    officer = city_user(city_a, Role.OFFICER)
    search = search_run(
        grant=grant_for(officer, city_a), query=ReadQuery(plate="ALPHAHIT1"), **PURPOSE
    ).search
    personas = {
        "chief": alpha_chief,
        "clerk": city_user(city_a, Role.CLERK),
        "dispatcher": city_user(city_a, Role.DISPATCHER),
        "officer": officer,
        "auditor": city_user(city_a, Role.AUDITOR),
        "other_city": city_user(city_b, Role.OFFICER),
        "partner": partner_user(kent),
        "partner_without_agreement": partner_user(AgencyFactory(name="Nowhere PD", state="WA")),
        "revoked_partner": partner_user(revoked),
        "anonymous": None,
    }
    ids = {
        "camera_id": alpha["camera"].public_id,
        "read_id": alpha["read"].public_id,
        "frame_id": alpha["frame"].public_id,
        "hotlist_id": alpha["hotlist"].public_id,
        "hit_id": alpha["hit"].public_id,
        "search_id": search.public_id,
        # A reset link that is not valid: the page says so to anyone.
        "user_id": officer.public_id,
        "uidb64": "MQ",
        "token": "not-a-token",
        "finding_id": uuid.uuid4(),  # no such finding: the walk meets the same 404 as for another city's
        "year": timezone.now().year,
        "table": "agencies",  # a public CSV table of the city
    }
    return {"personas": personas, "ids": ids, "agreement": agreement, "case": case, "ended": ended}


def fill(route: str, city_slug: str, ids: dict, world) -> str:
    def value(match):
        name = match.group(2)
        if name == "city_slug":
            return city_slug
        if name == "public_id":
            return str(world["case"].public_id if "revocations" in route else world["agreement"].public_id)
        if name in ids:
            return str(ids[name])
        # Any other identifier: one that names nothing (the same 404 as another city's).
        return {"uuid": str(uuid.uuid4()), "int": "0"}.get(match.group(1), "nothing")

    return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", value, route)


def routes():
    return sorted({route for route, _, namespaces in walk(get_resolver()) if "admin" not in namespaces})


# Routes where a persona's allowed status is 200 (GET); everything else they reach is refused.
OWN_PAGES = {
    "chief": {"c/<slug:city_slug>/", "c/<slug:city_slug>/audit/", "c/<slug:city_slug>/cameras/"},
    "partner": {"c/<slug:city_slug>/search/"},
}
# What a partner under an agreement reaches of the city: its search (web and API) and the list of
# its own held searches (empty here; a hold of another searcher is the same 404 as a missing one).
PARTNER_ROUTES = {
    "c/<slug:city_slug>/search/",
    "api/v1/c/<slug:city_slug>/searches/",
    "c/<slug:city_slug>/holds/",
}
# Where a plate may show: a hit, for those who verify it.
HIT_ROUTES = {
    "c/<slug:city_slug>/hits/<uuid:hit_id>/",
    "c/<slug:city_slug>/hits/history/",
    "api/v1/c/<slug:city_slug>/hits/",
}


def test_every_url_as_every_persona(client, world, city_a, city_b):
    seen_statuses: dict[str, set[int]] = {}
    for name, user in world["personas"].items():
        client.logout()
        if user is not None:
            client.force_login(user)
        for route in routes():
            url = fill(route, city_a.slug, world["ids"], world)
            response = client.get(url)
            status = response.status_code
            seen_statuses.setdefault(name, set()).add(status)
            where = f"{name} GET {url} -> {status}"
            assert status < 500, where
            body = b"" if response.streaming else response.content
            text = body.decode(errors="replace")
            for marker in BRAVO_MARKERS:
                assert marker not in text, f"{where}: another city's {marker!r} in the body"
            assert UNPURPOSED_PLATE not in text, f"{where}: a plate no search or hit asked for"
            if route in PUBLIC_ROUTES:
                assert status in (200, 302), where
                continue
            outsider = name in ("other_city", "partner_without_agreement", "revoked_partner")
            if name == "anonymous":
                assert status in (302, 401, 403), where
                if status == 302:
                    assert "/accounts/login/" in response["Location"], where
            elif outsider or (name == "partner" and route not in PARTNER_ROUTES):
                if route.startswith(("c/", "api/v1/c/")) or route == "home/":
                    allowed = {200, 302} if route == "home/" else {401, 403, 404}
                    assert status in allowed, where
            # The hit's plate shows on the hit (to those who verify it) and on the hotlist that lists
            # it (a wanted plate, not a read); the audit log records the search made for it.
            purposes = ("c/<slug:city_slug>/hotlists/", "c/<slug:city_slug>/audit/")
            if not (name in ("dispatcher", "chief") and route in HIT_ROUTES) and not route.startswith(
                purposes
            ):
                assert "ALPHAHIT1" not in text, where
            for expected_ok in OWN_PAGES.get(name, ()):
                if route == expected_ok:
                    assert status == 200, where
    # The walk meets real pages and real refusals, not only one kind of answer.
    assert {200, 404} <= seen_statuses["partner"]
    assert {200, 403} <= seen_statuses["dispatcher"]
    assert seen_statuses["other_city"] <= {200, 302, 401, 403, 404, 405}


def test_the_walk_covers_the_whole_urlconf():
    all_routes = routes()
    assert len(all_routes) > 30
    assert "c/<slug:city_slug>/searches/<uuid:search_id>/reads/<uuid:read_id>/crop.jpg" in all_routes
