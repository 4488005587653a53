"""Monthly compliance reviews, their findings, the federal operations a city enters, and the
signed checkpoints of the audit chains.

Imported by ``audits.models`` so that Django registers them in the ``audits`` app.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from portal.tenancy import CityOwnedModel


class ReviewStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Ready for review"
    SIGNED = "signed", "Signed by the chief"
    FAILED = "failed", "Failed"


class Review(CityOwnedModel):
    """One city's compliance review of one calendar month (in the city's time zone).

    ``(city, month)`` is unique: whoever asks for a review (the beat, a retry, the chief's page)
    gets the same row. A run claims it with a conditional UPDATE on ``claim_token`` (a lease of
    ``lease_expires_at``); findings are written in one transaction with the status ``done``, so a run
    killed midway leaves the review queued-or-claimed and no findings, and the next claim redoes it.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    month = models.DateField(help_text="The first day of the month reviewed.")
    status = models.CharField(max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.QUEUED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    claim_token = models.UUIDField(null=True, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Per cent done while running.")
    progress_label = models.CharField(max_length=120, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    failure = models.CharField(max_length=500, blank=True)
    summary = models.JSONField(default=dict, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-month"]
        constraints = [models.UniqueConstraint(fields=["city", "month"], name="review_one_per_city_month")]

    def __str__(self) -> str:
        return f"review {self.month:%Y-%m} of city {self.city_id} ({self.status})"

    @property
    def reference(self) -> str:
        return f"CR-{self.month:%Y-%m}"

    def is_signed(self) -> bool:
        return self.status == ReviewStatus.SIGNED


class Door(models.TextChoices):
    FRONT = "front", "Front door"
    BACK = "back", "Back door"
    SIDE = "side", "Side door"
    INSIDER = "insider", "Insider misuse"
    HYGIENE = "hygiene", "Hygiene"


class Severity(models.TextChoices):
    HIGH = "high", "High"
    MEDIUM = "medium", "Medium"
    LOW = "low", "Low"


SEVERITY_ORDER = {Severity.HIGH: 0, Severity.MEDIUM: 1, Severity.LOW: 2}


class FindingStatus(models.TextChoices):
    OPEN = "open", "Open"
    REVIEWED = "reviewed", "Reviewed"


class Finding(CityOwnedModel):
    """One pattern a detector found in the month, with the audit entries and searches that show it."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    review = models.ForeignKey(Review, on_delete=models.PROTECT, related_name="findings")
    kind = models.CharField(max_length=64, db_index=True)
    door = models.CharField(max_length=10, choices=Door.choices)
    severity = models.CharField(max_length=8, choices=Severity.choices)
    agency = models.ForeignKey(
        "portal.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(max_length=200)
    detail = models.TextField(blank=True)
    occurred_at = models.DateTimeField(null=True, blank=True, help_text="When the pattern starts.")
    facts = models.JSONField(default=dict, blank=True)
    evidence_events = models.ManyToManyField("audits.AuditEvent", blank=True, related_name="+")
    evidence_searches = models.ManyToManyField("sharing.Search", blank=True, related_name="+")
    status = models.CharField(max_length=10, choices=FindingStatus.choices, default=FindingStatus.OPEN)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)
    revocation_case = models.ForeignKey(
        "sharing.RevocationCase", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["review", "id"]
        indexes = [models.Index(fields=["review", "severity"], name="finding_review_severity")]

    def __str__(self) -> str:
        return f"finding {self.kind} ({self.severity})"


class FederalOperation(CityOwnedModel):
    """A known federal enforcement operation the city entered: its days and, optionally, places.

    The side-door detector asks whether a partner's searches cluster on these days and cameras.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=200)
    starts_on = models.DateField()
    ends_on = models.DateField()
    cameras = models.ManyToManyField("cameras.Camera", blank=True, related_name="+")
    notes = models.TextField(blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(
                name="operation_ends_after_it_starts", condition=models.Q(ends_on__gte=models.F("starts_on"))
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.starts_on} to {self.ends_on})"


class CheckpointReason(models.TextChoices):
    DAILY = "daily", "Daily"
    REVIEW = "review", "Monthly review"
    MANUAL = "manual", "On request"


class Checkpoint(models.Model):
    """A signed statement of one chain's head: its count and last hash at a moment.

    Public by design (no plates or names in it). Installation-wide rows (``city`` null) are the
    installation chain's own checkpoints. Append-only: nothing updates or deletes a row.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    chain = models.CharField(max_length=64, db_index=True)
    city = models.ForeignKey("portal.City", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    entries = models.PositiveBigIntegerField()
    head_hash = models.CharField(max_length=64)
    signed_at = models.DateTimeField()
    reason = models.CharField(max_length=10, choices=CheckpointReason.choices)
    key_id = models.CharField(max_length=64, help_text="SHA-256 of the raw public key, hex.")
    signature = models.CharField(max_length=128, help_text="Ed25519 signature of the statement, hex.")

    class Meta:
        ordering = ["chain", "-entries", "-signed_at"]
        indexes = [models.Index(fields=["chain", "signed_at"], name="checkpoint_chain_time")]

    def __str__(self) -> str:
        return f"checkpoint {self.chain} @ {self.entries}"


class ReasonSignal(models.Model):
    """What the review's text checks found in one distinct search reason, kept by the text's hash.

    The policy engine's text analysis costs milliseconds per reason; a month holds up to hundreds
    of thousands of distinct reasons. Each is analysed once (by the daily pre-pass or, failing that,
    by the review itself) and the monthly review joins on the hash. Only the hash and the flags are
    kept, not the text. ``analyzer`` names the version of the checks, so a change re-analyses.
    """

    text_hash = models.CharField(max_length=64)
    analyzer = models.CharField(max_length=32)
    near_line = models.JSONField(default=list, blank=True)
    proxy_wording = models.CharField(max_length=64, blank=True)
    vague = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["text_hash", "analyzer"], name="reason_signal_one_per_text")
        ]

    def __str__(self) -> str:
        return f"reason signal {self.text_hash[:12]}"
