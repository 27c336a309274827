"""Every ``fairfile`` refusal is one line and a non-zero exit, never a traceback.

Each case is a real command against a real app: production without its keys, a budget
too small for a training run, a folder that is not a population, an unknown version, key,
dispute or review, a name that makes no identifier, a database that cannot be reached.
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from flask.cli import ScriptInfo

from service.cli import _app, main
from synthetic import generate, seed_population, simulate_choices
from tests.conftest import make_test_app

NEEDS_THE_APP = [
    ["model", "list"],
    ["model", "train", "--epsilon", "1"],
    ["lenders", "list"],
    ["analysts", "list"],
    ["audit", "verify"],
    ["keys", "status"],
    ["db", "status"],
    ["db", "upgrade"],
    ["disputes", "list"],
    ["reviews", "list"],
    ["synth", "seed", "--subjects", "1"],
]


def _refused(result, *words: str) -> None:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(lines) == 1, result.output
    for word in words:
        assert word in lines[0], lines[0]


@pytest.mark.parametrize("args", NEEDS_THE_APP, ids=[" ".join(a) for a in NEEDS_THE_APP])
def test_production_without_its_keys_is_one_line(tmp_path, monkeypatch, args):
    for name in ("SECRET_KEY", "MASTER_KEY", "SIGNING_KEY", "PSEUDONYM_KEY"):
        monkeypatch.delenv(f"FAIRFILE_{name}", raising=False)
    monkeypatch.setenv("FAIRFILE_ENV", "production")
    monkeypatch.setenv("FAIRFILE_INSTANCE_PATH", str(tmp_path / "instance"))
    result = CliRunner().invoke(main, args, obj=ScriptInfo(create_app=_app))
    _refused(result, "ConfigurationError", "FAIRFILE_MASTER_KEY")


def test_an_unreachable_database_is_one_line(tmp_path):
    app = make_test_app(tmp_path, database_url="postgresql+psycopg://nobody@127.0.0.1:1/x")
    result = CliRunner().invoke(main, ["model", "list"], obj=ScriptInfo(create_app=lambda: app))
    _refused(result, "the database cannot be used", "refused")


@pytest.fixture
def seeded(tmp_path, sessions, session):
    from service.web.keys import consent_keys, vault

    app = make_test_app(tmp_path, engine=sessions, privacy_budget_rho="0.1")
    population = generate(60, seed=4)
    ids = seed_population(
        session=session,
        vault=vault(app),
        features=population.features,
        protected=population.protected,
        outcomes=population.outcomes(),
    )
    simulate_choices(session, keys=consent_keys(app), subject_ids=ids, share=1.0, seed=4)
    session.commit()
    return app


def test_every_refusal_of_a_working_app_is_one_line(seeded, tmp_path):
    runner, script = CliRunner(), ScriptInfo(create_app=lambda: seeded)
    empty = tmp_path / "empty"
    empty.mkdir()
    cases = [
        (
            ["model", "train", "--epsilon", "1"],
            ("BudgetExhausted", "rho=0.34", "rho=0.05", "'training'"),
        ),
        (["model", "train", "--epsilon", "1", "--data", str(empty)], ("not a population",)),
        (["synth", "seed", "--from", str(empty)], ("not a population", "manifest.json")),
        (["model", "activate", "99"], ("no model version 99",)),
        (["model", "card", "99"], ("no model version 99",)),
        (["lenders", "revoke", "deadbeef"], ("there is no key",)),
        (["analysts", "revoke", "deadbeef"], ("there is no key",)),
        (["lenders", "create", "!!!"], ("makes no lender identifier",)),
        (["analysts", "create", "!!!", "--role", "auditor"], ("makes no analyst identifier",)),
        (["disputes", "resolve", "nope", "--outcome", "upheld", "--reason", "x"], ("no such",)),
        (["reviews", "resolve", "nope", "--outcome", "upheld", "--reason", "x"], ("no such",)),
    ]
    for args, words in cases:
        _refused(runner.invoke(main, args, obj=script), *words)


def test_key_refusals_are_one_line(tmp_path, sessions):
    import base64
    import json

    from service.web.keys import vault

    environment_master = base64.urlsafe_b64encode(bytes(range(32))).decode()
    app = make_test_app(tmp_path, engine=sessions, master_key=environment_master)
    script = ScriptInfo(create_app=lambda: app)
    _refused(
        CliRunner().invoke(main, ["keys", "rotate", "--master"], obj=script),
        "the master key comes from the environment",
        "FAIRFILE_MASTER_KEYS_RETIRED",
    )

    path = next((tmp_path / "instance" / "keks").glob("*.kek"))
    raw = json.loads(path.read_text())
    path.write_text(json.dumps(raw | {"created_at": "2099-01-01T00:00:00+00:00"}))
    _refused(CliRunner().invoke(main, ["keys", "rotate"], obj=script), "tampered")
    _refused(CliRunner().invoke(main, ["keys", "status"], obj=script), "tampered")
    assert vault(app).active_kid == raw["kid"]  # the running app keeps what it read

    starting = ScriptInfo(
        create_app=lambda: make_test_app(tmp_path, engine=sessions, master_key=environment_master)
    )
    _refused(
        CliRunner().invoke(main, ["keys", "status"], obj=starting),
        "ConfigurationError",
        "FAIRFILE_KEK_DIRECTORY",
        "tampered",
    )
