"""The policy engine: decides a search (or a sharing agreement) before any query runs.

Order of the deciding rule (all rules that fire are kept in ``Decision.violations``):

1. the agency itself: an immigration-enforcement agency (flag, name or parent
   organisation) or one on the city's permanent block list;
2. a prohibited purpose in the reason / offense / case text (immigration,
   reproductive care, First Amendment activity). This comes before the other
   agency rules on purpose: an attempt to use the data for immigration
   enforcement must be recorded as such even when the agency would be refused
   anyway (out of state, say), because the monthly review revokes agencies for
   exactly that;
3. the remaining agency eligibility rules (287(g), no agreement, federal,
   federal task force, out of state, missing declaration) and the search scope
   (National Lookup / statewide pools);
4. required fields (case number, offense type);
5. a vague reason;
6. an offense type the policy does not permit;
7. a search outside the partner's sharing agreement (partial plate, offense type);
8. a partial plate that is too short.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from . import classifier as C
from . import screen as S
from . import text as T
from .offenses import normalize_offense, offense_label
from .types import (
    FEDERAL,
    PURPOSE_FIRST_AMENDMENT,
    PURPOSE_IMMIGRATION,
    PURPOSE_REPRODUCTIVE,
    RULE_AGENCY_287G,
    RULE_AGENCY_BLOCKED,
    RULE_AGENCY_DECLARATION,
    RULE_AGENCY_FEDERAL,
    RULE_AGENCY_IMMIGRATION,
    RULE_AGENCY_NO_AGREEMENT,
    RULE_AGENCY_OUT_OF_STATE,
    RULE_AGENCY_TASK_FORCE,
    RULE_AGREEMENT_OFFENSE_NOT_PERMITTED,
    RULE_AGREEMENT_PARTIAL_NOT_PERMITTED,
    RULE_LOOKUP_FULL_PLATE_ONLY,
    RULE_MISSING_CASE_NUMBER,
    RULE_MISSING_OFFENSE_TYPE,
    RULE_MISSING_REASON,
    RULE_OFFENSE_NOT_PERMITTED,
    RULE_PARTIAL_PLATE_TOO_SHORT,
    RULE_PURPOSE_FIRST_AMENDMENT,
    RULE_PURPOSE_IMMIGRATION,
    RULE_PURPOSE_REPRODUCTIVE,
    RULE_SCOPE_NATIONAL,
    RULE_SCOPE_STATEWIDE,
    RULE_VAGUE_REASON,
    SCOPE_NATIONAL,
    SCOPE_STATEWIDE,
    AgencyProfile,
    AgreementScope,
    Decision,
    PolicyRules,
    SearchRequest,
    Violation,
)

VAGUE_REASON_MESSAGE = (
    "Reason must describe the specific incident: what happened, where, and when "
    "(for example 'armed robbery at the 5th Ave pharmacy on 3 May, suspect vehicle')."
)

_PLACEHOLDER_CASE_NUMBERS = frozenset(
    "na none null nil no tbd tba unknown unk pending x xx xxx xxxx test asdf n a".split()
)


def _cite(policy: PolicyRules, rule: str, fallback: str) -> str:
    return policy.citation(rule) or fallback


def _quote(evidence: Iterable[str]) -> str:
    return ", ".join(f"'{e}'" for e in evidence)


# --------------------------------------------------------------------------
# Agencies
# --------------------------------------------------------------------------


def immigration_agency_evidence(agency: AgencyProfile) -> tuple[str, ...]:
    """Why an agency counts as an immigration-enforcement agency (empty if it does not)."""
    ev: list[str] = []
    if agency.immigration_enforcement:
        ev.append(f"{agency.name} is flagged as an immigration-enforcement agency")
    if T.looks_like_immigration_agency(agency.name):
        ev.append(agency.name)
    for parent in agency.immigration_parents:
        ev.append(f"parent organisation {parent} is flagged as an immigration-enforcement agency")
    for parent in agency.parent_chain:
        if parent not in agency.immigration_parents and T.looks_like_immigration_agency(
            parent, as_parent=True
        ):
            ev.append(f"parent organisation {parent}")
    return tuple(ev)


def blocked_match(agency: AgencyProfile, blocked_agency_names: Iterable[str]) -> str | None:
    """The block-list entry that matches the agency or one of its parents, if any."""
    blocked = {T.normalize_name(b): b for b in blocked_agency_names if b and b.strip()}
    if not blocked:
        return None
    if T.normalize_name(agency.name) in blocked:
        return f"{agency.name} is on the city's permanent block list"
    for parent in agency.parent_chain:
        key = T.normalize_name(parent)
        if key in blocked:
            return f"its parent organisation {blocked[key]} is on the city's permanent block list"
    return None


def _is_out_of_state(agency: AgencyProfile, policy: PolicyRules) -> bool:
    if agency.kind == FEDERAL:
        return False
    if not policy.home_state:
        return False
    return agency.state != policy.home_state  # an unknown state fails closed


def _agency_violations(
    agency: AgencyProfile,
    policy: PolicyRules,
    blocked_agency_names: Iterable[str],
) -> tuple[list[Violation], list[Violation]]:
    """(first-rank violations, other agency violations)."""
    first: list[Violation] = []
    rest: list[Violation] = []
    imm = immigration_agency_evidence(agency)
    if imm:
        first.append(
            Violation(
                RULE_AGENCY_IMMIGRATION,
                _cite(
                    policy,
                    RULE_AGENCY_IMMIGRATION,
                    "The city's policy forbids sharing this data with immigration-enforcement agencies.",
                )
                + f" {agency.name} is treated as one ({'; '.join(imm)}).",
                imm,
            )
        )
    blocked = blocked_match(agency, blocked_agency_names)
    if blocked:
        first.append(
            Violation(
                RULE_AGENCY_BLOCKED,
                f"{agency.name} may not receive this city's data: {blocked} "
                "(permanent revocation; see the revocation record).",
                (blocked,),
            )
        )
    if agency.participates_287g and policy.refuse_287g_agencies:
        rest.append(
            Violation(
                RULE_AGENCY_287G,
                f"{agency.name} takes part in a 287(g) immigration-enforcement agreement; the city's policy "
                "refuses sharing with such agencies.",
            )
        )
    is_federal = agency.kind == FEDERAL
    if is_federal and not policy.allow_federal_agencies:
        rest.append(
            Violation(
                RULE_AGENCY_FEDERAL,
                _cite(
                    policy,
                    RULE_AGENCY_FEDERAL,
                    "The city's policy does not share data with federal agencies.",
                )
                + f" {agency.name} is a federal agency.",
            )
        )
    if (
        not is_federal
        and agency.federal_task_force
        and not policy.allow_federal_agencies
        and policy.treat_federal_task_force_as_federal
    ):
        rest.append(
            Violation(
                RULE_AGENCY_TASK_FORCE,
                f"{agency.name} is searching as part of a federal task force; the city's policy "
                "treats that as "
                "federal access, which it does not permit.",
            )
        )
    out_of_state = _is_out_of_state(agency, policy)
    if out_of_state and not policy.allow_out_of_state_agencies:
        where = agency.state or "an unknown state"
        rest.append(
            Violation(
                RULE_AGENCY_OUT_OF_STATE,
                _cite(
                    policy,
                    RULE_AGENCY_OUT_OF_STATE,
                    f"The city's policy does not share data with agencies outside {policy.home_state}.",
                )
                + f" {agency.name} is in {where}.",
            )
        )
    if (
        policy.require_declaration_for_outside_agencies
        and not agency.signed_declaration
        and (
            (out_of_state and policy.allow_out_of_state_agencies)
            or (is_federal and policy.allow_federal_agencies)
        )
    ):
        rest.append(
            Violation(
                RULE_AGENCY_DECLARATION,
                _cite(
                    policy,
                    RULE_AGENCY_DECLARATION,
                    "Agencies outside the state must sign the city's written declaration first.",
                )
                + f" {agency.name} has not signed it.",
            )
        )
    return first, rest


def evaluate_agreement(
    agency: AgencyProfile,
    policy: PolicyRules,
    blocked_agency_names: Iterable[str] = frozenset(),
) -> Decision:
    """May a sharing agreement with ``agency`` exist under ``policy``?"""
    first, rest = _agency_violations(agency, policy, blocked_agency_names)
    violations = first + rest
    if violations:
        return Decision.deny(violations)
    return Decision.allow(f"A sharing agreement with {agency.name} is permitted under the city's policy.")


# --------------------------------------------------------------------------
# Searches
# --------------------------------------------------------------------------

_PURPOSES = (
    (
        PURPOSE_IMMIGRATION,
        RULE_PURPOSE_IMMIGRATION,
        T.find_immigration,
        "The city's policy forbids using this data for civil immigration enforcement.",
        "This search appears to be for civil immigration enforcement",
    ),
    (
        PURPOSE_REPRODUCTIVE,
        RULE_PURPOSE_REPRODUCTIVE,
        T.find_reproductive,
        "The city's policy forbids using this data to investigate reproductive health care.",
        "This search appears to target reproductive health care",
    ),
    (
        PURPOSE_FIRST_AMENDMENT,
        RULE_PURPOSE_FIRST_AMENDMENT,
        T.find_first_amendment,
        "The city's policy forbids using this data to track First Amendment activity.",
        "This search appears to track participants in protected First Amendment activity",
    ),
)


_SCREEN_FAMILIES = {
    PURPOSE_IMMIGRATION: ("immigration",),
    PURPOSE_REPRODUCTIVE: ("reproductive", "gender_care"),
    PURPOSE_FIRST_AMENDMENT: ("first_amendment",),
}

HOLD_MESSAGE = (
    "The search is held for a supervisor's review: nothing ran, and the held search is recorded and "
    "audited. Ask a supervisor of your agency (the city's chief for the city's own officers) to review it."
)


# The older lexical finder of each screen family: its evidence joins the screen's concept words.
_OLD_FINDERS = {
    "immigration": T.find_immigration,
    "reproductive": T.find_reproductive,
    "gender_care": T.find_gender_care,
    "first_amendment": T.find_first_amendment,
}


def _screen(purpose: str, family: str, text: str, old: tuple[str, ...], reason: str) -> S.Finding:
    if purpose == PURPOSE_IMMIGRATION:
        return S.screen_immigration(text, old, reason=reason)
    return S.screen_protected(text, family, old, reason=reason)


def purpose_violations(request: SearchRequest, policy: PolicyRules) -> list[Violation]:
    """Prohibited purposes, found by the lexical analysis and the multilingual concept screen.

    A word of a prohibited family refuses the search when it is what the search is for; when it
    names the victim, a threat, the place or a source of evidence of a concrete crime the search
    goes on; when the cues conflict or are weak the search is held for a supervisor. Gender-affirming
    care is a family of its own, screened only where the policy protects it.
    """
    out: list[Violation] = []
    texts = [request.reason or "", request.offense_type or "", request.case_number or ""]
    joined = " ; ".join(t for t in texts if t.strip())
    for purpose, rule, _finder, fallback, lead in _PURPOSES:
        if purpose not in policy.prohibited_purposes:
            continue
        # every family of the purpose is screened; a refusal of one outranks a hold of another
        # (a held reproductive reading must not hide a refused gender-affirming care one)
        settled: list[S.Finding] = []
        for family in _SCREEN_FAMILIES[purpose]:
            if family == "gender_care" and not policy.protect_gender_affirming_care:
                continue
            finder = _OLD_FINDERS[family]
            old: list[str] = []
            for t in texts:
                if t.strip():
                    old.extend(finder(t))
            finding = _screen(purpose, family, joined, tuple(dict.fromkeys(old)), request.reason or "")
            finding = C.settle(finding, request)
            if finding.outcome is not None:
                settled.append(finding)
        settled.sort(key=lambda f: f.outcome != S.REFUSE)
        for finding in settled[:1]:
            evidence = tuple(dict.fromkeys(finding.evidence))
            why = f"{finding.explanation}; " if finding.explanation else ""
            cues = f" Cues: {', '.join(finding.cues)}." if finding.cues else ""
            if finding.outcome == S.HOLD:
                out.append(
                    Violation(
                        rule,
                        f"{lead}, or it may not (matched {_quote(evidence)}; {why.rstrip('; ')}).{cues} "
                        + HOLD_MESSAGE,
                        evidence,
                        hold=True,
                    )
                )
            else:
                out.append(
                    Violation(
                        rule,
                        f"{_cite(policy, rule, fallback)} {lead} (matched {_quote(evidence)}).{cues} "
                        "The search was refused "
                        "and logged for the monthly review.",
                        evidence,
                    )
                )
            break
    return out


def case_number_present(case_number: str) -> bool:
    c = re.sub(r"[^a-z0-9]+", " ", (case_number or "").casefold()).strip()
    if not c:
        return False
    if c in _PLACEHOLDER_CASE_NUMBERS or c.replace(" ", "") in _PLACEHOLDER_CASE_NUMBERS:
        return False
    compact = c.replace(" ", "")
    if compact.isdigit() and set(compact) == {"0"}:
        return False
    # A case or incident number has a number in it: "none yet", "to follow", "later" are placeholders.
    if not any(ch.isdigit() for ch in compact):
        return False
    if len(compact) >= 3 and len(set(compact)) == 1:  # 000, xxx, 1111
        return False
    return True


def is_vague_reason(reason: str) -> bool:
    """A reason is specific only when it names a concrete offense, event or victim (any language)."""
    latin_vague = T.is_vague(reason)
    if latin_vague and not S.mostly_non_latin(reason):
        return True  # one word ("robbery") is not a description
    if S.has_offense_content(reason):
        return False
    if latin_vague:
        return True
    # No offense noun from the lexicon: a longer concrete description may still name the incident
    # (a time, a place, what the driver did), but a few ordinary words ("odd car") never do.
    return S.content_words(reason) < 5


def plate_known_chars(plate_query: str) -> int:
    """Known characters in a (partial) plate query; wildcards and separators do not count."""
    return len(re.sub(r"[^A-Za-z0-9]", "", plate_query or ""))


def agreement_violations(request: SearchRequest, agreement: AgreementScope) -> list[Violation]:
    """A partner's search outside the scope its sharing agreement grants."""
    out: list[Violation] = []
    if request.partial and not agreement.allow_partial_plate:
        out.append(
            Violation(
                RULE_AGREEMENT_PARTIAL_NOT_PERMITTED,
                "The sharing agreement allows full-plate searches only. Enter the whole plate.",
                (request.plate_query,),
            )
        )
    offense_text = (request.offense_type or "").strip()
    if offense_text and agreement.permitted_offense_types:
        code = normalize_offense(offense_text) or "other"
        if code not in agreement.permitted_offense_types:
            allowed = ", ".join(sorted(offense_label(c) for c in agreement.permitted_offense_types))
            out.append(
                Violation(
                    RULE_AGREEMENT_OFFENSE_NOT_PERMITTED,
                    f"Offense type '{offense_label(code)}' is outside the sharing agreement, "
                    f"which covers: {allowed}.",
                    (offense_text,),
                )
            )
    return out


def evaluate_search(
    request: SearchRequest,
    policy: PolicyRules,
    blocked_agency_names: Iterable[str] = frozenset(),
    agreement: AgreementScope | None = None,
) -> Decision:
    """Decide a search before it runs. See the module docstring for the rule order.

    ``agreement`` is the scope of the partner's sharing agreement (None for the city's own
    officers and for lookups between cities, which are full-plate only).
    """
    first: list[Violation] = []
    agency_rest: list[Violation] = []
    if not request.is_own_agency:
        first, agency_rest = _agency_violations(request.agency, policy, blocked_agency_names)
        if not request.has_active_agreement:
            agency_rest.insert(
                0,
                Violation(
                    RULE_AGENCY_NO_AGREEMENT,
                    f"{request.agency.name} has no active sharing agreement with the city.",
                ),
            )
    if request.scope == SCOPE_NATIONAL and not policy.national_lookup_enabled:
        agency_rest.append(
            Violation(
                RULE_SCOPE_NATIONAL,
                _cite(policy, RULE_SCOPE_NATIONAL, "The city has turned National Lookup off.")
                + " Search this city's cameras only.",
            )
        )
    if request.scope == SCOPE_STATEWIDE and not policy.statewide_lookup_enabled:
        agency_rest.append(
            Violation(
                RULE_SCOPE_STATEWIDE,
                "The city has turned statewide lookup off. Search this city's cameras only.",
            )
        )
    if request.scope in (SCOPE_STATEWIDE, SCOPE_NATIONAL) and request.partial:
        agency_rest.append(
            Violation(
                RULE_LOOKUP_FULL_PLATE_ONLY,
                "A lookup across cities is for a full plate only. Enter the whole plate.",
                (request.plate_query,),
            )
        )

    purpose = purpose_violations(request, policy)

    required: list[Violation] = []
    if policy.require_case_number and not case_number_present(request.case_number):
        required.append(
            Violation(RULE_MISSING_CASE_NUMBER, "Enter the case or incident number this search belongs to.")
        )
    offense_text = (request.offense_type or "").strip()
    if policy.require_offense_type and not offense_text:
        required.append(Violation(RULE_MISSING_OFFENSE_TYPE, "Choose the offense type this search is for."))

    reason_checks: list[Violation] = []
    if not (request.reason or "").strip():
        reason_checks.append(Violation(RULE_MISSING_REASON, "Enter a reason. " + VAGUE_REASON_MESSAGE))
    elif policy.require_specific_reason and is_vague_reason(request.reason):
        reason_checks.append(Violation(RULE_VAGUE_REASON, VAGUE_REASON_MESSAGE, (request.reason.strip(),)))

    offense_checks: list[Violation] = []
    if offense_text and policy.permitted_offense_types:
        code = normalize_offense(offense_text) or "other"
        if code not in policy.permitted_offense_types:
            offense_checks.append(
                Violation(
                    RULE_OFFENSE_NOT_PERMITTED,
                    f"Offense type '{offense_label(code)}' is not permitted for plate searches. "
                    + _cite(
                        policy,
                        RULE_OFFENSE_NOT_PERMITTED,
                        "Choose one of the offense types the city's policy permits.",
                    ),
                    (offense_text,),
                )
            )

    plate_checks: list[Violation] = []
    if request.partial:
        known = plate_known_chars(request.plate_query)
        if known < policy.min_partial_plate_length:
            plate_checks.append(
                Violation(
                    RULE_PARTIAL_PLATE_TOO_SHORT,
                    f"A partial plate search needs at least {policy.min_partial_plate_length} "
                    "known characters; "
                    f"'{request.plate_query}' has {known}. Add the characters you are sure of.",
                    (request.plate_query,),
                )
            )

    scope_checks = agreement_violations(request, agreement) if agreement is not None else []

    violations = (
        first
        + purpose
        + agency_rest
        + required
        + reason_checks
        + offense_checks
        + scope_checks
        + plate_checks
    )
    if violations:
        return Decision.deny(violations)
    return Decision.allow()
