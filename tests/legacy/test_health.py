import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_healthz_names_what_is_down_when_no_worker_runs(client):
    # No worker consumes this test run's queue and none answers to its name here; but a
    # developer's `make run` worker may answer the broadcast ping, so ask only ours.
    response = client.get("/healthz")
    body = response.json()
    assert body["database"]["up"] is True
    assert body["database"]["pgvector"].count(".") >= 1  # e.g. "0.8.2"
    assert body["redis"] == {"up": True}
    if body["celery"]["up"]:
        pytest.skip("another Celery worker shares this broker, so 'down' cannot be shown")
    assert response.status_code == 503
    assert body["down"] == ["celery"]
    assert "no Celery worker" in body["celery"]["error"]


@pytest.mark.worker
def test_healthz_is_ok_with_a_live_worker(client, celery_worker_process):
    response = client.get("/healthz")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "ok"
    assert any(name.startswith("test-") for name in body["celery"]["workers"])


def test_healthz_reports_a_dead_redis_as_503(client, settings):
    settings.REDIS_URL = "unix:///nonexistent/legacy-redis.sock"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert "redis" in response.json()["down"]
