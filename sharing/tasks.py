from celery import shared_task

from sharing.services import agreement_expire_due as expire_due_agreements
from sharing.services import search_holds_expire_due as expire_due_holds


@shared_task(name="sharing.tasks.agreement_expire_due", acks_late=True)
def agreement_expire_due() -> int:
    """Daily: expire every sharing agreement past its end date. Safe to run twice."""
    return expire_due_agreements()


@shared_task(name="sharing.tasks.search_holds_expire_due", acks_late=True)
def search_holds_expire_due() -> int:
    """Every five minutes: mark held searches nobody decided in time as expired. Safe to run twice."""
    return expire_due_holds()
