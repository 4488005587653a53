"""Planting a month of activity for the compliance review tests.

Searches are written as the search service writes them (a ``Search`` row and its audit entry),
then moved to the moment the test needs (``searched_at`` is ``auto_now_add``).
"""

from __future__ import annotations

import datetime as dt
import itertools
import zoneinfo

from django.utils import timezone

from audits.models import Outcome
from audits.services import audit_record
from portal.models import Agency, AgencyKind, City
from portal.roles import Role
from portal.tenancy import city_scope
from sharing.models import AgreementState, Search, SharingAgreement
from tests.factories import AgencyFactory, city_user, partner_user

MONTH = dt.date(2026, 9, 1)
ZONE = zoneinfo.ZoneInfo("America/Los_Angeles")
GOOD_REASONS = [
    "Armed robbery at the 5th Ave pharmacy, suspect vehicle seen leaving north",
    "Stolen vehicle reported by owner on Main Street, recovered plates check",
    "Hit and run collision on Pine Road injuring a cyclist, witness gave plate",
    "Burglary of a warehouse on Dock Street, vehicle seen at the scene",
    "Missing person last seen driving this car near the lake trail",
]
_plates = (f"CLN{n:04d}" for n in itertools.count(1))
_cases = (f"2026-{n:06d}" for n in itertools.count(1000))


def at(day: int, hour: int = 11, minute: int = 0) -> dt.datetime:
    """A moment in the review month, city time."""
    return dt.datetime(MONTH.year, MONTH.month, day, hour, minute, tzinfo=ZONE)


def before(days: int, hour: int = 11) -> dt.datetime:
    return dt.datetime.combine(MONTH - dt.timedelta(days=days), dt.time(hour), ZONE)


class Planter:
    def __init__(self, city: City):
        self.city = city
        self.officer = city_user(city, Role.OFFICER)
        self.partner_agency = AgencyFactory(name=f"Partner PD of {city.slug}")
        self.partner = partner_user(self.partner_agency)
        self.agreement = self.agreement_for(self.partner_agency)

    def agreement_for(self, agency: Agency, **fields) -> SharingAgreement:
        values = {
            "starts_on": MONTH - dt.timedelta(days=60),
            "ends_on": MONTH + dt.timedelta(days=300),
            "declaration_signed_by": "Chief R. Partner",
            "declaration_signed_at": timezone.now(),
            "approved_at": before(61),
            "state_changed_at": before(61),
            "state": AgreementState.ACTIVE,
            **fields,
        }
        return SharingAgreement.all_cities.create(city=self.city, partner_agency=agency, **values)

    def federal_agency(self, name: str = "U.S. Border Patrol", **flags) -> Agency:
        return Agency.objects.create(
            name=name, kind=AgencyKind.FEDERAL, state="", **({"immigration_enforcement": True} | flags)
        )

    def search(
        self,
        when: dt.datetime,
        *,
        user=None,
        plate: str | None = None,
        outcome: str = "allowed",
        rule: str = "allowed",
        reason: str | None = None,
        offense_type: str = "robbery",
        case_number: str | None = None,
        agreement: SharingAgreement | None | str = "auto",
        partial: bool = False,
        cameras_reached: int = 3,
    ) -> Search:
        user = user or self.officer
        agency = user.agency
        if agreement == "auto":
            agreement = None if user.city_id == self.city.pk else self.agreement
        plate = plate or next(_plates)
        reason = reason if reason is not None else GOOD_REASONS[hash(plate) % len(GOOD_REASONS)]
        case_number = case_number if case_number is not None else next(_cases)
        with city_scope(self.city):
            search = Search.objects.create(
                city=self.city,
                user=user,
                username=user.username,
                agency=agency,
                agency_name=agency.name if agency else "",
                agreement=agreement,
                reason=reason,
                offense_type=offense_type,
                case_number=case_number,
                plate_query=plate,
                partial=partial,
                outcome=outcome,
                rule=rule,
                rules=[rule],
                cameras_reached=cameras_reached if outcome == "allowed" else 0,
            )
            Search.objects.filter(pk=search.pk).update(searched_at=when)
            audit_record(
                event_type="search.performed",
                city=self.city,
                actor=user,
                agency=agency,
                target_type="search",
                target_id=str(search.public_id),
                details={"reason": reason, "plate_query": plate, "rule": rule},
                outcome=Outcome.ALLOWED if outcome == "allowed" else Outcome.DENIED,
            )
        search.refresh_from_db()
        return search

    def ordinary_month(self, days: range = range(1, 31), per_day: int = 2) -> list[Search]:
        """What a clean month looks like: specific reasons, real case numbers, daytime, one plate once."""
        searches = []
        for day in days:
            for n in range(per_day):
                searches.append(self.search(at(day, 9 + 3 * n)))
                searches.append(self.search(at(day, 10 + 3 * n), user=self.partner))
        return searches
