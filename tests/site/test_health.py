import pytest


@pytest.mark.django_db(transaction=True)
def test_healthz_is_ok_when_database_broker_and_a_worker_answer(client, celery_worker):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_healthz_names_the_worker_when_none_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["failing"] == "worker"


@pytest.mark.django_db
def test_healthz_names_the_broker_when_it_is_down(client, settings):
    from fancity.celery import app

    old = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    try:
        response = client.get("/healthz")
    finally:
        app.conf.broker_url = old
    assert response.status_code == 503
    assert response.json()["failing"] == "broker"


def test_healthz_for_the_balancer_asks_only_whether_this_node_serves(client):
    from fancity.celery import app

    old = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"  # shared parts down: no worker, no broker
    try:
        response = client.get("/healthz?scope=node")
    finally:
        app.conf.broker_url = old
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "scope": "node"}
