"""Analysts: no anonymous release, no chosen name, own releases only, no member counts.

The attacker's moves from the outside probe, each against the real app: the anonymous
caller draining the budget, the body naming itself ``regulator`` or a real lender, a
lender key on the analysts' route, a revoked key, a key without the scope, and the release
list read for how many people each release touched.
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from flask.cli import ScriptInfo
from sqlalchemy import func, select

from consent.analysts import AnalystKey, AnalystScope
from consent.transparency import LogEntry, ReleaseMember
from dp.models import Release
from service.cli import main
from synthetic import generate
from tests.analyst_fixtures import analyst_headers, statistics_people
from tests.conftest import make_test_app
from tests.consent_fixtures import signed_in_headers
from tests.lender_fixtures import add_key

ALL = ("rent", "utilities", "telecom", "bank_cashflow", "income", "bureau")
COUNT = {"statistic": "count", "group_by": ["thin_file"], "epsilon": "1"}
PROBLEM = "application/problem+json"


@pytest.fixture
def stats_app(tmp_path, sessions, session):
    app = make_test_app(tmp_path, engine=sessions, privacy_budget_rho="20")
    facts = generate(12, seed=8).features.drop("subject_id").to_dicts()
    app.fairfile_people = statistics_people(app, session, facts)
    return app


def _spent(session) -> tuple[int, int]:
    """How many releases and access-log entries there are."""
    releases = session.scalar(select(func.count()).select_from(Release))
    return releases, session.scalar(select(func.count()).select_from(LogEntry))


def test_an_anonymous_or_lender_caller_cannot_release_or_list(stats_app, session):
    client = stats_app.test_client()
    before = _spent(session)
    lender = {"Authorization": f"Bearer {add_key(stats_app, 'lender-a')}"}
    for headers in ({}, lender, {"Authorization": "Bearer ffa_00000000_" + "x" * 43}):
        for answer in (
            client.post("/v1/statistics", json=COUNT, headers=headers),
            client.get("/v1/statistics/releases", headers=headers),
        ):
            assert answer.status_code == 401, answer.json
            assert answer.mimetype == PROBLEM
            assert answer.headers["WWW-Authenticate"].startswith("Bearer")
            assert "fairfile analysts create" in answer.json["detail"]
    assert _spent(session) == (0, before[1])


@pytest.mark.parametrize("forged", ["regulator", "lender:lender-a", "analyst:fca", "sandbox"])
def test_a_body_that_names_its_actor_is_refused_and_spends_nothing(stats_app, session, forged):
    client = stats_app.test_client()
    headers = analyst_headers(stats_app, "lab")
    before = _spent(session)
    answer = client.post("/v1/statistics", json={**COUNT, "actor": forged}, headers=headers)
    assert answer.status_code == 422
    assert "actor" in str(answer.json)
    assert _spent(session) == before == (0, before[1])


def test_a_release_is_recorded_under_the_credential_in_every_members_log(stats_app, session):
    client = stats_app.test_client()
    made = client.post("/v1/statistics", json=COUNT, headers=analyst_headers(stats_app, "lab"))
    assert made.status_code == 201, made.json
    (release,) = session.scalars(select(Release)).all()
    assert release.actor == "analyst:lab"
    (logged,) = session.scalars(select(LogEntry).where(LogEntry.kind == "release")).all()
    assert '"analyst:lab"' in logged.leaf  # one entry for the release, named by the key
    members = session.scalars(select(ReleaseMember.leaf)).all()
    assert len(members) == len(stats_app.fairfile_people)
    assert all('"analyst:lab"' in leaf for leaf in members)
    person = stats_app.fairfile_people[0]
    log = client.get(
        f"/v1/subjects/{person}/access-log", headers=signed_in_headers(stats_app, person)
    ).json["entries"]
    assert "analyst:lab" in str(log)


def test_a_key_does_only_what_its_scopes_say_and_nothing_once_revoked(stats_app, session):
    client = stats_app.test_client()
    reader = analyst_headers(stats_app, "lab", scopes=[AnalystScope.STATISTICS_READ])
    refused = client.post("/v1/statistics", json=COUNT, headers=reader)
    assert refused.status_code == 403
    assert refused.json["required_scope"] == "statistics:release"
    releaser = analyst_headers(stats_app, "lab2", scopes=[AnalystScope.STATISTICS_RELEASE])
    assert client.post("/v1/statistics", json=COUNT, headers=releaser).status_code == 201
    assert client.get("/v1/statistics/releases", headers=releaser).status_code == 403

    runner, script = CliRunner(), ScriptInfo(create_app=lambda: stats_app)
    prefix = releaser["Authorization"].split("_")[1]
    revoked = runner.invoke(main, ["analysts", "revoke", prefix], obj=script)
    assert revoked.exit_code == 0, revoked.output
    assert f"key {prefix} of lab2 revoked" in revoked.output
    again = client.post("/v1/statistics", json={**COUNT, "epsilon": "2"}, headers=releaser)
    assert again.status_code == 401
    assert session.scalar(select(func.count()).select_from(Release)) == 1


def test_each_sees_its_own_releases_a_regulator_all_and_nobody_a_member_count(stats_app):
    client = stats_app.test_client()
    lab = analyst_headers(stats_app, "lab")
    other = analyst_headers(stats_app, "other", role="auditor")
    regulator = analyst_headers(stats_app, "fca", role="regulator")
    lender = {"Authorization": f"Bearer {add_key(stats_app, 'lender-a')}"}
    assert client.post("/v1/statistics", json=COUNT, headers=lab).status_code == 201
    histogram = {"statistic": "histogram", "feature": "history_months", "epsilon": "1"}
    assert client.post("/v1/statistics", json=histogram, headers=other).status_code == 201
    made = client.post("/v1/lender/statistics", json=COUNT, headers=lender)
    assert made.status_code == 201, made.json

    def actors(headers, path="/v1/statistics/releases"):
        answer = client.get(path, headers=headers)
        assert answer.status_code == 200, answer.json
        for row in answer.json["releases"]:
            assert "members" not in row
            assert row["cost"]["pure_epsilon"] == "1"  # each was asked at pure epsilon 1
            assert str(len(stats_app.fairfile_people)) not in str(row.get("mechanism"))
        return sorted(r["actor"] for r in answer.json["releases"])

    assert actors(lab) == ["analyst:lab"]
    assert actors(other) == ["analyst:other"]
    assert actors(regulator) == ["analyst:lab", "analyst:other", "lender:lender-a"]
    assert actors(lender, "/v1/lender/statistics/releases") == ["lender:lender-a"]


def test_the_operator_makes_lists_and_refuses_analysts_in_one_line(stats_app, session):
    runner, script = CliRunner(), ScriptInfo(create_app=lambda: stats_app)
    made = runner.invoke(
        main,
        ["analysts", "create", "Financial Conduct Office", "--role", "regulator"],
        obj=script,
    )
    assert made.exit_code == 0, made.output
    assert "analyst financial-conduct-office (Financial Conduct Office, regulator)" in made.output
    key = made.output.strip().splitlines()[-1]
    assert key.startswith("ffa_")
    stored = session.scalars(select(AnalystKey)).one()
    assert key.split("_")[2] not in stored.digest  # only the digest is stored
    answer = stats_app.test_client().post(
        "/v1/statistics", json=COUNT, headers={"Authorization": f"Bearer {key}"}
    )
    assert answer.status_code == 201, answer.json
    listed = runner.invoke(main, ["analysts", "list"], obj=script)
    assert "financial-conduct-office" in listed.output
    assert "active" in listed.output
    clash = runner.invoke(
        main,
        ["analysts", "create", "x", "--id", "financial-conduct-office", "--role", "auditor"],
        obj=script,
    )
    assert clash.exit_code == 1
    assert "has the role regulator, not auditor" in clash.output
    assert "Traceback" not in clash.output
    unknown = runner.invoke(main, ["analysts", "revoke", "deadbeef"], obj=script)
    assert (unknown.exit_code, "there is no key" in unknown.output) == (1, True)


def test_an_analyst_reads_the_platforms_model_cards_without_member_counts(stats_app, session):
    from tests.decision_fixtures import add_model

    client = stats_app.test_client()
    reader = analyst_headers(stats_app, "fca", role="regulator", scopes=["models:read"])
    assert client.get("/v1/models", headers=reader).json == {"models": []}
    version = add_model(session)
    session.commit()
    listed = client.get("/v1/models", headers=reader)
    assert listed.status_code == 200, listed.json
    assert [m["version"] for m in listed.json["models"]] == [version]
    one = client.get(f"/v1/models/{version}", headers=reader)
    assert (one.status_code, one.json["active"]) == (200, True)
    assert client.get("/v1/models/999", headers=reader).status_code == 404
    assert client.get("/v1/models").status_code == 401
    lender = {"Authorization": f"Bearer {add_key(stats_app, 'lender-a')}"}
    assert client.get("/v1/models", headers=lender).status_code == 401
    no_scope = analyst_headers(stats_app, "lab", scopes=["statistics:read"])
    assert client.get("/v1/models", headers=no_scope).status_code == 403
