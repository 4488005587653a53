"""State presets a city starts from. Every value stays editable (and audited) in the portal.

* Washington: Keep Washington Working (RCW 10.93.160, RCW 43.17.425) and the 2026
  Driver Privacy Act (SB 6002; check the enrolled text): no civil immigration
  enforcement; 21-day retention unless held as evidence; uses limited to
  felonies, gross misdemeanors and watchlists (stolen vehicle, missing person,
  AMBER); no tracking of protected activity; reproductive and gender-affirming
  care protected (shield law, RCW 7.115); no sharing with federal or
  out-of-state agencies; no vendor National/statewide pools.
* California: Civil Code 1798.90.5-.55 (SB 34): share only with California
  public agencies (no federal, no out-of-state, no vendor pools). SB 34 fixes
  no retention period; 30 days is our default.
* Illinois: 625 ILCS 5/2-130 (2023): no sharing for immigration enforcement or
  reproductive-care investigations; out-of-state (and, conservatively, federal)
  agencies must first sign a written declaration.
* Other: permissive defaults that still refuse civil immigration enforcement.

Partial plates: a Washington standard plate has 7 characters (ABC1234); we
require at least 5 known characters in a partial search so that a partial
query cannot sweep thousands of unrelated vehicles. The same default is used
elsewhere; cities may raise it.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from .offenses import ALL_OFFENSE_CODES, FELONY, GROSS_MISDEMEANOR, UNSPECIFIED, WATCHLIST, codes_with_grades
from .types import (
    PURPOSE_FIRST_AMENDMENT,
    PURPOSE_IMMIGRATION,
    PURPOSE_REPRODUCTIVE,
    RULE_AGENCY_DECLARATION,
    RULE_AGENCY_FEDERAL,
    RULE_AGENCY_IMMIGRATION,
    RULE_AGENCY_OUT_OF_STATE,
    RULE_OFFENSE_NOT_PERMITTED,
    RULE_PURPOSE_FIRST_AMENDMENT,
    RULE_PURPOSE_IMMIGRATION,
    RULE_PURPOSE_REPRODUCTIVE,
    RULE_SCOPE_NATIONAL,
    PolicyRules,
)

WA_PERMITTED_OFFENSES = codes_with_grades(FELONY, GROSS_MISDEMEANOR, WATCHLIST, UNSPECIFIED)

_WA_CITATIONS = {
    RULE_PURPOSE_IMMIGRATION: "Washington law (Keep Washington Working, RCW 10.93.160 and RCW 43.17.425) "
    "forbids sharing this data for civil immigration enforcement.",
    RULE_AGENCY_IMMIGRATION: "Washington law (RCW 10.93.160) forbids sharing this data with "
    "immigration-enforcement agencies.",
    RULE_PURPOSE_REPRODUCTIVE: "Washington's shield law (RCW 7.115) and the city's policy forbid using this "
    "data to investigate reproductive or gender-affirming health care.",
    RULE_PURPOSE_FIRST_AMENDMENT: "Washington's Driver Privacy Act and the city's policy forbid using this "
    "data "
    "to track protected First Amendment activity.",
    RULE_AGENCY_FEDERAL: "Under the city's Washington policy, data is not shared with federal agencies.",
    RULE_AGENCY_OUT_OF_STATE: "Under the city's Washington policy, data is not shared with agencies outside "
    "Washington.",
    RULE_OFFENSE_NOT_PERMITTED: "Washington limits searches to felonies, gross misdemeanors and "
    "watchlist uses "
    "(stolen vehicle, missing person, AMBER alert).",
    RULE_SCOPE_NATIONAL: "The city has turned National Lookup off.",
}
_CA_CITATIONS = {
    RULE_AGENCY_FEDERAL: "California Civil Code 1798.90.55(b) (SB 34) allows sharing only "
    "with California "
    "public agencies, not federal ones.",
    RULE_AGENCY_OUT_OF_STATE: "California Civil Code 1798.90.55(b) (SB 34) allows sharing only "
    "with California "
    "public agencies.",
    RULE_PURPOSE_IMMIGRATION: "California law (SB 54 / SB 34) and the city's policy forbid using this "
    "data for "
    "immigration enforcement.",
    RULE_SCOPE_NATIONAL: "California law forbids sharing through vendor pools; National Lookup is off.",
}
_IL_CITATIONS = {
    RULE_PURPOSE_IMMIGRATION: "Illinois law (625 ILCS 5/2-130) forbids sharing this data for immigration "
    "enforcement.",
    RULE_PURPOSE_REPRODUCTIVE: "Illinois law (625 ILCS 5/2-130) forbids sharing this data to investigate "
    "reproductive health care.",
    RULE_AGENCY_DECLARATION: "Illinois law (625 ILCS 5/2-130) requires agencies outside Illinois to sign a "
    "written declaration before receiving this data.",
}
_OTHER_CITATIONS = {
    RULE_PURPOSE_IMMIGRATION: "The city's policy forbids using this data for civil immigration enforcement.",
}


def washington(home_state: str = "WA") -> PolicyRules:
    return PolicyRules(
        home_state=home_state,
        retention_days=21,
        prohibited_purposes=frozenset({PURPOSE_IMMIGRATION, PURPOSE_REPRODUCTIVE, PURPOSE_FIRST_AMENDMENT}),
        permitted_offense_types=WA_PERMITTED_OFFENSES,
        allow_out_of_state_agencies=False,
        allow_federal_agencies=False,
        national_lookup_enabled=False,
        statewide_lookup_enabled=False,
        min_partial_plate_length=5,
        preset="WA",
        citations=dict(_WA_CITATIONS),
    )


def california(home_state: str = "CA") -> PolicyRules:
    return PolicyRules(
        home_state=home_state,
        retention_days=30,
        # Civil Code 1798.90.55 and Penal Code 13778.2 / AB 1242 (reproductive care) and SB 107
        # (gender-affirming care): a California agency shares no data for either investigation.
        prohibited_purposes=frozenset({PURPOSE_IMMIGRATION, PURPOSE_REPRODUCTIVE, PURPOSE_FIRST_AMENDMENT}),
        permitted_offense_types=ALL_OFFENSE_CODES,
        allow_out_of_state_agencies=False,
        allow_federal_agencies=False,
        national_lookup_enabled=False,
        statewide_lookup_enabled=False,
        min_partial_plate_length=5,
        preset="CA",
        citations=dict(_CA_CITATIONS),
    )


def illinois(home_state: str = "IL") -> PolicyRules:
    return PolicyRules(
        home_state=home_state,
        retention_days=30,
        prohibited_purposes=frozenset({PURPOSE_IMMIGRATION, PURPOSE_REPRODUCTIVE, PURPOSE_FIRST_AMENDMENT}),
        permitted_offense_types=ALL_OFFENSE_CODES,
        allow_out_of_state_agencies=True,
        allow_federal_agencies=True,
        require_declaration_for_outside_agencies=True,
        national_lookup_enabled=False,
        statewide_lookup_enabled=False,
        min_partial_plate_length=5,
        preset="IL",
        citations=dict(_IL_CITATIONS),
    )


def other(home_state: str = "") -> PolicyRules:
    return PolicyRules(
        home_state=home_state,
        retention_days=30,
        # Every preset refuses surveillance of First Amendment activity (issue 9).
        prohibited_purposes=frozenset({PURPOSE_IMMIGRATION, PURPOSE_FIRST_AMENDMENT}),
        permitted_offense_types=ALL_OFFENSE_CODES,
        allow_out_of_state_agencies=True,
        allow_federal_agencies=True,
        national_lookup_enabled=False,
        statewide_lookup_enabled=False,
        min_partial_plate_length=5,
        preset="OTHER",
        citations=dict(_OTHER_CITATIONS),
    )


PRESETS = {"WA": washington, "CA": california, "IL": illinois, "OTHER": other}


def preset_for_state(state: str) -> PolicyRules:
    """The preset for a two-letter state code (anything unknown gets ``other`` with that home state)."""
    code = (state or "").strip().upper()
    if code in ("WA", "CA", "IL"):
        return PRESETS[code]()
    return other(code)


def customize(policy: PolicyRules, **changes: Any) -> PolicyRules:
    """A copy of ``policy`` with some values changed (the preset label becomes '<preset>+custom')."""
    label = policy.preset if policy.preset.endswith("+custom") else f"{policy.preset}+custom"
    return replace(policy, preset=label, **changes)
