"""The audit log: one append-only, hash-chained sequence of events per city.

Each entry carries the hash of the entry before it over a canonical encoding (``audits.chain``),
so that altering, removing or reordering any entry breaks every hash after it. Events that belong
to no city (a failed login for an unknown name, a partner signing in) go to the installation's own
chain. In PostgreSQL a trigger refuses UPDATE and DELETE on the table (migration 0002).
"""

import uuid

from django.conf import settings
from django.db import models

INSTALLATION_CHAIN = "installation"


class Outcome(models.TextChoices):
    SUCCESS = "success", "Success"
    FAILURE = "failure", "Failure"
    ALLOWED = "allowed", "Allowed"
    DENIED = "denied", "Denied"


class AuditEvent(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    chain = models.CharField(max_length=64, editable=False)
    sequence = models.PositiveBigIntegerField(editable=False)
    city = models.ForeignKey(
        "portal.City", null=True, blank=True, on_delete=models.PROTECT, related_name="audit_events"
    )
    occurred_at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_username = models.CharField(max_length=150, blank=True)
    agency = models.ForeignKey(
        "portal.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    agency_name = models.CharField(max_length=200, blank=True)
    event_type = models.CharField(max_length=64, db_index=True)
    target_type = models.CharField(max_length=64, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    details = models.JSONField(default=dict, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.SUCCESS)
    client_address = models.GenericIPAddressField(null=True, blank=True)
    prev_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["chain", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["chain", "sequence"], name="audit_event_one_entry_per_position"),
        ]
        indexes = [
            models.Index(fields=["city", "occurred_at"], name="audit_city_time"),
            # Evidence: the entries that record one search, hit or agreement (the monthly review).
            models.Index(fields=["city", "target_id"], name="audit_city_target"),
        ]

    def __str__(self) -> str:
        return f"{self.chain}#{self.sequence} {self.event_type} ({self.outcome})"


from audits.reviews.models import (  # noqa: E402,F401  (registered in this app)
    Checkpoint,
    FederalOperation,
    Finding,
    ReasonSignal,
    Review,
)
