"""DP statistics: exact tabulation, the API's answers, stored repeats, refusals."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sqlalchemy import func, select

from consent.transparency import LogEntry, ReleaseMember
from dp import InvalidQuery, LossRequest
from dp.models import Release
from dp.statistics import StatQuery, bin_labels, columns_of, plan, tabulate
from scoring.contract import FEATURES
from scoring.contract.models import put_facts
from service.web.keys import consent_keys, vault
from synthetic import generate
from tests.analyst_fixtures import analyst_client
from tests.conftest import make_test_app
from tests.consent_fixtures import add_person, grant

ALL = ("rent", "utilities", "telecom", "bank_cashflow", "income", "bureau")


def _query(**kw):
    return StatQuery(request=LossRequest.parse(epsilon=1), **kw)


def test_tabulation_is_exact_on_the_public_grid():
    facts = generate(500, seed=11).features.drop("subject_id").to_dicts()
    columns = columns_of(facts)
    counts = tabulate(_query(statistic="count", group_by=("thin_file",)), columns)["count"]
    thin = sum(f["bureau_open_tradelines"] is None for f in facts)
    assert counts == [500 - thin, thin]
    hist = tabulate(_query(statistic="histogram", feature="history_months"), columns)["count"]
    assert len(hist) == len(bin_labels(FEATURES["history_months"]))
    assert hist[-1] == sum(f["history_months"] == 24 for f in facts)
    sums = tabulate(_query(statistic="sum", feature="savings_balance", clip=(0, 5000)), columns)
    expected = sum(round(min(5000.0, f["savings_balance"])) for f in facts)
    assert sum(sums["sum"]) == pytest.approx(expected, abs=len(facts))  # rounding per value


def test_plans_cost_what_opendp_maps_before_any_data():
    count = plan(_query(statistic="count", group_by=("thin_file", "history_months")))
    assert count.cells == 8
    assert count.parts["count"].measurement().map(1) == 1.0
    assert count.cost.rho == pytest.approx(0.5)
    mean = plan(_query(statistic="mean", feature="debt_service_ratio"))
    assert mean.parts["sum"].sensitivity == 200  # 2.0 in hundredths
    assert mean.parts["sum"].measurement().map(200) == 0.5
    assert float(mean.cost.rho) == pytest.approx(2 * 0.5**2 / 2)


@pytest.mark.parametrize(
    "kw",
    [
        {"statistic": "count", "feature": "savings_balance"},
        {"statistic": "mean"},
        {"statistic": "count", "group_by": ("age",)},
        {"statistic": "sum", "feature": "savings_balance", "clip": (-1, 10)},
        {"statistic": "histogram", "feature": "history_months", "group_by": ("history_months",)},
    ],
)
def test_invalid_queries_are_refused(kw):
    with pytest.raises(InvalidQuery):
        _query(**kw)


@pytest.fixture
def stats_app(tmp_path, sessions, session):
    app = make_test_app(
        tmp_path, engine=sessions, privacy_budget_rho="20", privacy_allocations="analysts=20"
    )
    facts = generate(40, seed=2).features.drop("subject_id").to_dicts()
    keys = consent_keys(app)
    people = []
    for n, fact in enumerate(facts):
        subject_id = add_person(session)
        put_facts(session, vault=vault(app), subject_id=subject_id, facts=fact)
        if n < 30:  # ten people never granted statistics
            grant(session, keys, subject_id, purpose="statistics", categories=ALL)
        people.append(subject_id)
    session.commit()
    app.fairfile_facts = facts[:30]
    return app


def test_a_count_answers_with_value_interval_cost_and_remaining(stats_app, session):
    client = analyst_client(stats_app)
    logged = session.scalar(select(func.count()).select_from(LogEntry))
    body = {"statistic": "count", "group_by": ["thin_file"], "epsilon": "4"}
    first = client.post("/v1/statistics", json=body)
    assert first.status_code == 201, first.json
    answer = first.json
    thin = sum(f["bureau_open_tradelines"] is None for f in stats_app.fairfile_facts)
    for cell, exact in zip(answer["cells"], [30 - thin, thin], strict=True):
        low, high = cell["interval"]
        assert low <= cell["value"] <= high
        assert abs(cell["value"] - exact) <= 6  # scale 1/4: |noise| > 6 has prob. < 1e-10
    assert answer["cost"]["rho"] == "8"
    assert answer["cost"]["pure_epsilon"] == "4"  # what it is: pure DP at epsilon 4
    assert answer["cost"]["approx_epsilon"] > 4  # rho 8 as (epsilon, delta): looser
    assert answer["release_cost"] == answer["cost"]
    assert answer["remaining"]["rho"] == "12"
    assert answer["remaining"]["pure_epsilon"] is None
    assert answer["remaining"]["approx_epsilon"] > 0
    # The log grows by one entry for the release, whatever the number it read; everyone
    # counted (and nobody else) has their own leaf under it (tests/test_release_log.py).
    assert session.scalar(select(func.count()).select_from(LogEntry)) == logged + 1
    assert session.scalar(select(func.count()).select_from(ReleaseMember)) == 30

    again = client.post("/v1/statistics", json=body)
    assert again.status_code == 200
    assert again.json["stored"] is True
    assert again.json["cells"] == answer["cells"]  # the same noise, not fresh noise
    assert again.json["cost"]["rho"] == "0"
    assert again.json["cost"]["pure_epsilon"] == "0"  # a replay costs nothing
    assert again.json["release_cost"] == answer["release_cost"]  # and says what it had cost
    assert "cost_rho" not in again.json
    assert again.json["remaining"]["rho"] == "12"

    refused = client.post("/v1/statistics", json={**body, "epsilon": "5"})
    assert refused.status_code == 409
    assert refused.json["requested"] == {"rho": "12.5"}
    assert refused.json["remaining"] == {"rho": "12"}
    releases = session.scalars(select(Release)).all()
    assert [(r.actor, r.status, r.members) for r in releases] == [("analyst:lab", "released", 30)]


def test_what_is_left_is_rounded_down_and_what_is_spent_up(stats_app):
    # rho 0.26 is not a float: OpenDP's noise spends a hair under it, and the budget left
    # is an exact fraction a hair over 19.74. Shown, a cost is rounded up and a budget
    # left down, so neither is ever flattered (and no 19.740000000001 appears).
    client = analyst_client(stats_app)
    body = {"statistic": "count", "group_by": ["thin_file"], "rho": "0.26"}
    answer = client.post("/v1/statistics", json=body).json
    assert answer["cost"]["rho"] == "0.26"
    assert answer["cost"]["pure_epsilon"] is None  # a zCDP release has no pure epsilon
    assert answer["remaining"]["rho"] == "19.74"


def test_a_mean_stays_inside_its_public_bounds(stats_app):
    client = analyst_client(stats_app)
    response = client.post(
        "/v1/statistics",
        json={"statistic": "mean", "feature": "debt_service_ratio", "rho": "2"},
    )
    assert response.status_code == 201, response.json
    (cell,) = response.json["cells"]
    exact = np.mean([f["debt_service_ratio"] for f in stats_app.fairfile_facts])
    assert 0 <= cell["interval"][0] <= cell["value"] <= cell["interval"][1] <= 2
    assert math.isclose(cell["value"], exact, abs_tol=0.25)


def test_the_api_refuses_unknown_fields_and_bad_queries(stats_app):
    client = analyst_client(stats_app)
    extra = client.post("/v1/statistics", json={"statistic": "count", "epsilon": "1", "x": 1})
    assert extra.status_code == 422
    both = client.post("/v1/statistics", json={"statistic": "count", "epsilon": "1", "rho": "1"})
    assert both.status_code == 422
    assert both.json["type"].endswith("/invalid-query")


@pytest.mark.parametrize("amount", [{"epsilon": "1000"}, {"rho": "500000"}, {"epsilon": "0"}])
def test_an_absurd_loss_is_refused_before_anything_is_charged(app, amount):
    client = analyst_client(app)
    before = client.get("/v1/statistics/releases").json["releases"]
    refused = client.post("/v1/statistics", json={"statistic": "count", **amount})
    assert refused.status_code == 422
    assert refused.mimetype == "application/problem+json"
    assert client.get("/v1/statistics/releases").json["releases"] == before
