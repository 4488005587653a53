"""Plain data types for the search / sharing policy engine.

Pure Python: no Django, no database. Everything is an immutable dataclass so a
decision can be logged, compared and replayed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

OUTCOME_ALLOW = "allow"
OUTCOME_DENY = "deny"
OUTCOME_HOLD = "hold"

# Agency kinds.
LOCAL = "local"
STATE = "state"
FEDERAL = "federal"
TRIBAL = "tribal"
AGENCY_KINDS = frozenset({LOCAL, STATE, FEDERAL, TRIBAL})

# Prohibited purposes a city policy may list.
PURPOSE_IMMIGRATION = "civil_immigration_enforcement"
PURPOSE_REPRODUCTIVE = "reproductive_health_care"
PURPOSE_FIRST_AMENDMENT = "first_amendment_activity"
PROHIBITED_PURPOSES = frozenset({PURPOSE_IMMIGRATION, PURPOSE_REPRODUCTIVE, PURPOSE_FIRST_AMENDMENT})

# Search scopes (how far a search reaches).
SCOPE_LOCAL = "local"  # this city's own cameras
SCOPE_STATEWIDE = "statewide"  # a vendor's statewide pool
SCOPE_NATIONAL = "national"  # a vendor's "National Lookup" pool


@dataclass(frozen=True)
class AgencyProfile:
    """Who is searching (or who wants a sharing agreement)."""

    name: str
    kind: str = LOCAL  # local / state / federal / tribal
    state: str = ""  # two-letter code; "" for federal agencies without a home state
    immigration_enforcement: bool = False
    participates_287g: bool = False
    federal_task_force: bool = False
    parent_chain: tuple[str, ...] = ()
    # Parent organisations the registry flags as immigration enforcement (a unit of one is one).
    immigration_parents: tuple[str, ...] = ()
    # Illinois-style written declaration (not to use data for prohibited purposes).
    signed_declaration: bool = False

    def __post_init__(self) -> None:
        if self.kind not in AGENCY_KINDS:
            raise ValueError(f"unknown agency kind {self.kind!r}; expected one of {sorted(AGENCY_KINDS)}")
        object.__setattr__(self, "state", (self.state or "").strip().upper())
        object.__setattr__(self, "parent_chain", tuple(self.parent_chain))
        object.__setattr__(self, "immigration_parents", tuple(self.immigration_parents))


@dataclass(frozen=True)
class PolicyRules:
    """The rules the engine applies for one city: its search and sharing policy as values (usually
    built from a state preset). The stored, editable policy is the model ``sharing.models.CityPolicy``;
    ``CityPolicy.to_engine()`` gives these rules."""

    home_state: str
    retention_days: int = 30
    prohibited_purposes: frozenset[str] = frozenset({PURPOSE_IMMIGRATION})
    # Offense type codes (see sharing.policy.offenses.OFFENSE_TYPES) a search may name.
    permitted_offense_types: frozenset[str] = frozenset()
    allow_out_of_state_agencies: bool = True
    allow_federal_agencies: bool = True
    # Out-of-state / federal agencies must have signed a written declaration (Illinois).
    require_declaration_for_outside_agencies: bool = False
    national_lookup_enabled: bool = False
    statewide_lookup_enabled: bool = False
    require_case_number: bool = True
    require_offense_type: bool = True
    require_specific_reason: bool = True
    min_partial_plate_length: int = 5
    refuse_287g_agencies: bool = True
    # A local agency sitting on a federal task force is treated like a federal agency.
    treat_federal_task_force_as_federal: bool = True
    preset: str = "custom"
    # Gender-affirming care counts as protected health care under the reproductive purpose
    # (Washington, California); Illinois' statute names reproductive care only.
    protect_gender_affirming_care: bool = True
    # rule code -> citation sentence used in messages (e.g. "RCW 10.93.160").
    citations: Mapping[str, str] = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "home_state", (self.home_state or "").strip().upper())
        object.__setattr__(self, "prohibited_purposes", frozenset(self.prohibited_purposes))
        object.__setattr__(self, "permitted_offense_types", frozenset(self.permitted_offense_types))
        unknown = self.prohibited_purposes - PROHIBITED_PURPOSES
        if unknown:
            raise ValueError(f"unknown prohibited purposes: {sorted(unknown)}")
        if self.retention_days < 0:
            raise ValueError("retention_days must be >= 0")
        if self.min_partial_plate_length < 1:
            raise ValueError("min_partial_plate_length must be >= 1")

    def citation(self, rule: str) -> str:
        return self.citations.get(rule, "")


@dataclass(frozen=True)
class SearchRequest:
    """A plate search, as typed by the searcher, evaluated before any query runs."""

    reason: str
    case_number: str
    offense_type: str  # a catalogue code or a free-text label ("vehicle theft")
    plate_query: str
    partial: bool
    agency: AgencyProfile
    is_own_agency: bool = False
    has_active_agreement: bool = True
    scope: str = SCOPE_LOCAL


@dataclass(frozen=True)
class AgreementScope:
    """What a partner's sharing agreement lets it search (the cameras are the selector's business)."""

    allow_partial_plate: bool = False
    # Offense type codes; empty means every type the city's policy permits.
    permitted_offense_types: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        object.__setattr__(self, "permitted_offense_types", frozenset(self.permitted_offense_types))


@dataclass(frozen=True)
class Violation:
    rule: str
    message: str
    evidence: tuple[str, ...] = ()
    # True: the screen is unsure; the search waits for a supervisor instead of being refused.
    hold: bool = False


# Recorded with every decision so an auditor can tell which engine (normalisation, lexicons, presets)
# decided it. Bump on any change that can change a decision.
ENGINE_RELEASE = "2026.12-issue9.8-script-clf"


def _data_fingerprint() -> str:
    """A short hash of the engine's data (lexicons, word lists, the trained classifier's weights),
    so the recorded version changes whenever any of them does."""
    import hashlib
    from pathlib import Path

    h = hashlib.sha256()
    data = Path(__file__).with_name("data")
    for path in sorted(data.glob("*")):
        if path.is_file():
            h.update(path.name.encode())
            h.update(path.read_bytes())
    return h.hexdigest()[:10]


ENGINE_VERSION = f"{ENGINE_RELEASE}+{_data_fingerprint()}"


@dataclass(frozen=True)
class Decision:
    """The outcome: allowed or not, the deciding rule code and an actionable message.

    ``violations`` lists every rule that fired (the first one decides ``rule``);
    ``evidence`` holds the text fragments that triggered the deciding rule.
    """

    allowed: bool
    rule: str
    message: str
    violations: tuple[Violation, ...] = ()
    evidence: tuple[str, ...] = ()
    # allow / deny / hold. A held search is not allowed (nothing runs) until a supervisor decides.
    outcome: str = ""
    engine_version: str = ENGINE_VERSION

    def __post_init__(self) -> None:
        if not self.outcome:
            object.__setattr__(self, "outcome", OUTCOME_ALLOW if self.allowed else OUTCOME_DENY)

    @property
    def held(self) -> bool:
        return self.outcome == OUTCOME_HOLD

    def as_json(self) -> dict[str, Any]:
        """The decision as recorded with the search (engine version included)."""
        return {
            "outcome": self.outcome,
            "rule": self.rule,
            "rules": list(self.rules),
            "message": self.message,
            "evidence": list(self.evidence),
            "engine_version": self.engine_version,
        }

    @property
    def rules(self) -> tuple[str, ...]:
        return tuple(v.rule for v in self.violations) or (self.rule,)

    @classmethod
    def allow(cls, message: str = "Allowed under the city's policy.") -> Decision:
        return cls(True, RULE_ALLOWED, message)

    @classmethod
    def deny(cls, violations: list[Violation] | tuple[Violation, ...]) -> Decision:
        violations = tuple(violations)
        if not violations:
            raise ValueError("deny() needs at least one violation")
        # a firm refusal outranks a hold; the search is held only when every rule that fired is unsure
        firm = tuple(v for v in violations if not v.hold)
        if not firm:
            first = violations[0]
            return cls(False, first.rule, first.message, violations, first.evidence, OUTCOME_HOLD)
        violations = firm + tuple(v for v in violations if v.hold)
        first = violations[0]
        return cls(False, first.rule, first.message, violations, first.evidence, OUTCOME_DENY)


# Stable rule codes.
RULE_ALLOWED = "allowed"
RULE_AGENCY_IMMIGRATION = "agency.immigration_enforcement"
RULE_AGENCY_BLOCKED = "agency.blocked"
RULE_AGENCY_287G = "agency.participates_287g"
RULE_AGENCY_FEDERAL = "agency.federal_not_permitted"
RULE_AGENCY_TASK_FORCE = "agency.federal_task_force"
RULE_AGENCY_OUT_OF_STATE = "agency.out_of_state_not_permitted"
RULE_AGENCY_DECLARATION = "agency.declaration_required"
RULE_AGENCY_NO_AGREEMENT = "agency.no_agreement"
RULE_SCOPE_NATIONAL = "scope.national_lookup_disabled"
RULE_SCOPE_STATEWIDE = "scope.statewide_lookup_disabled"
RULE_PURPOSE_IMMIGRATION = "prohibited_purpose.immigration"
RULE_PURPOSE_REPRODUCTIVE = "prohibited_purpose.reproductive_health_care"
RULE_PURPOSE_FIRST_AMENDMENT = "prohibited_purpose.first_amendment"
RULE_MISSING_REASON = "missing_reason"
RULE_MISSING_CASE_NUMBER = "missing_case_number"
RULE_MISSING_OFFENSE_TYPE = "missing_offense_type"
RULE_VAGUE_REASON = "vague_reason"
RULE_OFFENSE_NOT_PERMITTED = "offense_not_permitted"
RULE_PARTIAL_PLATE_TOO_SHORT = "partial_plate_too_short"
# A partner's search must stay inside its sharing agreement's scope.
RULE_AGREEMENT_PARTIAL_NOT_PERMITTED = "agreement.partial_plate_not_permitted"
RULE_AGREEMENT_OFFENSE_NOT_PERMITTED = "agreement.offense_not_permitted"
# A lookup between cities is for a full plate only.
RULE_LOOKUP_FULL_PLATE_ONLY = "scope.lookup_full_plate_only"

ALL_RULES = (
    RULE_ALLOWED,
    RULE_AGENCY_IMMIGRATION,
    RULE_AGENCY_BLOCKED,
    RULE_AGENCY_287G,
    RULE_AGENCY_FEDERAL,
    RULE_AGENCY_TASK_FORCE,
    RULE_AGENCY_OUT_OF_STATE,
    RULE_AGENCY_DECLARATION,
    RULE_AGENCY_NO_AGREEMENT,
    RULE_SCOPE_NATIONAL,
    RULE_SCOPE_STATEWIDE,
    RULE_PURPOSE_IMMIGRATION,
    RULE_PURPOSE_REPRODUCTIVE,
    RULE_PURPOSE_FIRST_AMENDMENT,
    RULE_MISSING_REASON,
    RULE_MISSING_CASE_NUMBER,
    RULE_MISSING_OFFENSE_TYPE,
    RULE_VAGUE_REASON,
    RULE_OFFENSE_NOT_PERMITTED,
    RULE_PARTIAL_PLATE_TOO_SHORT,
    RULE_AGREEMENT_PARTIAL_NOT_PERMITTED,
    RULE_AGREEMENT_OFFENSE_NOT_PERMITTED,
    RULE_LOOKUP_FULL_PLATE_ONLY,
)
