"""The city's policy as saved and as the policy engine takes it; which cities a lookup reaches."""

from __future__ import annotations

from django.db.models import Q

from portal.models import Agency, City
from portal.tenancy import city_scope
from sharing import policy as engine
from sharing.models import CityPolicy, SharingAgreement


def city_policy_of(city: City) -> CityPolicy:
    """The city's saved policy, or its preset (unsaved) when the chief has not edited it yet."""
    with city_scope(city):
        saved = CityPolicy.objects.filter(city=city).first()
    return saved if saved is not None else CityPolicy.from_preset(city)


def engine_policy_of(city: City) -> engine.PolicyRules:
    return city_policy_of(city).to_engine()


def agency_profile(agency: Agency, *, agreement: SharingAgreement | None = None) -> engine.AgencyProfile:
    """The engine's view of an agency: its registry flags and its whole parent chain."""
    chain = agency.parent_chain()
    return engine.AgencyProfile(
        name=agency.name,
        kind=agency.kind,
        state=agency.state,
        immigration_enforcement=agency.immigration_enforcement,
        participates_287g=agency.participates_287g,
        federal_task_force=agency.federal_task_force,
        parent_chain=tuple(parent.name for parent in chain[1:]),
        immigration_parents=tuple(parent.name for parent in chain[1:] if parent.immigration_enforcement),
        signed_declaration=bool(agreement is not None and agreement.has_signed_declaration()),
    )


def lookup_cities_for(*, city: City) -> list[City]:
    """Other cities a lookup from ``city`` may reach: both opted in (same state: statewide lookup;
    another state: national lookup). Each reached city's own policy still decides the search."""
    origin = city_policy_of(city)
    if not (origin.statewide_lookup_enabled or origin.national_lookup_enabled):
        return []
    reachable: list[City] = []
    opted_in = CityPolicy.all_cities.exclude(city=city).filter(
        Q(statewide_lookup_enabled=True) | Q(national_lookup_enabled=True)
    )
    for policy in opted_in.select_related("city").order_by("city__name"):
        other = policy.city
        if other.state == city.state:
            if origin.statewide_lookup_enabled and policy.statewide_lookup_enabled:
                reachable.append(other)
        elif origin.national_lookup_enabled and policy.national_lookup_enabled:
            reachable.append(other)
    return reachable
