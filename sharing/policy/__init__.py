"""Steward's search and sharing policy engine (pure Python, no Django).

Typical use::

    from sharing.policy import presets, evaluate_search, SearchRequest, AgencyProfile
    decision = evaluate_search(request, presets.washington())
"""

from .engine import (
    agreement_violations,
    blocked_match,
    evaluate_agreement,
    evaluate_search,
    immigration_agency_evidence,
    purpose_violations,
)
from .offenses import OFFENSE_TYPES, normalize_offense
from .presets import PRESETS, california, illinois, other, preset_for_state, washington
from .types import (
    ALL_RULES,
    ENGINE_VERSION,
    AgencyProfile,
    AgreementScope,
    Decision,
    PolicyRules,
    SearchRequest,
    Violation,
)

__all__ = [
    "ALL_RULES",
    "ENGINE_VERSION",
    "AgencyProfile",
    "AgreementScope",
    "PolicyRules",
    "Decision",
    "OFFENSE_TYPES",
    "PRESETS",
    "SearchRequest",
    "Violation",
    "agreement_violations",
    "blocked_match",
    "california",
    "evaluate_agreement",
    "evaluate_search",
    "immigration_agency_evidence",
    "illinois",
    "normalize_offense",
    "other",
    "preset_for_state",
    "purpose_violations",
    "washington",
]
