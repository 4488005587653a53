"""Words for the codes the portal stores: offense types, policy rule ids, audit event types, detail keys.

Every page shows a person a label, never a code. A code without an entry here (a rule another part
of the project adds later) still reads as words: its dots and underscores become spaces.
"""

from __future__ import annotations

from sharing.policy.offenses import OFFENSE_TYPES

RULE_LABELS = {
    "allowed": "Allowed",
    "agency.immigration_enforcement": "The agency does immigration enforcement",
    "agency.blocked": "The agency is blocked by the city",
    "agency.participates_287g": "The agency takes part in 287(g) immigration enforcement",
    "agency.federal_not_permitted": "Federal agencies are not permitted",
    "agency.federal_task_force": "Federal task forces are not permitted",
    "agency.out_of_state_not_permitted": "Out-of-state agencies are not permitted",
    "agency.declaration_required": "A signed declaration is required first",
    "agency.no_agreement": "No sharing agreement in effect",
    "agency.suspended": "The agency's access is suspended",
    "agency.revoked": "The agency's access was revoked",
    "agency.permanent": "The agency is blocked for good",
    "scope.national_lookup_disabled": "National lookup is turned off",
    "scope.statewide_lookup_disabled": "Statewide lookup is turned off",
    "scope.lookup_full_plate_only": "A lookup needs a full plate",
    "prohibited_purpose.immigration": "Civil immigration enforcement is a prohibited purpose",
    "prohibited_purpose.reproductive_health_care": "Reproductive health care investigations are prohibited",
    "prohibited_purpose.first_amendment": "Tracking protected activity (protest, worship, press) is prohibited",
    "missing_reason": "No reason given",
    "missing_case_number": "No case number given",
    "missing_offense_type": "No offense type given",
    "vague_reason": "The reason is too vague",
    "offense_not_permitted": "The city's policy does not permit this offense type",
    "partial_plate_too_short": "The partial plate is too short",
    "agreement.partial_plate_not_permitted": "The agreement does not permit partial plates",
    "agreement.offense_not_permitted": "The agreement does not permit this offense type",
}

EVENT_LABELS = {
    "access.refused": "Access refused",
    "search.hold_approved": "Held search approved by a supervisor",
    "search.hold_refused": "Held search refused by a supervisor",
    "search.hold_expired": "Held search expired undecided",
    "search.hold_results_viewed": "Results of an approved held search viewed",
    "agency.supervisor_named": "Agency supervisor named",
    "agency.supervisor_removed": "Agency supervisor removed",
    "agreement.drafted": "Agreement drafted",
    "agreement.edited": "Agreement draft edited",
    "agreement.submitted": "Agreement sent to the chief",
    "agreement.sent_back": "Agreement sent back to the clerk",
    "agreement.approved": "Agreement approved",
    "agreement.suspended": "Agreement suspended",
    "agreement.reinstated": "Agreement reinstated",
    "agreement.revoked": "Agreement revoked",
    "agreement.expired": "Agreement expired",
    "agreement.refused": "Agreement action refused",
    "audit.verified": "Audit chain verified",
    "audit.viewed": "Audit log viewed",
    "auth.lockout": "Account locked",
    "auth.login": "Signed in",
    "auth.login_failed": "Sign-in failed",
    "auth.logout": "Signed out",
    "camera.created": "Camera added",
    "camera.key_revoked": "Camera key revoked",
    "camera.key_rotated": "Camera key replaced",
    "camera.retired": "Camera retired",
    "camera.upload_refused": "Camera upload refused",
    "city.created": "City set up",
    "export.csv": "List exported (CSV)",
    "hit.created": "Hotlist hit",
    "hit.dispositioned": "Hit verified",
    "hotlist.archived": "Hotlist archived",
    "hotlist.created": "Hotlist created",
    "hotlist.entry_added": "Hotlist entry added",
    "hotlist.entry_refused": "Hotlist entry refused",
    "hotlist.imported": "Hotlist imported",
    "hotlist.partner_alert": "Alert sent to a partner",
    "hotlist.refused": "Hotlist refused",
    "policy.changed": "Policy changed",
    "policy.created": "Policy set up",
    "reads.viewed": "Reads viewed",
    "retention.purged": "Expired reads deleted",
    "revocation.opened": "Revocation case opened",
    "revocation.review_started": "Revocation review started",
    "revocation.suspended": "Agency suspended pending the decision",
    "revocation.revoked": "Agency's access revoked",
    "revocation.dismissed": "Revocation case dismissed",
    "revocation.permanent_block": "Agency blocked for good",
    "search.lookup": "Lookup in another city",
    "search.lookup_received": "Lookup from another city",
    "search.performed": "Search",
}

OUTCOME_LABELS = {"allowed": "Allowed", "denied": "Refused", "held": "Held for a supervisor"}


def humanize_code(code: object) -> str:
    """``hit_and_run`` -> ``Hit and run``; ``agency.no_agreement`` -> ``Agency: no agreement``."""
    text = str(code or "").strip()
    if not text:
        return ""
    head, _, tail = text.partition(".")
    words = (f"{head}: {tail}" if tail else head).replace("_", " ").replace(".", " ")
    return words[:1].upper() + words[1:]


def offense_label(code: object) -> str:
    offense = OFFENSE_TYPES.get(str(code or ""))
    return offense.label if offense else humanize_code(code)


def rule_label(code: object) -> str:
    return RULE_LABELS.get(str(code or ""), humanize_code(code))


def event_label(code: object) -> str:
    return EVENT_LABELS.get(str(code or ""), humanize_code(code))


def outcome_label(code: object) -> str:
    return OUTCOME_LABELS.get(str(code or ""), humanize_code(code))


def detail_items(details: object) -> list[tuple[str, str]]:
    """An audit entry's details as (label, value) pairs for a definition list."""
    if not isinstance(details, dict):
        return [("Details", str(details))] if details not in (None, "", {}) else []
    items = []
    for key, value in details.items():
        if key in ("rule", "rules", "denied_by"):
            shown = ", ".join(rule_label(v) for v in value) if isinstance(value, list) else rule_label(value)
        elif key in ("offense_type", "offense_types", "permitted_offense_types"):
            shown = (
                ", ".join(offense_label(v) for v in value)
                if isinstance(value, list)
                else offense_label(value)
            )
        elif key in ("outcome",):
            shown = outcome_label(value)
        elif isinstance(value, bool):
            shown = "yes" if value else "no"
        elif isinstance(value, list):
            shown = ", ".join(str(v) for v in value) or "none"
        elif isinstance(value, dict):
            shown = "; ".join(f"{humanize_code(k).lower()}: {v}" for k, v in value.items()) or "none"
        elif value in (None, ""):
            shown = "none"
        else:
            shown = str(value)
        items.append((humanize_code(key), shown))
    return items
