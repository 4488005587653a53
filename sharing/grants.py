"""What a searcher may see of a city, right now: one ``SearchGrant``, built in one place.

``grant_for(user, city)`` answers the product's central question once per request, task or socket:
is this user the city's own staff, a partner under an agreement in effect, or nobody; which cameras,
whether partial plates, which offense types, how far back; and whether the city has cut the agency
off. The access rule (``sharing.permissions.CITY_SEARCHER``) builds it and attaches it to the
request; views, APIs, the crop view, the search service and the read selector take it as given.

No other module looks an agreement in effect up for access. The search service rebuilds the grant
with ``for_update=True`` inside its transaction, so that a search racing a revocation returns nothing
(see ``_lock_agreement``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from django.db import connection
from django.db.models import QuerySet

from cameras.models import Camera
from portal.access import RULE_NOT_MEMBER, RULE_NOT_SIGNED_IN, RULE_ROLE
from portal.http import CityMemberApiRequest, CityRequest
from portal.models import Agency, City, User
from portal.rls import system_scope
from portal.roles import SEARCH_ROLES
from portal.tenancy import city_scope
from sharing import policy as engine
from sharing.models import AgreementState, SharingAgreement
from sharing.policy.types import RULE_AGENCY_NO_AGREEMENT
from sharing.selectors.agreements import city_today
from sharing.selectors.revocations import AgencyCutOff, agency_cut_off

# Why a grant allows no search (the rule recorded when the refusal is audited).
REFUSED_NOT_SIGNED_IN = RULE_NOT_SIGNED_IN
REFUSED_ROLE = RULE_ROLE
REFUSED_NOT_MEMBER = RULE_NOT_MEMBER
REFUSED_NO_AGREEMENT = RULE_AGENCY_NO_AGREEMENT
# A partner whose agreement scope lists offense types gave none (the engine checks non-blank ones).
RULE_AGREEMENT_OFFENSE_REQUIRED = "agreement.offense_type_required"


@dataclass(frozen=True)
class SearchGrant:
    """What ``searcher`` may search of ``city``: immutable, built by ``grant_for`` only.

    ``agreement`` is None for the city's own staff and for lookups from another city. ``camera_ids``
    is None when every camera of the city is in scope. ``refusal`` is None when a search may run;
    otherwise the rule code that refuses it (``cut_off`` says why when the city cut the agency off).
    """

    city: City
    searcher: User
    agency: Agency | None
    agreement: SharingAgreement | None
    own_staff: bool
    lookup_from: City | None
    camera_ids: frozenset[int] | None
    partial_plates: bool
    offense_types: frozenset[str]
    retention_days: int
    cut_off: AgencyCutOff | None
    refusal: str | None

    @property
    def allows_search(self) -> bool:
        return self.refusal is None

    @property
    def is_partner(self) -> bool:
        return not self.own_staff and self.lookup_from is None

    @property
    def refusal_is_not_found(self) -> bool:
        """Outsiders and partners without an agreement get the city's 404; staff of another role 403."""
        return self.refusal is not None and self.refusal != REFUSED_ROLE

    def cameras(self) -> QuerySet[Camera]:
        """The city's cameras in scope, by name."""
        with city_scope(self.city):
            cameras: QuerySet[Camera] = Camera.objects.all()
            if self.camera_ids is not None:
                cameras = cameras.filter(pk__in=self.camera_ids)
            return cameras.order_by("name")

    def covers_camera(self, camera_id: int) -> bool:
        return self.allows_search and (self.camera_ids is None or camera_id in self.camera_ids)

    def agreement_scope(self) -> engine.AgreementScope | None:
        """The agreement's scope as the policy engine takes it (None for staff and lookups)."""
        if self.agreement is None:
            return None
        return engine.AgreementScope(
            allow_partial_plate=self.partial_plates, permitted_offense_types=self.offense_types
        )

    def scope_violations(self, *, offense_type: str) -> list[engine.Violation]:
        """What the grant itself refuses of a search, beyond the engine's checks.

        An agreement limited to some offense types covers only searches that name one: a blank
        offense type would otherwise pass whatever the city's policy requires.
        """
        if self.agreement is not None and self.offense_types and not (offense_type or "").strip():
            return [
                engine.Violation(
                    RULE_AGREEMENT_OFFENSE_REQUIRED,
                    "The sharing agreement covers some offense types only: choose the offense type "
                    "this search is for.",
                )
            ]
        return []


def _agreement_in_effect(*, city: City, agency: Agency, on: dt.date) -> SharingAgreement | None:
    with city_scope(city):
        agreement: SharingAgreement | None = (
            SharingAgreement.objects.filter(
                partner_agency=agency, state=AgreementState.ACTIVE, starts_on__lte=on, ends_on__gte=on
            )
            .select_related("partner_agency")
            .prefetch_related("cameras")
            .first()
        )
        return agreement


def _lock_agreement(agreement: SharingAgreement, *, city: City, on: dt.date) -> bool:
    """Hold the agreement row ``FOR SHARE`` until the caller's transaction ends (PostgreSQL).

    A revocation or suspension that has locked it (its transition holds ``FOR UPDATE`` until commit)
    makes us wait, and then the row no longer matches; once we hold the share lock, a revocation
    waits for this search to finish. Either way no search reads through an agreement that has ended.
    """
    if connection.vendor != "postgresql":
        return bool(
            SharingAgreement.all_cities.filter(
                pk=agreement.pk, state=AgreementState.ACTIVE, starts_on__lte=on, ends_on__gte=on
            ).exists()
        )
    # The lock is the raw twin of the ``all_cities`` query above: across cities at the database.
    with system_scope(), connection.cursor() as cursor:
        cursor.execute(
            f"SELECT 1 FROM {SharingAgreement._meta.db_table} "  # noqa: S608 - table name is ours
            "WHERE id = %s AND city_id = %s AND partner_agency_id = %s AND state = %s "
            "AND starts_on <= %s AND ends_on >= %s FOR SHARE",
            [agreement.pk, city.pk, agreement.partner_agency_id, AgreementState.ACTIVE, on, on],
        )
        return cursor.fetchone() is not None


def grant_for(
    user: User, city: City, *, for_update: bool = False, lookup_from: City | None = None
) -> SearchGrant:
    """The one place a ``SearchGrant`` is built: what ``user`` may search of ``city`` now.

    ``lookup_from``: a lookup by one of that city's officers reaching ``city`` (full plates, every
    camera; each reached city's policy still decides). ``for_update``: inside a transaction, lock the
    agreement so that a revocation cannot end it while the search runs.
    """
    # Nothing allowed until a rule below says otherwise (deny by default).
    nothing = SearchGrant(
        city=city,
        searcher=user,
        agency=None,
        agreement=None,
        own_staff=False,
        lookup_from=lookup_from,
        camera_ids=frozenset(),
        partial_plates=False,
        offense_types=frozenset(),
        retention_days=city.retention_days,
        cut_off=None,
        refusal=REFUSED_NOT_MEMBER,
    )

    def refused(
        rule: str, *, agency: Agency | None = None, own: bool = False, cut_off: AgencyCutOff | None = None
    ) -> SearchGrant:
        return replace(nothing, refusal=rule, agency=agency, own_staff=own, cut_off=cut_off)

    if not (user.is_authenticated and user.is_active):
        return refused(REFUSED_NOT_SIGNED_IN)
    if lookup_from is not None:
        agency = lookup_from.own_agency
        if user.city_id != lookup_from.pk or user.role not in SEARCH_ROLES or lookup_from.pk == city.pk:
            return refused(REFUSED_ROLE, agency=agency)
        cut_off = agency_cut_off(city=city, agency=agency)
        return replace(
            nothing,
            agency=agency,
            camera_ids=None,
            cut_off=cut_off,
            refusal=cut_off.rule if cut_off is not None else None,
        )
    if user.is_member_of(city):
        agency = city.own_agency
        if user.role not in SEARCH_ROLES:
            return refused(REFUSED_ROLE, agency=agency, own=True)
        return replace(
            nothing, agency=agency, own_staff=True, camera_ids=None, partial_plates=True, refusal=None
        )
    agency = user.agency
    if not user.is_partner or agency is None:
        return refused(REFUSED_NOT_MEMBER, agency=agency)
    cut_off = agency_cut_off(city=city, agency=agency)
    if cut_off is not None:
        return refused(cut_off.rule, agency=agency, cut_off=cut_off)
    today = city_today(city)
    agreement = _agreement_in_effect(city=city, agency=agency, on=today)
    if agreement is not None and for_update and not _lock_agreement(agreement, city=city, on=today):
        agreement = None
    if agreement is None:
        return refused(REFUSED_NO_AGREEMENT, agency=agency)
    return replace(
        nothing,
        agency=agency,
        agreement=agreement,
        camera_ids=None if agreement.all_cameras else frozenset(c.pk for c in agreement.cameras.all()),
        partial_plates=agreement.allow_partial_plate,
        offense_types=frozenset(agreement.permitted_offense_types),
        refusal=None,
    )


class GrantRequest(CityRequest):
    """A request admitted by ``CITY_SEARCHER``, which attached the searcher's grant."""

    grant: SearchGrant


class GrantApiRequest(CityMemberApiRequest):
    """A DRF request admitted by ``CITY_SEARCHER``, which attached the searcher's grant."""

    grant: SearchGrant
