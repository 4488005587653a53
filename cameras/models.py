"""Cameras (city-owned). Frames, reads, hotlists and hits join them in later migrations."""

from __future__ import annotations

import uuid

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from portal.tenancy import CityOwnedModel


class CameraStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    MAINTENANCE = "maintenance", "In maintenance"
    RETIRED = "retired", "Retired"


class Camera(CityOwnedModel):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=120)
    latitude = models.DecimalField(
        max_digits=9, decimal_places=6, validators=[MinValueValidator(-90), MaxValueValidator(90)]
    )
    longitude = models.DecimalField(
        max_digits=9, decimal_places=6, validators=[MinValueValidator(-180), MaxValueValidator(180)]
    )
    heading = models.PositiveSmallIntegerField(
        default=0, validators=[MaxValueValidator(359)], help_text="Degrees clockwise from north."
    )
    status = models.CharField(max_length=12, choices=CameraStatus.choices, default=CameraStatus.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["city", "name"], name="camera_name_unique_in_city"),
        ]

    def __str__(self) -> str:
        return self.name
