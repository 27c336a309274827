"""Liveness and readiness."""

from __future__ import annotations

from store import head_revision, make_engine
from tests.conftest import make_test_app


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}


def test_readyz_on_a_migrated_database(client, engine):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json["schema"] == head_revision()
    assert response.json["database"] == engine.dialect.name


def test_readyz_refuses_an_empty_database(tmp_path):
    app = make_test_app(tmp_path, engine=make_engine(f"sqlite:///{tmp_path / 'empty.db'}"))
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"
    assert "fairfile db upgrade" in response.json["detail"]


def test_readyz_refuses_an_unreachable_database(tmp_path):
    engine = make_engine(
        "postgresql://nobody@127.0.0.1:1/none", connect_args={"connect_timeout": 1}
    )
    app = make_test_app(tmp_path, engine=engine)
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["detail"] == "The database is not reachable."


def test_front_page_links_to_the_docs(client):
    response = client.get("/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for link in ("/docs/", "/openapi.json", "/problems", "/healthz"):
        assert link in page
    assert client.get("/openapi.json").json["openapi"] == "3.1.0"
    assert client.get("/docs/swagger").status_code == 200
