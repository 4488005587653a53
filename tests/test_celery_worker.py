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


def test_partition_upkeep_and_retention_go_to_the_owners_queue():
    """DDL (months created ahead, expired months dropped) needs the schema owner: those two tasks
    go to the ``maintenance`` queue, whose worker alone connects as the owner (ADR 0011)."""
    from portal.celery import app

    for task in ("cameras.tasks.create_read_partitions", "cameras.tasks.purge_expired_reads"):
        assert app.amqp.router.route({}, task)["queue"].name == "maintenance"
    assert app.amqp.router.route({}, "cameras.tasks.match_pending_reads")["queue"].name == "default"
