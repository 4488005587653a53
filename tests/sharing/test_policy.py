"""The city policy: created from the state preset, every change by the chief, every change audited."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from audits.models import AuditEvent
from portal.models import City, PolicyPreset
from portal.roles import Role
from sharing.models import CityPolicy
from sharing.selectors import city_policy_of, engine_policy_of
from sharing.services import city_policy_update
from tests.factories import city_user

pytestmark = pytest.mark.django_db


def policy_events(city):
    return list(AuditEvent.objects.filter(city=city, event_type__startswith="policy.").order_by("sequence"))


def test_a_city_starts_from_its_state_preset(city_a):
    policy = city_policy_of(city_a)
    assert policy.pk is None and policy.preset == PolicyPreset.WASHINGTON
    assert not policy.allow_federal_agencies and not policy.allow_out_of_state_agencies
    assert not policy.statewide_lookup_enabled and not policy.national_lookup_enabled
    assert policy.require_case_number and policy.require_offense_type
    engine = policy.to_engine()
    assert (
        engine.home_state == "WA"
        and engine.preset == "WA"
        and "traffic" not in engine.permitted_offense_types
    )
    assert "civil_immigration_enforcement" in engine.prohibited_purposes
    assert engine.citation("agency.immigration_enforcement")


@pytest.mark.parametrize(
    "preset, federal, out_of_state, declaration",
    [
        (PolicyPreset.CALIFORNIA, False, False, False),
        (PolicyPreset.ILLINOIS, True, True, True),
        (PolicyPreset.OTHER, True, True, False),
    ],
)
def test_presets(city_a, preset, federal, out_of_state, declaration):
    city_a.policy_preset = preset
    policy = city_policy_of(city_a)
    assert policy.allow_federal_agencies == federal and policy.allow_out_of_state_agencies == out_of_state
    assert policy.require_declaration_for_outside_agencies == declaration


def test_chief_edits_every_change_is_audited_and_retention_follows(city_a, chief_a):
    city_policy_update(
        city=city_a,
        by=chief_a,
        values={"retention_days": 14, "statewide_lookup_enabled": True, "min_partial_plate_length": 6},
    )
    assert City.objects.get(pk=city_a.pk).retention_days == 14
    created, *changes = policy_events(city_a)
    assert created.event_type == "policy.created" and created.details["values"]["retention_days"] == 21
    assert {(e.details["field"], e.details["old"], e.details["new"]) for e in changes} == {
        ("retention_days", 21, 14),
        ("statewide_lookup_enabled", False, True),
        ("min_partial_plate_length", 5, 6),
    }
    assert all(e.actor == chief_a for e in changes)
    assert engine_policy_of(city_a).min_partial_plate_length == 6
    # A second edit records only what changed; saving the same values records nothing.
    city_policy_update(
        city=city_a, by=chief_a, values={"prohibited_purposes": ["civil_immigration_enforcement"]}
    )
    last = policy_events(city_a)[-1]
    assert last.details["field"] == "prohibited_purposes"
    assert last.details["new"] == ["civil_immigration_enforcement"]
    count = len(policy_events(city_a))
    city_policy_update(city=city_a, by=chief_a, values={"retention_days": 14})
    assert len(policy_events(city_a)) == count


@pytest.mark.parametrize("role", [Role.CLERK, Role.OFFICER, Role.AUDITOR])
def test_only_the_chief_edits(city_a, role):
    with pytest.raises(PermissionDenied):
        city_policy_update(city=city_a, by=city_user(city_a, role), values={"retention_days": 5})
    assert policy_events(city_a) == [] and City.objects.get(pk=city_a.pk).retention_days == 21


def test_bad_values_are_refused(city_a, chief_a):
    with pytest.raises(ValidationError):
        city_policy_update(city=city_a, by=chief_a, values={"prohibited_purposes": ["jaywalking"]})
    with pytest.raises(ValidationError):
        city_policy_update(city=city_a, by=chief_a, values={"retention_days": 0})
    assert policy_events(city_a) == [] and not CityPolicy.all_cities.exists()


def test_policy_page(client, city_a, chief_a, outsider):
    client.force_login(chief_a)
    page = client.get(f"/c/{city_a.slug}/policy/")
    assert page.status_code == 200 and "Washington" in page.content.decode()
    form = {
        "retention_days": "10",
        "prohibited_purposes": ["civil_immigration_enforcement", "first_amendment_activity"],
        "permitted_offense_types": ["robbery", "homicide"],
        "require_case_number": "on",
        "require_offense_type": "on",
        "min_partial_plate_length": "5",
    }
    assert client.post(f"/c/{city_a.slug}/policy/", form).status_code == 302
    assert City.objects.get(pk=city_a.pk).retention_days == 10
    assert any(e.details.get("field") == "permitted_offense_types" for e in policy_events(city_a))
    assert client.post(f"/c/{city_a.slug}/policy/", {**form, "retention_days": "0"}).status_code == 400
    client.force_login(city_user(city_a, Role.CLERK))
    assert client.get(f"/c/{city_a.slug}/policy/").status_code == 403
    client.force_login(outsider)
    assert client.get(f"/c/{city_a.slug}/policy/").status_code == 404
