"""A real Celery worker, end to end: a task queued through Redis runs against the database."""

import pytest

from audits.models import AuditEvent
from audits.tasks import audit_verify_all

pytestmark = [pytest.mark.worker]


def test_real_worker_runs_the_nightly_verification(celery_worker_process, city_a, client):
    result = audit_verify_all.apply_async()
    outcome = result.get(timeout=60)
    assert outcome == {"installation": True, f"city:{city_a.public_id}": True}
    event = AuditEvent.objects.get(city=city_a, event_type="audit.verified")
    assert event.details["ok"] is True
    body = client.get("/healthz").json()
    assert body["celery"]["workers"] >= 1 and body["status"] == "ok"
