import uuid

from celery import shared_task
from celery.utils.log import get_task_logger
from django.utils import timezone

from cameras import partitions, services
from portal.models import City

logger = get_task_logger(__name__)


@shared_task(
    bind=True,
    name="cameras.tasks.recognize_frame",
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=services.MAX_RECOGNITION_ATTEMPTS,
)
def recognize_frame(self, frame_id: int) -> str | None:
    """Recognise one frame (``recognition`` queue). Transient errors back off: 5 s, 10 s, 20 s.

    When the queue is deep (frames waiting over two seconds), the task takes up to
    ``STEWARD_RECOGNITION_BATCH`` frames at once and recognises them in one batch; their own
    tasks then find them done.
    """
    from django.conf import settings

    try:
        batch = int(getattr(settings, "STEWARD_RECOGNITION_BATCH", 1))
        others = services.queued_frame_ids(exclude=frame_id, limit=batch - 1) if batch > 1 else []
        if others:
            return services.frame_recognize_batch(frame_ids=[frame_id, *others]).get(frame_id)
        return services.frame_recognize(frame_id=frame_id)
    except services.RecognitionTransientError as error:
        raise self.retry(exc=error, countdown=min(5 * 2**self.request.retries, 60)) from error


@shared_task(name="cameras.tasks.requeue_unsent_frames", acks_late=True)
def requeue_unsent_frames() -> int:
    """Every minute: send the recognition of frames stored while the broker was down, in bounded
    batches, across cities (system scope). Safe to run twice at once (rows claimed with SKIP LOCKED).
    """
    return services.frames_requeue_unsent()


@shared_task(name="cameras.tasks.purge_expired_reads", acks_late=True)
def purge_expired_reads() -> dict[str, int]:
    """Daily: whole months past every city's window are dropped, then each city's remaining expired
    reads go in bounded batches; every step leaves its record. Returns reads deleted per city."""
    now = timezone.now()
    run_id = uuid.uuid4()
    by_partition = services.retention_drop_expired_months(now=now, run_id=run_id)
    deleted = {}
    for city in City.objects.order_by("slug"):
        purge = services.retention_purge(city=city, now=now, run_id=run_id)
        deleted[city.slug] = by_partition.get(city.pk, 0) + purge.reads_deleted
    return deleted


@shared_task(name="cameras.tasks.create_read_partitions", acks_late=True)
def create_read_partitions() -> list[str]:
    """Daily: the coming months' read partitions exist before their first read (PostgreSQL)."""
    return partitions.ensure_read_partitions(months_ahead=3)


@shared_task(name="cameras.tasks.match_pending_reads", acks_late=True)
def match_pending_reads() -> int:
    """Every minute: match any read that missed its matching task."""
    return services.reads_match_pending()


@shared_task(name="cameras.tasks.camera_health_sweep", acks_late=True)
def camera_health_sweep() -> dict[str, dict[str, int]]:
    """Every five minutes: mark cameras silent that sent nothing for their expected gap, email the
    clerks once per silence, drop week-old heartbeats. Safe to run twice (rows are locked, the email
    is sent once per silence)."""
    return {city.slug: services.camera_health_sweep(city=city) for city in City.objects.order_by("slug")}
