"""A city's sharing agreements, for its staff pages and the partner's home page."""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo
from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from portal.models import Agency, City, User
from portal.object_permissions import holders_of, holds
from portal.roles import AGREEMENT_EDITOR_ROLES
from portal.tenancy import city_scope
from sharing.models import EDIT_AGREEMENT_DRAFT, AgreementState, SharingAgreement


def city_today(city: City) -> dt.date:
    """Today in the city's own time zone (agreements start and end on the city's dates)."""
    return timezone.localdate(timezone=zoneinfo.ZoneInfo(city.time_zone))


def agreements_of_city(*, city: City) -> QuerySet[SharingAgreement]:
    with city_scope(city):
        return SharingAgreement.objects.select_related(
            "partner_agency", "drafted_by", "approved_by"
        ).order_by("-created_at")


def get_agreement_for_city(*, city: City, public_id: uuid.UUID) -> SharingAgreement:
    """The city's agreement, or 404 (missing and another city's answer the same)."""
    agreement = agreements_of_city(city=city).filter(public_id=public_id).first()
    if agreement is None:
        raise Http404("No such agreement.")
    return agreement


def agreements_in_effect_for_agency(*, agency: Agency, on: dt.date | None = None) -> list[SharingAgreement]:
    """Every city that shares with ``agency`` today (for the partner's home page)."""
    on = on or timezone.localdate()
    return list(
        SharingAgreement.all_cities.filter(
            partner_agency=agency, state=AgreementState.ACTIVE, starts_on__lte=on, ends_on__gte=on
        )
        .select_related("city")
        .order_by("city__name")
    )


def agency_with_units(agency: Agency) -> list[Agency]:
    """``agency`` and every agency whose parent chain includes it (its units, at any depth)."""
    found: list[Agency] = [agency]
    seen = {agency.pk}
    frontier = [agency.pk]
    while frontier:
        children = list(Agency.objects.filter(parent_id__in=frontier).exclude(pk__in=seen))
        frontier = [child.pk for child in children]
        seen.update(frontier)
        found.extend(children)
    return found


def agreements_of_agency_and_units(*, city: City, agency: Agency) -> QuerySet[SharingAgreement]:
    """Every agreement of ``city`` with ``agency`` or one of its units."""
    pks = [node.pk for node in agency_with_units(agency)]
    with city_scope(city):
        return SharingAgreement.objects.filter(partner_agency_id__in=pks)


def agency_readmitted_after(*, city: City, agency: Agency, moment: dt.datetime) -> bool:
    """Whether the chief of ``city`` approved an agreement with ``agency`` after ``moment`` (the
    decision of a revocation: a new agreement is how a revoked agency is let back in)."""
    with city_scope(city):
        return SharingAgreement.objects.filter(partner_agency=agency, approved_at__gt=moment).exists()


def another_active_agreement_exists(*, agreement: SharingAgreement) -> bool:
    """Whether the agreement's city has another active agreement with the same partner agency."""
    with city_scope(agreement.city):
        return (
            SharingAgreement.objects.filter(
                partner_agency=agreement.partner_agency, state=AgreementState.ACTIVE
            )
            .exclude(pk=agreement.pk)
            .exists()
        )


def active_agreements_of_city(*, city: City) -> list[SharingAgreement]:
    """Every active agreement of ``city`` with its partner and cameras, by partner name (the public page)."""
    with city_scope(city):
        return list(
            SharingAgreement.objects.filter(state=AgreementState.ACTIVE)
            .select_related("partner_agency")
            .prefetch_related("cameras")
            .order_by("partner_agency__name")
        )


def may_edit_draft(*, user: User, agreement: SharingAgreement) -> bool:
    """A draft is edited by the city's clerks and chief, and by staff assigned to this one draft."""
    return agreement.state == AgreementState.DRAFT and (
        user.has_city_role(agreement.city, *AGREEMENT_EDITOR_ROLES)
        or holds(user, agreement, EDIT_AGREEMENT_DRAFT)
    )


def draft_editors(*, agreement: SharingAgreement) -> list[User]:
    """Staff assigned to edit this draft (besides the clerks and the chief, who edit every draft)."""
    return holders_of(agreement, EDIT_AGREEMENT_DRAFT)


def agreements_past_their_end(*, city: City, before: dt.date | None = None) -> list[SharingAgreement]:
    """Active or suspended agreements of ``city`` that ended before ``before`` (default: the city's
    today) and were not expired: the daily expiry job, and the review's hygiene finding."""
    with city_scope(city):
        return list(
            SharingAgreement.objects.filter(
                state__in=[AgreementState.ACTIVE, AgreementState.SUSPENDED],
                ends_on__lt=before if before is not None else city_today(city),
            ).select_related("partner_agency")
        )


def agreements_by_pk(*, city: City, pks: Iterable[int] | QuerySet[Any]) -> QuerySet[SharingAgreement]:
    """The city's agreements among ``pks`` (those the review's searches were made under)."""
    with city_scope(city):
        return SharingAgreement.objects.filter(pk__in=pks)


def agreements_with_agencies(*, city: City, agency_ids: Iterable[int]) -> list[SharingAgreement]:
    """Every agreement of ``city`` with any of ``agency_ids``, whatever its state (the review)."""
    with city_scope(city):
        return list(SharingAgreement.objects.filter(partner_agency_id__in=set(agency_ids)))


def agreements_approved_in_force(*, city: City, start: dt.date, end: dt.date) -> list[SharingAgreement]:
    """Approved agreements of ``city`` in force at some point of [``start``, ``end``), by partner
    name (the annual report)."""
    with city_scope(city):
        return list(
            SharingAgreement.objects.filter(starts_on__lt=end, ends_on__gte=start, approved_at__isnull=False)
            .select_related("partner_agency")
            .order_by("partner_agency__name")
        )
