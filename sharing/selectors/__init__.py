"""Reads that decide what a caller may see of a city's sharing data, by topic.

``reads`` holds the one place where reads leave a city (``reads_visible_to``, behind a
``sharing.grants.SearchGrant``); ``agreements``, ``revocations``, ``alerts`` and ``policy`` the rest.
"""

from sharing.selectors.agreements import (
    active_agreements_of_city,
    agency_readmitted_after,
    agency_with_units,
    agreements_in_effect_for_agency,
    agreements_of_agency_and_units,
    agreements_of_city,
    another_active_agreement_exists,
    city_today,
    get_agreement_for_city,
)
from sharing.selectors.alerts import (
    agency_alerts_group,
    agency_receives_alerts,
    cities_with_any_agreement,
    city_sends_agency_alerts,
    partner_alert_agreements,
)
from sharing.selectors.policy import agency_profile, city_policy_of, engine_policy_of, lookup_cities_for
from sharing.selectors.reads import (
    DEFAULT_RANGE,
    PARTIAL_SEARCH_DAYS,
    RESULT_LIMIT,
    ReadQuery,
    VisibleReads,
    normalize_plate,
    read_in_search,
    reads_visible_to,
    search_crop_path,
    search_window,
    searches_of_city,
)
from sharing.selectors.revocations import (
    AgencyCutOff,
    agency_cut_off,
    block_citation,
    blocked_agency_names,
    get_revocation_case_for_city,
    permanent_block_covering,
    permanent_blocks_of,
    revocation_case_history,
    revocation_cases_of,
    revocation_evidence_candidates,
)

__all__ = [
    "active_agreements_of_city",
    "DEFAULT_RANGE",
    "PARTIAL_SEARCH_DAYS",
    "RESULT_LIMIT",
    "AgencyCutOff",
    "ReadQuery",
    "VisibleReads",
    "agency_alerts_group",
    "agency_cut_off",
    "agency_profile",
    "agency_readmitted_after",
    "agency_receives_alerts",
    "agency_with_units",
    "agreements_in_effect_for_agency",
    "agreements_of_agency_and_units",
    "agreements_of_city",
    "another_active_agreement_exists",
    "block_citation",
    "blocked_agency_names",
    "cities_with_any_agreement",
    "city_sends_agency_alerts",
    "city_policy_of",
    "city_today",
    "engine_policy_of",
    "get_agreement_for_city",
    "get_revocation_case_for_city",
    "lookup_cities_for",
    "normalize_plate",
    "partner_alert_agreements",
    "permanent_block_covering",
    "permanent_blocks_of",
    "read_in_search",
    "reads_visible_to",
    "search_crop_path",
    "revocation_case_history",
    "revocation_cases_of",
    "revocation_evidence_candidates",
    "search_window",
    "searches_of_city",
]
