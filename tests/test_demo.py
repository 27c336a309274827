"""``fairfile demo`` runs its whole walkthrough over real HTTP against a live server."""

from __future__ import annotations

import threading

import pytest
from werkzeug.serving import make_server

from service.commands.demo import demo
from service.web.keys import consent_keys, vault
from service.web.sessions import session_factory
from tests.conftest import make_test_app
from tests.consent_fixtures import add_person, grant
from tests.decision_fixtures import add_model
from tests.lender_fixtures import FACTS

ALL = ["rent", "utilities", "telecom", "bank_cashflow", "income", "bureau"]
pytestmark = pytest.mark.slow


def test_the_demo_walks_from_enrolment_to_a_refused_budget(tmp_path, live_engine):
    app = make_test_app(tmp_path, engine=live_engine, privacy_budget_rho="1")
    from scoring.contract.models import put_facts

    with session_factory(app)() as s, s.begin():
        add_model(s)
        counted = add_person(s)
        put_facts(s, vault=vault(app), subject_id=counted, facts=FACTS)
        grant(s, consent_keys(app), counted, "statistics", categories=ALL)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        result = app.test_cli_runner().invoke(
            demo, ["--base-url", f"http://127.0.0.1:{server.server_port}", "--max-queries", "8"]
        )
    finally:
        server.shutdown()
        thread.join()
    assert result.exit_code == 0, result.output
    out = result.output
    assert "<- 201" in out
    assert "the same decision, not a second one: True" in out
    assert "recourse:" in out
    assert "kept " in out
    assert "transactions as day, amount, direction and kind" in out
    assert "Demo Bank now gets 404" in out
    assert "<- 409 The privacy budget does not allow this release" in out
