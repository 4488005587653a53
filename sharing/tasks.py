from celery import shared_task

from sharing.services import agreement_expire_due as expire_due_agreements


@shared_task(name="sharing.tasks.agreement_expire_due", acks_late=True)
def agreement_expire_due() -> int:
    """Daily: expire every sharing agreement past its end date. Safe to run twice."""
    return expire_due_agreements()
