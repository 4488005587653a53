"""Every audit event type, defined once: ``grep EventType.<NAME>`` finds each writer of an event."""

from __future__ import annotations

from enum import StrEnum


class EventType(StrEnum):
    # Access: sign-in, sign-out, refusals at any layer.
    AUTH_LOGIN = "auth.login"
    AUTH_LOGOUT = "auth.logout"
    AUTH_LOGIN_FAILED = "auth.login_failed"
    AUTH_LOCKOUT = "auth.lockout"
    AUTH_PASSWORD_RESET_REQUESTED = "auth.password_reset_requested"
    AUTH_PASSWORD_RESET = "auth.password_reset"
    # Two-step sign-in (TOTP): enrolment, each code checked, recovery codes, a chief's reset.
    AUTH_MFA_ENROLLED = "auth.mfa_enrolled"
    AUTH_MFA_VERIFIED = "auth.mfa_verified"
    AUTH_MFA_FAILED = "auth.mfa_failed"
    AUTH_MFA_RECOVERY_CODE_USED = "auth.mfa_recovery_code_used"
    AUTH_MFA_RECOVERY_CODES_ISSUED = "auth.mfa_recovery_codes_issued"
    AUTH_MFA_RESET = "auth.mfa_reset"
    USER_ACCESS_CHANGED = "user.access_changed"
    ACCESS_REFUSED = "access.refused"
    # Lists downloaded (CSV) by staff.
    EXPORT_CSV = "export.csv"
    # The audit log itself.
    AUDIT_VIEWED = "audit.viewed"
    AUDIT_VERIFIED = "audit.verified"
    # Cities and their policy.
    CITY_CREATED = "city.created"
    POLICY_CREATED = "policy.created"
    POLICY_CHANGED = "policy.changed"
    # Cameras, frames, reads.
    CAMERA_CREATED = "camera.created"
    CAMERA_KEY_ROTATED = "camera.key_rotated"
    CAMERA_KEY_REVOKED = "camera.key_revoked"
    CAMERA_RETIRED = "camera.retired"
    CAMERA_UPLOAD_REFUSED = "camera.upload_refused"
    CAMERA_HEALTH_CHANGED = "camera.health_changed"
    CAMERA_HEALTH_SETTINGS_CHANGED = "camera.health_settings_changed"
    CAMERA_SILENT_ALERT_SENT = "camera.silent_alert_sent"
    CAMERA_WEBHOOK_TOKEN_ISSUED = "camera.webhook_token_issued"
    CAMERA_WEBHOOK_TOKEN_REVOKED = "camera.webhook_token_revoked"
    READ_CROP_VIEWED = "read.crop_viewed"
    RETENTION_PURGED = "retention.purged"
    # Hotlists and hits.
    HOTLIST_CREATED = "hotlist.created"
    HOTLIST_REFUSED = "hotlist.refused"
    HOTLIST_ARCHIVED = "hotlist.archived"
    HOTLIST_ENTRY_ADDED = "hotlist.entry_added"
    HOTLIST_ENTRY_REFUSED = "hotlist.entry_refused"
    HOTLIST_IMPORTED = "hotlist.imported"
    HOTLIST_PARTNER_ALERT = "hotlist.partner_alert"
    HIT_CREATED = "hit.created"
    HIT_DISPOSITIONED = "hit.dispositioned"
    # Sharing agreements.
    AGREEMENT_DRAFTED = "agreement.drafted"
    AGREEMENT_EDITED = "agreement.edited"
    AGREEMENT_REFUSED = "agreement.refused"
    AGREEMENT_SUBMITTED = "agreement.submitted"
    AGREEMENT_SENT_BACK = "agreement.sent_back"
    AGREEMENT_APPROVED = "agreement.approved"
    AGREEMENT_SUSPENDED = "agreement.suspended"
    AGREEMENT_REINSTATED = "agreement.reinstated"
    AGREEMENT_REVOKED = "agreement.revoked"
    AGREEMENT_EXPIRED = "agreement.expired"
    # Searches and lookups.
    SEARCH_PERFORMED = "search.performed"
    SEARCH_LOOKUP = "search.lookup"
    SEARCH_LOOKUP_RECEIVED = "search.lookup_received"
    # Searches the policy screen held for a supervisor (sharing.services.holds).
    SEARCH_HOLD_APPROVED = "search.hold_approved"
    SEARCH_HOLD_REFUSED = "search.hold_refused"
    SEARCH_HOLD_EXPIRED = "search.hold_expired"
    SEARCH_HOLD_RESULTS_VIEWED = "search.hold_results_viewed"
    # Partner agencies' named supervisors (who decide their agency's held searches).
    AGENCY_SUPERVISOR_NAMED = "agency.supervisor_named"
    AGENCY_SUPERVISOR_REMOVED = "agency.supervisor_removed"
    # Revocation cases.
    REVOCATION_OPENED = "revocation.opened"
    REVOCATION_REVIEW_STARTED = "revocation.review_started"
    REVOCATION_SUSPENDED = "revocation.suspended"
    REVOCATION_REVOKED = "revocation.revoked"
    REVOCATION_DISMISSED = "revocation.dismissed"
    REVOCATION_PERMANENT_BLOCK = "revocation.permanent_block"
    # Signed checkpoints of the audit chains (in the installation chain: each city's head).
    AUDIT_CHECKPOINT = "audit.checkpoint"
    # Monthly compliance reviews.
    REVIEW_REQUESTED = "review.requested"
    REVIEW_COMPLETED = "review.completed"
    REVIEW_VIEWED = "review.viewed"
    REVIEW_EXPORTED = "review.exported"
    REVIEW_FINDING_REVIEWED = "review.finding_reviewed"
    REVIEW_SIGNED = "review.signed"
    REVIEW_REFUSED = "review.refused"
    REVIEW_OPERATION_RECORDED = "review.operation_recorded"
    # Per-object permissions (django-guardian).
    PERMISSION_GRANTED = "permission.granted"
    PERMISSION_REVOKED = "permission.revoked"
