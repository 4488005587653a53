"""Use cases of sharing: the city policy, sharing agreements and their transitions, searches, lookups.

Every use case is one transaction that writes its own audit entry. Services enforce the role they
need (defence in depth behind the views' access rules) and set the city scope themselves, so that
views, tasks and tests call them the same way.
"""

from sharing.services.agreements import (
    agreement_approve,
    agreement_draft,
    agreement_draft_editor_grant,
    agreement_draft_editor_revoke,
    agreement_edit,
    agreement_expire,
    agreement_expire_due,
    agreement_reinstate,
    agreement_revoke,
    agreement_send_back,
    agreement_submit,
    agreement_suspend,
)
from sharing.services.alerts import partner_alerts_push
from sharing.services.city_policy import city_policy_update
from sharing.services.common import AgreementStateError, PolicyRefusal
from sharing.services.holds import (
    HeldResults,
    HoldDecision,
    HoldRefusal,
    search_hold_approve,
    search_hold_refuse,
    search_hold_results,
    search_holds_expire_due,
)
from sharing.services.revocations import (
    RevocationStateError,
    revocation_dismiss,
    revocation_investigator_assign,
    revocation_investigator_unassign,
    revocation_open,
    revocation_revoke,
    revocation_start_review,
    revocation_suspend,
)
from sharing.services.searches import LookupCity, SearchResult, lookup_run, read_crop_viewed, search_run

__all__ = [
    "AgreementStateError",
    "HeldResults",
    "HoldDecision",
    "HoldRefusal",
    "LookupCity",
    "PolicyRefusal",
    "RevocationStateError",
    "SearchResult",
    "agreement_approve",
    "agreement_draft",
    "agreement_draft_editor_grant",
    "agreement_draft_editor_revoke",
    "agreement_edit",
    "agreement_expire",
    "agreement_expire_due",
    "agreement_reinstate",
    "agreement_revoke",
    "agreement_send_back",
    "agreement_submit",
    "agreement_suspend",
    "city_policy_update",
    "lookup_run",
    "partner_alerts_push",
    "read_crop_viewed",
    "revocation_dismiss",
    "revocation_investigator_assign",
    "revocation_investigator_unassign",
    "revocation_open",
    "revocation_revoke",
    "revocation_start_review",
    "revocation_suspend",
    "search_hold_approve",
    "search_hold_refuse",
    "search_hold_results",
    "search_holds_expire_due",
    "search_run",
]
