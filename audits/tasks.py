from celery import shared_task
from django.db import OperationalError

from audits.services import audit_verify_all as verify_all_chains


@shared_task(name="audits.tasks.audit_verify_all", acks_late=True)
def audit_verify_all() -> dict[str, bool]:
    """Nightly: verify every chain and record each result in that chain. Safe to run twice."""
    results = verify_all_chains(record=True)
    return {result.chain: result.ok for result in results}


@shared_task(
    name="audits.tasks.review_run",
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=30,
    retry_backoff_max=600,
    max_retries=5,
    soft_time_limit=1500,
    time_limit=1800,
)
def review_run(review_id: int) -> dict:
    """Run one compliance review. Claimed by a conditional update, so a duplicate delivery, a retry or
    a redelivery after a killed worker does nothing while another run holds it, and redoes it once
    that run's lease has run out. Database outages are retried with a capped back-off; anything
    else marks the review failed (the chief's page can queue it again)."""
    from audits.reviews.services import review_run as run

    review = run(review_id=review_id)
    return {"review": review_id, "ran": review is not None}


@shared_task(name="audits.tasks.review_schedule_monthly", acks_late=True)
def review_schedule_monthly() -> list[int]:
    """The 1st of each month: every city's review of the month before, created once and queued."""
    from audits.reviews.services import review_schedule_due

    return [review.pk for review in review_schedule_due()]


@shared_task(name="audits.tasks.review_sweep", acks_late=True)
def review_sweep() -> dict:
    """Hourly: create any review a missed beat did not, and queue again what a dead worker left."""
    from audits.reviews.services import review_requeue_stale, review_schedule_due

    created = [review.pk for review in review_schedule_due()]
    return {"reviews": created, "requeued": review_requeue_stale()}


@shared_task(name="audits.tasks.audit_checkpoint_daily", acks_late=True)
def audit_checkpoint_daily() -> int:
    """Daily: sign every city's chain head and the installation chain's."""
    from audits.checkpoints import checkpoint_sign_all

    return len(checkpoint_sign_all(reason="daily"))


@shared_task(name="audits.tasks.review_prepare_text", acks_late=True)
def review_prepare_text() -> int:
    """Daily: analyse the distinct search reasons of the last two days of every city ahead of the
    monthly review (each reason once; the review then only joins). Safe to run twice."""
    import datetime as dt

    from django.utils import timezone

    from audits.reviews.detectors import prepare_text_signals
    from portal.models import City
    from portal.tenancy import city_scope

    until = timezone.now()
    total = 0
    for city in City.objects.order_by("slug"):
        with city_scope(city):
            total += prepare_text_signals(city=city, since=until - dt.timedelta(days=2), until=until)
    return total
