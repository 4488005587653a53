"""Revocation: cases, the permanent block list, and whether a city has cut an agency off."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.http import Http404

from audits.models import AuditEvent
from portal.models import Agency, City
from portal.tenancy import city_scope
from sharing.models import PermanentBlock, RevocationCase, RevocationState, Search
from sharing.policy.text import normalize_name
from sharing.policy.types import RULE_AGENCY_BLOCKED
from sharing.selectors.agreements import agency_readmitted_after, agency_with_units


def permanent_blocks_of(*, city: City) -> QuerySet[PermanentBlock]:
    with city_scope(city):
        return PermanentBlock.objects.select_related("agency", "case").order_by("-created_at")


def _block_names(block: PermanentBlock) -> set[str]:
    """The names a block covers: the agency and its parent chain, as recorded and as they stand now."""
    names = set(block.covered_names or []) | {block.agency_name}
    names |= {agency.name for agency in block.agency.parent_chain()}
    return {name for name in names if name and name.strip()}


def blocked_agency_names(*, city: City) -> frozenset[str]:
    """The city's permanent block list as the policy engine takes it (``blocked_agency_names``).

    The engine refuses an agency whose own name or any parent's name is on it; each block lists the
    blocked agency and its parent organisations, so units, siblings and parents are all refused.
    """
    names: set[str] = set()
    for block in permanent_blocks_of(city=city):
        names |= _block_names(block)
    return frozenset(names)


def permanent_block_covering(*, city: City, agency: Agency | None) -> PermanentBlock | None:
    """The city's permanent block that covers ``agency`` (itself, a unit, a parent or a sibling)."""
    if agency is None:
        return None
    chain = agency.parent_chain()
    chain_pks = {node.pk for node in chain}
    chain_names = {normalize_name(node.name) for node in chain}
    for block in permanent_blocks_of(city=city):
        if block.agency_id in chain_pks or {normalize_name(n) for n in _block_names(block)} & chain_names:
            return block
    return None


def block_citation(block: PermanentBlock) -> str:
    case = block.case
    when = (case.decided_at or block.created_at).date().isoformat()
    return (
        f"{block.agency_name} was permanently revoked by this city on {when} "
        f"(revocation case {case.reference}, grounds: {case.get_grounds_display().lower()})."
    )


# The refusal rule of each way a city cuts an agency off.
RULE_AGENCY_SUSPENDED = "agency.suspended"
RULE_AGENCY_REVOKED = "agency.revoked"
CUT_OFF_RULES = {
    "blocked": RULE_AGENCY_BLOCKED,
    "suspended": RULE_AGENCY_SUSPENDED,
    "revoked": RULE_AGENCY_REVOKED,
}


@dataclass(frozen=True)
class AgencyCutOff:
    """Why a city has cut an agency off: a permanent block, a suspension under review, a revocation.

    (Not to be confused with a read's retention deadline, ``retention_deadline``.)
    """

    kind: str  # "blocked", "suspended" or "revoked"
    case: RevocationCase
    message: str

    @property
    def rule(self) -> str:
        return CUT_OFF_RULES[self.kind]


def agency_cut_off(*, city: City, agency: Agency | None) -> AgencyCutOff | None:
    """Whether ``city`` has cut ``agency`` off (directly or through an organisation above it).

    A permanent block always holds. A suspension holds while its case is under review. A revocation
    on other grounds holds until the chief approves a new agreement with the agency after it.
    """
    if agency is None:
        return None
    block = permanent_block_covering(city=city, agency=agency)
    if block is not None:
        return AgencyCutOff("blocked", block.case, block_citation(block))
    chain_pks = [node.pk for node in agency.parent_chain()]
    with city_scope(city):
        cases = RevocationCase.objects.filter(agency_id__in=chain_pks).filter(
            Q(state=RevocationState.UNDER_REVIEW, suspended_at__isnull=False)
            | Q(state=RevocationState.REVOKED)
        )
        for case in cases.select_related("agency").order_by("-opened_at"):
            if case.state == RevocationState.UNDER_REVIEW:
                return AgencyCutOff(
                    "suspended",
                    case,
                    f"{case.agency.name} is suspended while revocation case {case.reference} is under review.",
                )
            decided_at = case.decided_at or case.opened_at  # a revoked case always has its decision time
            if not agency_readmitted_after(city=city, agency=agency, moment=decided_at):
                return AgencyCutOff(
                    "revoked",
                    case,
                    f"{case.agency.name}'s access was revoked on {decided_at.date().isoformat()} "
                    f"(revocation case {case.reference}).",
                )
    return None


def revocation_cases_of(*, city: City, state: str = "", grounds: str = "") -> QuerySet[RevocationCase]:
    with city_scope(city):
        cases = RevocationCase.objects.select_related("agency", "opened_by", "decided_by")
        if state:
            cases = cases.filter(state=state)
        if grounds:
            cases = cases.filter(grounds=grounds)
        return cases.order_by("-opened_at")


def get_revocation_case_for_city(*, city: City, public_id: uuid.UUID) -> RevocationCase:
    """The city's case, or 404 (missing and another city's answer the same)."""
    case = revocation_cases_of(city=city).filter(public_id=public_id).first()
    if case is None:
        raise Http404("No such revocation case.")
    return case


def revocation_evidence_candidates(
    *, city: City, agency: Agency, limit: int = 200
) -> tuple[QuerySet[AuditEvent], QuerySet[Search]]:
    """The city's audit entries and searches of ``agency`` and its units, newest first, to attach."""
    pks = [node.pk for node in agency_with_units(agency)]
    events = AuditEvent.objects.filter(city=city, agency_id__in=pks).order_by("-sequence")[:limit]
    with city_scope(city):
        searches = Search.objects.filter(agency_id__in=pks).order_by("-searched_at")[:limit]
    return events, searches


def revocation_case_history(*, case: RevocationCase) -> QuerySet[AuditEvent]:
    """The case's own audit entries (every transition: who, when, why)."""
    return AuditEvent.objects.filter(
        city_id=case.city_id, target_type="revocation_case", target_id=str(case.public_id)
    ).order_by("sequence")
