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

    def has_webhook_token(self) -> bool:
        try:
            return self.edge.has_webhook_token()
        except CameraEdge.DoesNotExist:
            return False

    def accepts_uploads(self) -> bool:
        """Not retired, and holding a credential: its API key or its secret webhook URL."""
        return self.status != CameraStatus.RETIRED and (self.has_api_key() or self.has_webhook_token())

    def health_status(self, now=None) -> str:
        """``HealthStatus`` now: up, degraded (the device reports a fault, or it is alive but has sent
        no read for longer than its expected gap), silent (nothing at all for that long), or
        maintenance/retired. Reads ``self.edge`` (one query unless selected)."""
        try:
            edge = self.edge
        except CameraEdge.DoesNotExist:
            edge = None
        return camera_health(self, edge, now=now)[0]


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
    # Set when its recognition task could not be sent (the broker was unreachable after the frame
    # committed); ``cameras.tasks.requeue_unsent_frames`` sends it later and clears the flag. A
    # database default too, so that a row written without the column (an older process during a
    # deploy, raw SQL) is not unsent.
    unsent = models.BooleanField(default=False, db_default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["camera", "captured_at", "content_sha256"], name="frame_sent_once"
            ),
        ]
        indexes = [
            models.Index(fields=["city", "status", "received_at"], name="frame_city_status"),
            # Partial: only the (normally no) unsent frames are in it, oldest first for the sweeper.
            models.Index(fields=["received_at"], condition=models.Q(unsent=True), name="frame_unsent"),
        ]

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
    # From edge devices (cameras/adapters/): the device's own event id (de-duplication), the plate's
    # region or state as the device gave it, and the device's other readings of the plate.
    device_event_id = models.CharField(max_length=160, blank=True)
    region = models.CharField(max_length=16, blank=True, help_text="e.g. us-wa, WA, DNK")
    candidates = models.JSONField(default=list, blank=True, help_text="[{plate, confidence}] best first")
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
            models.UniqueConstraint(
                fields=["camera", "device_event_id"],
                condition=~models.Q(device_event_id=""),
                name="device_event_stored_once",
            ),
        ]
        indexes = [
            models.Index(fields=["city", "plate", "captured_at"], name="read_city_plate_time"),
            models.Index(fields=["city", "captured_at"], name="read_city_time"),
            models.Index(
                fields=["created_at"], name="read_not_matched", condition=models.Q(matched_at__isnull=True)
            ),
            # Small: only held reads. Retention counts them and checks partitions for them.
            models.Index(
                fields=["city", "captured_at"], name="read_held", condition=~models.Q(evidence_case_number="")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plate} at {self.captured_at:%Y-%m-%d %H:%M}"

    @property
    def box(self) -> tuple[int, int, int, int] | None:
        if self.box_x is None:
            return None
        return (self.box_x, self.box_y, self.box_width, self.box_height)


class PurgeMethod(models.TextChoices):
    BATCH = "batch", "Deleted in one bounded batch"
    PARTITION = "partition", "Dropped with a whole monthly partition"


class RetentionPurge(CityOwnedModel):
    """What one step of the retention job deleted in one city (counts and time range, no plates).

    A run is several steps (one per dropped partition, one per bounded batch), sharing ``run_id``.
    """

    run_id = models.UUIDField(null=True, blank=True, db_index=True)
    method = models.CharField(max_length=10, choices=PurgeMethod.choices, default=PurgeMethod.BATCH)
    partition = models.CharField(max_length=63, blank=True, help_text="The partition dropped, if any.")
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


MANAGE_HOTLIST = "cameras.manage_hotlist"


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
        # Per-object (django-guardian): staff beyond the chief and clerks who manage this one list.
        permissions = [("manage_hotlist", "Manage this hotlist's entries")]

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
    # No database constraint: on PostgreSQL reads are partitioned by month and are not referenced at
    # the database level (ADR 0009). Hits are made only from stored reads; retention deletes a read's
    # hits with it, in SQL.
    read = models.ForeignKey(Read, on_delete=models.CASCADE, related_name="hits", db_constraint=False)
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


# --- edge devices and camera health (cameras/adapters/, cameras/services/edge.py) -----------------


class HealthStatus(models.TextChoices):
    UP = "up", "Up"
    DEGRADED = "degraded", "Degraded"
    SILENT = "silent", "Silent"
    MAINTENANCE = "maintenance", "In maintenance"
    RETIRED = "retired", "Retired"


DEFAULT_EXPECTED_GAP_MINUTES = 30


class CameraEdge(CityOwnedModel):
    """A camera's link to its edge device: the secret webhook URL token (shown once, only its hash
    kept), how long the camera may go without a read or heartbeat, and its latest health."""

    camera = models.OneToOneField(Camera, on_delete=models.CASCADE, related_name="edge")
    webhook_token_hash = models.CharField(max_length=64, blank=True)
    webhook_token_hint = models.CharField(
        max_length=8, blank=True, help_text="First characters, to tell tokens apart."
    )
    webhook_token_issued_at = models.DateTimeField(null=True, blank=True)
    expected_gap_minutes = models.PositiveIntegerField(
        default=DEFAULT_EXPECTED_GAP_MINUTES,
        validators=[MinValueValidator(1), MaxValueValidator(7 * 24 * 60)],
        help_text="Silent when neither a read nor a heartbeat arrived for this long.",
    )
    email_clerks_when_silent = models.BooleanField(default=True)
    last_read_at = models.DateTimeField(null=True, blank=True)
    last_heartbeat_at = models.DateTimeField(null=True, blank=True)
    last_heartbeat_ok = models.BooleanField(default=True)
    last_heartbeat_note = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=12, choices=HealthStatus.choices, blank=True)
    status_since = models.DateTimeField(null=True, blank=True)
    silent_alerted_at = models.DateTimeField(null=True, blank=True)

    def has_webhook_token(self) -> bool:
        return bool(self.webhook_token_hash)

    def webhook_token_matches(self, token: str) -> bool:
        return self.has_webhook_token() and hmac.compare_digest(self.webhook_token_hash, hash_api_key(token))


class CameraHeartbeat(CityOwnedModel):
    """One heartbeat from a camera's edge device (kept for a week: the page's small history)."""

    camera = models.ForeignKey(Camera, on_delete=models.CASCADE, related_name="heartbeats")
    received_at = models.DateTimeField(db_index=True)
    device_time = models.DateTimeField(null=True, blank=True)
    source_format = models.CharField(max_length=32)
    ok = models.BooleanField()
    note = models.CharField(max_length=300, blank=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        indexes = [models.Index(fields=["camera", "received_at"], name="heartbeat_camera_time")]


class CameraHealthChange(CityOwnedModel):
    """A change of a camera's health status, for its history."""

    camera = models.ForeignKey(Camera, on_delete=models.CASCADE, related_name="health_changes")
    at = models.DateTimeField()
    status = models.CharField(max_length=12, choices=HealthStatus.choices)
    previous = models.CharField(max_length=12, choices=HealthStatus.choices, blank=True)
    reason = models.CharField(max_length=300, blank=True)

    class Meta:
        indexes = [models.Index(fields=["camera", "at"], name="health_change_camera_time")]


def camera_health(camera: Camera, edge: CameraEdge | None, *, now=None) -> tuple[str, str]:
    """``(status, reason)`` of a camera from its latest read and heartbeat (see ``health_status``)."""
    import datetime as dt

    from django.utils import timezone

    now = now or timezone.now()
    if camera.status == CameraStatus.RETIRED:
        return HealthStatus.RETIRED, "retired"
    if camera.status == CameraStatus.MAINTENANCE:
        return HealthStatus.MAINTENANCE, "in maintenance"
    gap = dt.timedelta(minutes=edge.expected_gap_minutes if edge else DEFAULT_EXPECTED_GAP_MINUTES)
    last_read = edge.last_read_at if edge else None
    last_beat = edge.last_heartbeat_at if edge else None
    contacts = [moment for moment in (last_read, last_beat) if moment is not None]
    if not contacts:
        if now - camera.created_at > gap:
            return HealthStatus.SILENT, "never sent a read or a heartbeat"
        return HealthStatus.UP, "new camera, waiting for its first read"
    last_contact = max(contacts)
    if now - last_contact > gap:
        return (
            HealthStatus.SILENT,
            f"nothing for {_minutes(now - last_contact)} (expected within {_minutes(gap)})",
        )
    if last_beat is not None and now - last_beat <= gap and not edge.last_heartbeat_ok:
        return HealthStatus.DEGRADED, edge.last_heartbeat_note or "the device reports a fault"
    if last_read is None or now - last_read > gap:
        return HealthStatus.DEGRADED, "heartbeats arrive but no reads"
    return HealthStatus.UP, "reads arriving"


def _minutes(delta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes < 120:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h"
    return f"{minutes // 1440} days"
