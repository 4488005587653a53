"""Cities (the tenants), agencies and users."""

from __future__ import annotations

import uuid
import zoneinfo

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from portal.roles import Role


class PolicyPreset(models.TextChoices):
    WASHINGTON = "washington", "Washington"
    CALIFORNIA = "california", "California"
    ILLINOIS = "illinois", "Illinois"
    OTHER = "other", "Other state"


PRESET_RETENTION_DAYS = {
    PolicyPreset.WASHINGTON: 21,
    PolicyPreset.CALIFORNIA: 30,
    PolicyPreset.ILLINOIS: 30,
    PolicyPreset.OTHER: 30,
}


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not a known time zone.")


class City(models.Model):
    """A tenant: one city with its own cameras, reads, hotlists, users, policy and audit log."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=120)
    state = models.CharField(max_length=2, help_text="Two-letter state code, e.g. WA.")
    time_zone = models.CharField(
        max_length=64, default="America/Los_Angeles", validators=[validate_time_zone]
    )
    retention_days = models.PositiveIntegerField(
        default=30, validators=[MinValueValidator(1), MaxValueValidator(3650)]
    )
    policy_preset = models.CharField(max_length=20, choices=PolicyPreset.choices, default=PolicyPreset.OTHER)
    own_agency = models.OneToOneField(
        "portal.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="home_city"
    )
    publish_camera_locations = models.BooleanField(
        default=False,
        help_text="Show each camera's name and location on the public page (a list and a map).",
    )
    usage_policy = models.TextField(
        blank=True,
        help_text="The city's published usage policy, in full, as adopted (shown on the public page).",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "cities"

    def __str__(self) -> str:
        return f"{self.name}, {self.state}"


class AgencyKind(models.TextChoices):
    LOCAL = "local", "Local"
    STATE = "state", "State"
    FEDERAL = "federal", "Federal"
    TRIBAL = "tribal", "Tribal"


class Agency(models.Model):
    """A law-enforcement agency: a city's own police department, or an outside partner.

    The registry is shared by every city on the installation, so that a revocation or a block can
    follow an agency and its units (``parent``) whichever city they approach.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=10, choices=AgencyKind.choices)
    state = models.CharField(max_length=2, blank=True, help_text="Two-letter state code; blank for federal.")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="units")
    immigration_enforcement = models.BooleanField(
        default=False,
        help_text="Civil immigration enforcement (ICE, ERO, HSI, CBP, U.S. Border Patrol, units).",
    )
    participates_287g = models.BooleanField(default=False, verbose_name="287(g) participation")
    federal_task_force = models.BooleanField(default=False)
    contact_email = models.EmailField(blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "agencies"

    def __str__(self) -> str:
        return self.name

    def parent_chain(self) -> list[Agency]:
        """This agency and every organisation above it, nearest first (cycles cut)."""
        chain: list[Agency] = []
        seen: set[int] = set()
        node: Agency | None = self
        while node is not None and node.pk not in seen:
            chain.append(node)
            seen.add(node.pk)
            node = node.parent
        return chain


class User(AbstractUser):
    """A person. City staff belong to one city with one role; partner users belong to an agency."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    city = models.ForeignKey(City, null=True, blank=True, on_delete=models.PROTECT, related_name="users")
    agency = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="users")
    role = models.CharField(max_length=20, choices=Role.choices, blank=True)
    # A partner user named (``portal.services.agency_supervisor_set``, audited) to approve or refuse
    # the searches of their own agency that the policy screen held.
    supervises_agency = models.BooleanField(
        default=False,
        editable=False,
        help_text="Decides the held searches of this partner user's agency.",
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="user_city_staff_have_a_city_role",
                condition=(
                    models.Q(city__isnull=True, role__in=["", Role.PARTNER])
                    | models.Q(city__isnull=False, role__in=[r.value for r in Role.city_roles()])
                ),
            ),
            models.CheckConstraint(
                name="user_partner_has_an_agency",
                condition=~models.Q(role=Role.PARTNER) | models.Q(agency__isnull=False),
            ),
            models.CheckConstraint(
                name="user_agency_supervisor_is_a_partner",
                condition=models.Q(supervises_agency=False) | models.Q(role=Role.PARTNER),
            ),
        ]

    def is_member_of(self, city: City) -> bool:
        return bool(self.is_authenticated and self.is_active and self.city_id == city.pk)

    def has_city_role(self, city: City, *roles: Role) -> bool:
        return self.is_member_of(city) and self.role in roles

    @property
    def is_partner(self) -> bool:
        return self.role == Role.PARTNER

    @property
    def is_agency_supervisor(self) -> bool:
        """A partner user who decides their agency's held searches (still active, still a partner)."""
        return bool(self.is_active and self.is_partner and self.agency_id and self.supervises_agency)
