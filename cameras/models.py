"""Cameras, the frames they upload and the plate reads kept from them (all city-owned)."""

from __future__ import annotations

import hashlib
import hmac
import uuid

from django.core.files.storage import storages
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from portal.tenancy import CityOwnedModel


class CameraStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    MAINTENANCE = "maintenance", "In maintenance"
    RETIRED = "retired", "Retired"


API_KEY_PREFIX_LENGTH = 10


def private_storage():
    """Frames and crops are never served as static files: only through access-checked views."""
    return storages["private"]


def hash_api_key(key: str) -> str:
    """Keys are 256-bit random secrets, so one SHA-256 is enough (no password stretching needed)."""
    return hashlib.sha256(key.encode()).hexdigest()


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
    # The API key is shown once; only its prefix (to find the camera) and its hash are kept.
    api_key_prefix = models.CharField(max_length=API_KEY_PREFIX_LENGTH, blank=True, db_index=True)
    api_key_hash = models.CharField(max_length=64, blank=True)
    api_key_issued_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["city", "name"], name="camera_name_unique_in_city"),
        ]

    def __str__(self) -> str:
        return self.name

    def has_api_key(self) -> bool:
        return bool(self.api_key_hash)

    def api_key_matches(self, key: str) -> bool:
        return self.has_api_key() and hmac.compare_digest(self.api_key_hash, hash_api_key(key))

    def accepts_uploads(self) -> bool:
        return self.status != CameraStatus.RETIRED and self.has_api_key()


class FrameStatus(models.TextChoices):
    QUEUED = "queued", "Queued for recognition"
    DONE = "done", "Recognised"
    FAILED = "failed", "Recognition failed"


class Frame(CityOwnedModel):
    """An image uploaded by a camera, kept in private storage until recognised and purged."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    camera = models.ForeignKey(Camera, on_delete=models.PROTECT, related_name="frames")
    captured_at = models.DateTimeField()
    received_at = models.DateTimeField(auto_now_add=True)
    content_sha256 = models.CharField(max_length=64)
    content_type = models.CharField(max_length=20)
    image = models.FileField(storage=private_storage, upload_to="frames/%Y/%m/%d/", max_length=200)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    size_bytes = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=FrameStatus.choices, default=FrameStatus.QUEUED)
    failure_reason = models.CharField(max_length=300, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["camera", "captured_at", "content_sha256"], name="frame_sent_once"
            ),
        ]
        indexes = [models.Index(fields=["city", "status", "received_at"], name="frame_city_status")]

    def __str__(self) -> str:
        return f"frame {self.public_id} ({self.status})"


class ReadSource(models.TextChoices):
    FRAME = "frame", "Recognised from an uploaded frame"
    DEVICE = "device", "Recognised on the camera"


class ReadStatus(models.TextChoices):
    READ = "read", "Read"
    VERIFY = "verify", "Low confidence: verify carefully"
    UNREAD = "unread", "Unread: below the confidence floor, never matched"


class Read(CityOwnedModel):
    """One plate seen by one camera at one time."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    camera = models.ForeignKey(Camera, on_delete=models.PROTECT, related_name="reads")
    frame = models.ForeignKey(Frame, null=True, blank=True, on_delete=models.SET_NULL, related_name="reads")
    position = models.PositiveSmallIntegerField(default=0, help_text="Index of the plate within its frame.")
    source = models.CharField(max_length=10, choices=ReadSource.choices)
    captured_at = models.DateTimeField()
    plate = models.CharField(max_length=16, help_text="Upper-case letters and digits.")
    raw_text = models.CharField(max_length=64, blank=True)
    confidence = models.FloatField(validators=[MinValueValidator(0.0), MaxValueValidator(1.0)])
    read_status = models.CharField(
        max_length=8,
        choices=ReadStatus.choices,
        default=ReadStatus.READ,
        help_text="From the recogniser's calibrated confidence: unread reads are kept but never matched.",
    )
    box_x = models.PositiveIntegerField(null=True, blank=True)
    box_y = models.PositiveIntegerField(null=True, blank=True)
    box_width = models.PositiveIntegerField(null=True, blank=True)
    box_height = models.PositiveIntegerField(null=True, blank=True)
    crop = models.FileField(storage=private_storage, upload_to="crops/%Y/%m/%d/", blank=True, max_length=200)
    vehicle_colour = models.CharField(max_length=16, blank=True)
    evidence_case_number = models.CharField(
        max_length=64, blank=True, help_text="Held as evidence for this case: retention does not delete it."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    matched_at = models.DateTimeField(
        null=True, blank=True, help_text="When the read was matched against the hotlists (null: not yet)."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["frame", "position"], name="read_once_per_frame_position"),
            models.UniqueConstraint(
                fields=["camera", "captured_at", "plate"],
                condition=models.Q(source="device"),
                name="device_read_sent_once",
            ),
        ]
        indexes = [
            models.Index(fields=["city", "plate", "captured_at"], name="read_city_plate_time"),
            models.Index(fields=["city", "captured_at"], name="read_city_time"),
            models.Index(
                fields=["created_at"], name="read_not_matched", condition=models.Q(matched_at__isnull=True)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plate} at {self.captured_at:%Y-%m-%d %H:%M}"

    @property
    def box(self) -> tuple[int, int, int, int] | None:
        if self.box_x is None:
            return None
        return (self.box_x, self.box_y, self.box_width, self.box_height)


class RetentionPurge(CityOwnedModel):
    """What one run of the retention job deleted in one city (counts and time range, no plates)."""

    ran_at = models.DateTimeField(auto_now_add=True)
    cutoff = models.DateTimeField()
    reads_deleted = models.PositiveIntegerField()
    frames_deleted = models.PositiveIntegerField()
    reads_held = models.PositiveIntegerField(help_text="Reads past the cutoff kept as evidence.")
    oldest_deleted = models.DateTimeField(null=True, blank=True)
    newest_deleted = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-ran_at"]


# --- hotlists and hits ---------------------------------------------------------------------------------

# Characters that OCR confuses with one another, folded onto one representative for near matches.
OCR_CONFUSIONS = str.maketrans(
    {"O": "0", "Q": "0", "D": "0", "I": "1", "L": "1", "B": "8", "S": "5", "Z": "2"}
)


def confusion_key(plate: str) -> str:
    """The plate with OCR-confusable characters folded: ``B0S5`` and ``8O55`` share a key."""
    return plate.translate(OCR_CONFUSIONS)


class HotlistSource(models.TextChoices):
    MANUAL = "manual", "Entered by hand"
    STATE_NCIC = "state_ncic", "State / NCIC extract (stolen vehicles, wanted persons)"
    AMBER = "amber_missing", "AMBER alert / missing person"
    CUSTOM = "custom", "Custom list"
    NCIC_IMMIGRATION_VIOLATOR = "ncic_immigration_violator", "NCIC Immigration Violator File"


class Priority(models.IntegerChoices):
    LOW = 1, "Low"
    NORMAL = 2, "Normal"
    HIGH = 3, "High"
    URGENT = 4, "Urgent (AMBER, officer safety)"


class Hotlist(CityOwnedModel):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=120)
    source = models.CharField(max_length=32, choices=HotlistSource.choices)
    priority = models.PositiveSmallIntegerField(choices=Priority.choices, default=Priority.NORMAL)
    expires_at = models.DateTimeField(null=True, blank=True)
    alert_dispatchers = models.BooleanField(default=True)
    share_alerts_with_partners = models.BooleanField(
        default=False,
        help_text="Partner agencies whose agreement includes hotlist alerts see this list's hits.",
    )
    created_by = models.ForeignKey("portal.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    archived_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-priority", "name"]
        constraints = [models.UniqueConstraint(fields=["city", "name"], name="hotlist_name_unique_in_city")]

    def __str__(self) -> str:
        return self.name

    def is_active(self, at=None) -> bool:
        from django.utils import timezone

        at = at or timezone.now()
        return self.archived_at is None and (self.expires_at is None or self.expires_at > at)


class HotlistEntry(CityOwnedModel):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    hotlist = models.ForeignKey(Hotlist, on_delete=models.CASCADE, related_name="entries")
    plate = models.CharField(max_length=16)
    plate_key = models.CharField(max_length=16, editable=False)
    state = models.CharField(max_length=2, blank=True)
    reason = models.CharField(max_length=200)
    expires_at = models.DateTimeField(null=True, blank=True)
    added_by = models.ForeignKey("portal.User", on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["hotlist", "plate", "state"], name="hotlist_entry_once"),
        ]
        indexes = [
            models.Index(fields=["city", "plate"], name="hotlist_entry_plate"),
            models.Index(fields=["city", "plate_key"], name="hotlist_entry_key"),
        ]

    def __str__(self) -> str:
        return f"{self.plate} ({self.state or '??'}) on {self.hotlist_id}"


class MatchKind(models.TextChoices):
    EXACT = "exact", "Exact match"
    POSSIBLE = "possible", "Possible match (OCR-confusable characters)"


class HitStatus(models.TextChoices):
    NEW = "new", "New: not verified"
    CONFIRMED = "confirmed", "Confirmed by a person"
    REJECTED = "rejected", "Rejected"


class Disposition(models.TextChoices):
    CORRECT_READ = "correct_read", "Correct read: plate and state match"
    WRONG_STATE = "wrong_state", "Wrong state"
    MISREAD = "misread", "Misread: the plate is different"
    DISMISSED = "dismissed", "Dismissed"


class Hit(CityOwnedModel):
    """A read that matches a hotlist entry. Nobody acts on it until a person confirms it."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    read = models.ForeignKey(Read, on_delete=models.CASCADE, related_name="hits")
    entry = models.ForeignKey(HotlistEntry, null=True, on_delete=models.SET_NULL, related_name="hits")
    hotlist = models.ForeignKey(Hotlist, on_delete=models.PROTECT, related_name="hits")
    match_kind = models.CharField(max_length=10, choices=MatchKind.choices)
    listed_plate = models.CharField(max_length=16)
    listed_state = models.CharField(max_length=2, blank=True)
    reason = models.CharField(max_length=200)
    priority = models.PositiveSmallIntegerField(choices=Priority.choices)
    status = models.CharField(max_length=10, choices=HitStatus.choices, default=HitStatus.NEW)
    disposition = models.CharField(max_length=16, choices=Disposition.choices, blank=True)
    action_taken = models.CharField(max_length=300, blank=True)
    disposed_by = models.ForeignKey(
        "portal.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    disposed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["read", "entry"], name="hit_once_per_read_and_entry")]
        indexes = [models.Index(fields=["city", "created_at"], name="hit_city_time")]

    def __str__(self) -> str:
        return f"hit {self.listed_plate} ({self.status})"
