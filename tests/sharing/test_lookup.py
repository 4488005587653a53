"""Lookups between cities of the installation: both opt in, full plate only, audited in both cities."""

from __future__ import annotations

import pytest

from audits.models import AuditEvent
from portal.models import PolicyPreset
from portal.tenancy import city_scope
from sharing.models import Search
from sharing.selectors import ReadQuery, lookup_cities_for
from sharing.services import city_policy_update, lookup_run
from tests.factories import CityFactory
from tests.sharing.conftest import IMMIGRATION_PURPOSE, PURPOSE, make_read

pytestmark = pytest.mark.django_db


def opt_in(city, chief, **values):
    city_policy_update(city=city, by=chief, values={"statewide_lookup_enabled": True, **values})


@pytest.fixture
def chief_b(city_b):
    from portal.roles import Role
    from tests.factories import city_user

    return city_user(city_b, Role.CHIEF)


def test_lookup_reaches_a_city_that_opted_in_and_both_audit_logs_record_it(
    client, city_a, city_b, chief_a, chief_b, officer_a, camera_b
):
    opt_in(city_a, chief_a)
    opt_in(city_b, chief_b)
    read = make_read(camera_b, "ABC1234")
    make_read(camera_b, "XYZ9876")
    result = lookup_run(user=officer_a, city=city_a, query=ReadQuery(plate="ABC1234"), **PURPOSE)
    assert result.allowed and [r.pk for r in result.reads] == [read.pk]
    with city_scope(city_a):
        [search] = Search.objects.all()
    assert search.scope == "statewide" and search.cities_reached == 1 and search.result_count == 1
    mine = AuditEvent.objects.get(city=city_a, event_type="search.lookup")
    theirs = AuditEvent.objects.get(city=city_b, event_type="search.lookup_received")
    assert mine.outcome == theirs.outcome == "allowed" and theirs.actor == officer_a
    assert theirs.details["from_city"] == str(city_a.public_id) and theirs.details["result_count"] == 1
    assert theirs.details["case_number"] == PURPOSE["case_number"]
    # The page shows it too.
    client.force_login(officer_a)
    response = client.post(f"/c/{city_a.slug}/lookup/", {"plate": "ABC1234", **PURPOSE})
    assert response.status_code == 200 and camera_b.name in response.content.decode()


def test_no_lookup_unless_both_opt_in(city_a, city_b, chief_a, chief_b, officer_a, camera_b):
    make_read(camera_b, "ABC1234")
    off = lookup_run(user=officer_a, city=city_a, query=ReadQuery(plate="ABC1234"), **PURPOSE)
    assert off.decision.rule == "scope.statewide_lookup_disabled" and off.reads == []
    opt_in(city_a, chief_a)
    assert lookup_cities_for(city=city_a) == []
    alone = lookup_run(user=officer_a, city=city_a, query=ReadQuery(plate="ABC1234"), **PURPOSE)
    assert alone.allowed and alone.reads == [] and alone.search.cities_reached == 0
    assert not AuditEvent.objects.filter(city=city_b).exists()


def test_lookup_is_full_plate_only(city_a, city_b, chief_a, chief_b, officer_a, camera_b):
    opt_in(city_a, chief_a)
    opt_in(city_b, chief_b)
    make_read(camera_b, "ABC1234")
    result = lookup_run(user=officer_a, city=city_a, query=ReadQuery(plate="ABC12", partial=True), **PURPOSE)
    assert result.decision.rule == "scope.lookup_full_plate_only" and result.reads == []


def test_a_prohibited_purpose_stops_the_lookup_before_it_leaves(city_a, city_b, chief_a, chief_b, officer_a):
    opt_in(city_a, chief_a)
    opt_in(city_b, chief_b)
    result = lookup_run(user=officer_a, city=city_a, query=ReadQuery(plate="ABC1234"), **IMMIGRATION_PURPOSE)
    assert result.decision.rule == "prohibited_purpose.immigration"
    assert AuditEvent.objects.get(city=city_a, event_type="search.lookup").outcome == "denied"
    assert not AuditEvent.objects.filter(city=city_b, event_type="search.lookup_received").exists()


def test_another_state_needs_national_lookup_on_both_sides(city_a, chief_a, officer_a):
    from portal.roles import Role
    from tests.factories import CameraFactory, city_user

    oregon = CityFactory(slug="portland", name="Portland", state="OR", policy_preset=PolicyPreset.OTHER)
    chief_or = city_user(oregon, Role.CHIEF)
    make_read(CameraFactory(city=oregon), "ABC1234")
    opt_in(city_a, chief_a)
    opt_in(oregon, chief_or)
    assert lookup_cities_for(city=city_a) == []
    opt_in(city_a, chief_a, national_lookup_enabled=True)
    opt_in(oregon, chief_or, national_lookup_enabled=True)
    assert lookup_cities_for(city=city_a) == [oregon]
    result = lookup_run(user=officer_a, city=city_a, query=ReadQuery(plate="ABC1234"), **PURPOSE)
    [reached] = result.lookups
    # Oregon's own policy decides: its "other" preset allows an out-of-state local agency.
    assert reached.decision.allowed and len(reached.reads) == 1
    assert AuditEvent.objects.get(city=oregon, event_type="search.lookup_received").outcome == "allowed"


def test_a_reached_city_refuses_by_its_own_policy_and_records_the_denial(city_a, chief_a, officer_a):
    """A Washington city answers a lookup from another state's city with its out-of-state rule."""
    from portal.roles import Role
    from tests.factories import CameraFactory, city_user

    oregon = CityFactory(slug="salem", name="Salem", state="OR", policy_preset=PolicyPreset.OTHER)
    oregon.own_agency.state = "OR"
    oregon.own_agency.save()
    officer_or = city_user(oregon, Role.OFFICER)
    make_read(CameraFactory(city=city_a), "ABC1234")
    opt_in(city_a, chief_a, national_lookup_enabled=True)
    opt_in(oregon, city_user(oregon, Role.CHIEF), national_lookup_enabled=True)
    result = lookup_run(user=officer_or, city=oregon, query=ReadQuery(plate="ABC1234"), **PURPOSE)
    [reached] = result.lookups
    assert reached.decision.rule == "agency.out_of_state_not_permitted" and result.reads == []
    assert AuditEvent.objects.get(city=city_a, event_type="search.lookup_received").outcome == "denied"


def test_lookup_page_is_for_officers_and_chief(client, city_a, clerk_a, outsider):
    client.force_login(clerk_a)
    assert client.get(f"/c/{city_a.slug}/lookup/").status_code == 403
    client.force_login(outsider)
    assert client.get(f"/c/{city_a.slug}/lookup/").status_code == 404
