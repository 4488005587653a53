import pytest

from tests.conftest import requires_redis

pytestmark = pytest.mark.django_db


def test_healthz_reports_each_store(client):
    response = client.get("/healthz")
    body = response.json()
    assert response.status_code == 200
    assert body["database"]["ok"] is True
    assert set(body) == {"status", "database", "redis", "celery"}


@requires_redis
def test_healthz_with_no_worker_is_degraded_not_down(client):
    body = client.get("/healthz").json()
    assert body["redis"] == {"ok": True}
    assert body["celery"]["workers"] == 0 and body["status"] == "degraded"


@requires_redis
def test_healthz_reports_redis_down_as_503(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["redis"]["ok"] is False and response.json()["status"] == "down"
