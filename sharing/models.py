"""Sharing: each city's policy, its sharing agreements with partner agencies, and every search.

Agencies live in ``portal`` (the registry is installation-wide). Everything here belongs to one
city (``CityOwnedModel``): its default manager refuses to run without a city scope.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django_fsm import FSMField, transition

from portal.models import City, PolicyPreset, User
from portal.tenancy import CityOwnedModel
from sharing import policy as engine
from sharing.policy import presets
from sharing.policy.offenses import ALL_OFFENSE_CODES
from sharing.policy.types import PROHIBITED_PURPOSES

if TYPE_CHECKING:
    # mypy reads django-fsm-2's ConcurrentTransitionMixin as Any, which would make every model
    # built on it Any too; to the type checker it is the FSM model mixin it extends.
    from django_fsm import FSMModelMixin as ConcurrentTransitionMixin
else:
    from django_fsm import ConcurrentTransitionMixin

PRESET_FACTORIES: dict[str, Callable[[str], engine.PolicyRules]] = {
    PolicyPreset.WASHINGTON: presets.washington,
    PolicyPreset.CALIFORNIA: presets.california,
    PolicyPreset.ILLINOIS: presets.illinois,
    PolicyPreset.OTHER: presets.other,
}

# The policy values a chief may edit, in the order the form shows them (each change is audited).
EDITABLE_POLICY_FIELDS = (
    "retention_days",
    "prohibited_purposes",
    "permitted_offense_types",
    "allow_out_of_state_agencies",
    "allow_federal_agencies",
    "require_declaration_for_outside_agencies",
    "statewide_lookup_enabled",
    "national_lookup_enabled",
    "require_case_number",
    "require_offense_type",
    "min_partial_plate_length",
)


def preset_engine_policy(city: City) -> engine.PolicyRules:
    """The engine's preset for ``city`` (its state as home state)."""
    factory = PRESET_FACTORIES.get(city.policy_preset, presets.other)
    return factory(city.state)


class CityPolicy(CityOwnedModel):
    """One city's search and sharing policy, started from its state preset, every value editable.

    A city without a row runs on ``CityPolicy.from_preset(city)`` (unsaved); the chief's first edit
    saves it. ``to_engine()`` gives the policy engine's frozen dataclass.
    """

    preset = models.CharField(max_length=20, choices=PolicyPreset.choices)
    retention_days = models.PositiveIntegerField(validators=[MinValueValidator(1), MaxValueValidator(3650)])
    prohibited_purposes = models.JSONField(default=list, blank=True)
    permitted_offense_types = models.JSONField(default=list, blank=True)
    allow_out_of_state_agencies = models.BooleanField(default=False)
    allow_federal_agencies = models.BooleanField(default=False)
    require_declaration_for_outside_agencies = models.BooleanField(default=False)
    statewide_lookup_enabled = models.BooleanField(
        default=False, help_text="Offer and answer full-plate lookups with other cities that opt in too."
    )
    national_lookup_enabled = models.BooleanField(
        default=False, help_text="Answer lookups from cities in other states that opt in too."
    )
    require_case_number = models.BooleanField(default=True)
    require_offense_type = models.BooleanField(default=True)
    min_partial_plate_length = models.PositiveSmallIntegerField(
        default=5, validators=[MinValueValidator(1), MaxValueValidator(16)]
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name_plural = "city policies"
        constraints = [models.UniqueConstraint(fields=["city"], name="city_policy_one_per_city")]

    def __str__(self) -> str:
        return f"policy of city {self.city_id} ({self.preset})"

    @classmethod
    def from_preset(cls, city: City) -> CityPolicy:
        """An unsaved policy holding the preset's values (retention: the city's current value)."""
        base = preset_engine_policy(city)
        return cls(
            city=city,
            preset=city.policy_preset,
            retention_days=city.retention_days,
            prohibited_purposes=sorted(base.prohibited_purposes),
            permitted_offense_types=sorted(base.permitted_offense_types),
            allow_out_of_state_agencies=base.allow_out_of_state_agencies,
            allow_federal_agencies=base.allow_federal_agencies,
            require_declaration_for_outside_agencies=base.require_declaration_for_outside_agencies,
            statewide_lookup_enabled=False,
            national_lookup_enabled=False,
            require_case_number=True,
            require_offense_type=True,
            min_partial_plate_length=base.min_partial_plate_length,
        )

    def values(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in EDITABLE_POLICY_FIELDS}

    def to_engine(self) -> engine.PolicyRules:
        """The policy engine's view of this policy (citations come from the preset)."""
        base = preset_engine_policy(self.city)
        return engine.PolicyRules(
            home_state=self.city.state,
            retention_days=self.retention_days,
            prohibited_purposes=frozenset(p for p in self.prohibited_purposes if p in PROHIBITED_PURPOSES),
            permitted_offense_types=frozenset(
                o for o in self.permitted_offense_types if o in ALL_OFFENSE_CODES
            ),
            allow_out_of_state_agencies=self.allow_out_of_state_agencies,
            allow_federal_agencies=self.allow_federal_agencies,
            require_declaration_for_outside_agencies=self.require_declaration_for_outside_agencies,
            national_lookup_enabled=self.national_lookup_enabled,
            statewide_lookup_enabled=self.statewide_lookup_enabled,
            require_case_number=self.require_case_number,
            require_offense_type=self.require_offense_type,
            min_partial_plate_length=self.min_partial_plate_length,
            preset=base.preset,
            citations=dict(base.citations),
        )


class AgreementState(models.TextChoices):
    DRAFT = "draft", "Draft"
    AWAITING_CHIEF = "awaiting_chief", "Awaiting the chief's approval"
    ACTIVE = "active", "Active"
    EXPIRED = "expired", "Expired"
    SUSPENDED = "suspended", "Suspended"
    REVOKED = "revoked", "Revoked"


class SharingAgreement(ConcurrentTransitionMixin, CityOwnedModel):
    """A city shares its reads with one partner agency, within a scope, for a period.

    The state only changes through the ``agreement_<action>`` services (the field is protected);
    ``ConcurrentTransitionMixin`` makes every save a conditional UPDATE on the state it was loaded
    in, so two concurrent transitions cannot both win.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    partner_agency = models.ForeignKey(
        "portal.Agency", on_delete=models.PROTECT, related_name="sharing_agreements"
    )
    state = FSMField(default=AgreementState.DRAFT, choices=AgreementState.choices, protected=True)
    # Scope.
    all_cameras = models.BooleanField(default=True)
    cameras = models.ManyToManyField("cameras.Camera", blank=True, related_name="sharing_agreements")
    allow_partial_plate = models.BooleanField(
        default=False, help_text="Partial plates (as well as full plates) may be searched."
    )
    hotlist_alerts = models.BooleanField(default=False, help_text="The partner receives hotlist alerts.")
    permitted_offense_types = models.JSONField(
        default=list, blank=True, help_text="Empty: every offense type the city's policy permits."
    )
    starts_on = models.DateField()
    ends_on = models.DateField()
    # The partner's signed declaration: no use for prohibited purposes, no onward sharing.
    declaration_signed_by = models.CharField(max_length=200, blank=True)
    declaration_signed_at = models.DateTimeField(null=True, blank=True)
    # Who did what.
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    state_changed_at = models.DateTimeField(null=True, blank=True)
    state_reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                name="agreement_ends_after_it_starts", condition=models.Q(ends_on__gte=models.F("starts_on"))
            ),
            models.UniqueConstraint(
                fields=["city", "partner_agency"],
                condition=models.Q(state="active"),
                name="agreement_one_active_per_partner",
            ),
        ]
        # Per-object (django-guardian): staff assigned to edit this one agreement while it is a draft.
        permissions = [("edit_agreement_draft", "Edit this agreement while it is a draft")]

    def __str__(self) -> str:
        return f"agreement {self.public_id} with {self.partner_agency} ({self.state})"

    def has_signed_declaration(self) -> bool:
        return bool(self.declaration_signed_by.strip()) and self.declaration_signed_at is not None

    def is_in_effect(self, on: dt.date) -> bool:
        return self.state == AgreementState.ACTIVE and self.starts_on <= on <= self.ends_on

    # Transitions. Only the services in ``sharing.services`` call these, inside their transaction.

    @transition(field=state, source=AgreementState.DRAFT, target=AgreementState.AWAITING_CHIEF)
    def submit(self) -> None:
        pass

    @transition(field=state, source=AgreementState.AWAITING_CHIEF, target=AgreementState.DRAFT)
    def send_back(self) -> None:
        pass

    @transition(field=state, source=AgreementState.AWAITING_CHIEF, target=AgreementState.ACTIVE)
    def approve(self) -> None:
        pass

    @transition(field=state, source=AgreementState.ACTIVE, target=AgreementState.SUSPENDED)
    def suspend(self) -> None:
        pass

    @transition(field=state, source=AgreementState.SUSPENDED, target=AgreementState.ACTIVE)
    def reinstate(self) -> None:
        pass

    @transition(
        field=state,
        source=[AgreementState.AWAITING_CHIEF, AgreementState.ACTIVE, AgreementState.SUSPENDED],
        target=AgreementState.REVOKED,
    )
    def revoke(self) -> None:
        pass

    @transition(
        field=state, source=[AgreementState.ACTIVE, AgreementState.SUSPENDED], target=AgreementState.EXPIRED
    )
    def expire(self) -> None:
        pass


class SearchScope(models.TextChoices):
    LOCAL = "local", "This city's cameras"
    STATEWIDE = "statewide", "Lookup across cities that opted in"


class SearchOutcome(models.TextChoices):
    ALLOWED = "allowed", "Allowed"
    DENIED = "denied", "Denied"
    # The policy screen was unsure: nothing ran; a supervisor decides.
    HELD = "held", "Held for a supervisor"


class Search(CityOwnedModel):
    """One search of a city's reads, allowed or denied, as it was asked and decided.

    The city is the one whose reads were asked for (for a lookup: the searcher's city; each city
    reached records its own audit entry).
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    searched_at = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    username = models.CharField(max_length=150)
    agency = models.ForeignKey(
        "portal.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    agency_name = models.CharField(max_length=200, blank=True)
    agreement = models.ForeignKey(
        SharingAgreement, null=True, blank=True, on_delete=models.PROTECT, related_name="searches"
    )
    scope = models.CharField(max_length=12, choices=SearchScope.choices, default=SearchScope.LOCAL)
    # Purpose.
    reason = models.TextField(blank=True)
    offense_type = models.CharField(max_length=100, blank=True)
    case_number = models.CharField(max_length=64, blank=True)
    # The query as asked.
    plate_query = models.CharField(max_length=16)
    partial = models.BooleanField(default=False)
    since = models.DateTimeField(null=True, blank=True)
    until = models.DateTimeField(null=True, blank=True)
    filters = models.JSONField(default=dict, blank=True, help_text="Cameras, colour, the effective range.")
    # The decision and what it reached.
    outcome = models.CharField(max_length=10, choices=SearchOutcome.choices)
    rule = models.CharField(max_length=64)
    message = models.TextField(blank=True)
    rules = models.JSONField(default=list, blank=True)
    decision = models.JSONField(
        default=dict, blank=True, help_text="The engine's decision: outcome, rules, evidence, engine version."
    )
    cameras_reached = models.PositiveIntegerField(default=0)
    cities_reached = models.PositiveIntegerField(default=0)
    result_count = models.PositiveIntegerField(default=0)
    client_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-searched_at"]
        verbose_name_plural = "searches"
        indexes = [
            models.Index(fields=["city", "searched_at"], name="search_city_time"),
            models.Index(fields=["city", "agency", "searched_at"], name="search_city_agency_time"),
        ]

    def __str__(self) -> str:
        return f"search {self.public_id} ({self.outcome}: {self.rule})"


class HoldState(models.TextChoices):
    PENDING = "pending", "Waiting for a supervisor"
    APPROVED = "approved", "Approved: the search ran"
    REFUSED = "refused", "Refused"
    EXPIRED = "expired", "Expired: nobody decided in time"


class HoldSupervisor(models.TextChoices):
    # Who decides: the city's chief for its own officers, a named supervisor of a partner agency.
    CITY_CHIEF = "city_chief", "The city's chief"
    AGENCY_SUPERVISOR = "agency_supervisor", "A supervisor of the searching agency"


class SearchHold(CityOwnedModel):
    """A search the policy screen held: nothing ran; a named supervisor approves or refuses it.

    One per held ``Search`` (whose row keeps the engine's decision and evidence). The state only
    changes through ``sharing.services.holds`` (approve, refuse, expire), each under
    ``select_for_update`` so that two decisions cannot both win; an approval re-checks the grant
    and the engine before the search runs. ``expires_at`` is checked at decision time as well as by
    the beat task that marks expired holds.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    search = models.OneToOneField(Search, on_delete=models.PROTECT, related_name="hold")
    state = models.CharField(max_length=10, choices=HoldState.choices, default=HoldState.PENDING)
    supervisor = models.CharField(max_length=20, choices=HoldSupervisor.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)
    # Set when an approval was overruled at run time (the grant or a firm engine rule refused it).
    closed_rule = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["state", "expires_at"], name="search_hold_state_expiry")]

    def __str__(self) -> str:
        return f"hold {self.public_id} ({self.state})"

    def is_pending(self) -> bool:
        return self.state == HoldState.PENDING

    def has_expired(self, now: dt.datetime) -> bool:
        return self.state == HoldState.EXPIRED or (self.is_pending() and self.expires_at <= now)


# ----------------------------------------------------------------------------------------------
# Revocation: cases against a partner agency, and the city's permanent block list
# ----------------------------------------------------------------------------------------------


class RevocationGrounds(models.TextChoices):
    IMMIGRATION_ENFORCEMENT = "immigration_enforcement", "Use for immigration enforcement"
    PROHIBITED_PURPOSE = "prohibited_purpose", "Use for another prohibited purpose"
    OUT_OF_SCOPE = "out_of_scope", "Use outside the agreement's scope"
    ONWARD_SHARING = "onward_sharing", "Onward sharing with a third party"
    OTHER = "other", "Other grounds"


# Grounds on which the law demands that a revocation is for good (permanent block).
PERMANENT_GROUNDS = frozenset({RevocationGrounds.IMMIGRATION_ENFORCEMENT})


class RevocationState(models.TextChoices):
    OPENED = "opened", "Opened"
    UNDER_REVIEW = "under_review", "Under the chief's review"
    REVOKED = "revoked", "Revoked"
    DISMISSED = "dismissed", "Dismissed"


def _is_chief_of_case_city(case: models.Model, user: object) -> bool:
    from portal.roles import Role

    return (
        isinstance(case, RevocationCase)
        and isinstance(user, User)
        and user.has_city_role(case.city, Role.CHIEF)
    )


INVESTIGATE_CASE = "sharing.investigate_case"
EDIT_AGREEMENT_DRAFT = "sharing.edit_agreement_draft"


class RevocationCase(ConcurrentTransitionMixin, CityOwnedModel):
    """A case against a partner agency: opened by a clerk or auditor, decided by the chief.

    The state only changes through the ``revocation_<action>`` services (the field is protected);
    each transition names who may make it (``permission``) and the service writes its audit entry in
    the same transaction. A suspension while under review ends every agreement at once; a
    revocation ends them for good, and on immigration grounds adds a ``PermanentBlock``.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    agency = models.ForeignKey("portal.Agency", on_delete=models.PROTECT, related_name="revocation_cases")
    grounds = models.CharField(max_length=32, choices=RevocationGrounds.choices)
    summary = models.TextField(help_text="What the evidence shows, in the opener's words.")
    state = FSMField(default=RevocationState.OPENED, choices=RevocationState.choices, protected=True)
    evidence_events = models.ManyToManyField("audits.AuditEvent", blank=True, related_name="+")
    evidence_searches = models.ManyToManyField(Search, blank=True, related_name="+")
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField(auto_now_add=True)
    review_started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    review_started_at = models.DateTimeField(null=True, blank=True)
    suspended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    suspended_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    rationale = models.TextField(blank=True, help_text="The chief's written rationale for the decision.")

    class Meta:
        ordering = ["-opened_at"]
        indexes = [models.Index(fields=["city", "agency", "state"], name="revocation_city_agency_state")]
        # Per-object (django-guardian): staff assigned to investigate this one case.
        permissions = [("investigate_case", "Investigate this revocation case")]

    def __str__(self) -> str:
        return f"revocation case {self.public_id} against {self.agency} ({self.state})"

    @property
    def reference(self) -> str:
        """A short, stable reference for messages and the public page."""
        return f"RC-{self.public_id.hex[:8].upper()}"

    def is_suspended(self) -> bool:
        return self.state == RevocationState.UNDER_REVIEW and self.suspended_at is not None

    def is_permanent(self) -> bool:
        return self.state == RevocationState.REVOKED and self.grounds in PERMANENT_GROUNDS

    def _not_suspended(self) -> bool:
        return self.suspended_at is None

    # Transitions. Only the services in ``sharing.services.revocations`` call these.

    @transition(
        field=state,
        source=RevocationState.OPENED,
        target=RevocationState.UNDER_REVIEW,
        permission=_is_chief_of_case_city,
    )
    def start_review(self) -> None:
        pass

    @transition(
        field=state,
        source=RevocationState.UNDER_REVIEW,
        target=RevocationState.UNDER_REVIEW,
        conditions=[_not_suspended],  # type: ignore[list-item]  # django-fsm-2 types it on Model
        permission=_is_chief_of_case_city,
    )
    def suspend(self) -> None:
        pass

    @transition(
        field=state,
        source=RevocationState.UNDER_REVIEW,
        target=RevocationState.REVOKED,
        permission=_is_chief_of_case_city,
    )
    def revoke(self) -> None:
        pass

    @transition(
        field=state,
        source=RevocationState.UNDER_REVIEW,
        target=RevocationState.DISMISSED,
        permission=_is_chief_of_case_city,
    )
    def dismiss(self) -> None:
        pass


class PermanentBlock(CityOwnedModel):
    """An agency the city will never share with again (revoked on immigration-enforcement grounds).

    Append-only: no service updates or deletes a row, the admin is read-only, and in PostgreSQL a
    trigger refuses UPDATE and DELETE (migration 0003). The block covers the agency, its units, and
    its parent organisations with their units: ``covered_names`` keeps the names of the agency and its
    parent chain as they stood when the block was made, so a rename does not lift it.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    agency = models.ForeignKey("portal.Agency", on_delete=models.PROTECT, related_name="permanent_blocks")
    agency_name = models.CharField(max_length=200)
    covered_names = models.JSONField(default=list)
    case = models.OneToOneField(RevocationCase, on_delete=models.PROTECT, related_name="permanent_block")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"permanent block of {self.agency_name} (case {self.case_id})"
