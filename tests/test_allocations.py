"""Budget allocations: one spender running its part dry leaves every other part whole.

The attacker's move from the outside probe was to drain everyone's budget so that nobody
else (lenders, other analysts, the platform's training) could ever release again. Here an
analyst with an allocation of its own spends all of it; then another analyst, a lender and
a training run over the same people still go on, the total still bounds every release, a
division of the budget that does not add up is refused at start-up, and the division is
public.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from dp import PrivacyLoss
from dp.allocations import TRAINING, Allocations
from dp.errors import AllocationError
from dp.ledger import max_spent, max_spent_in
from dp.models import AllocationAccount, Release
from dp.versions import reserve_training
from service.web.config import ConfigurationError, allocations, load_settings
from synthetic import generate
from tests.analyst_fixtures import analyst_headers, statistics_people
from tests.conftest import make_test_app
from tests.lender_fixtures import add_key

ALL = ("rent", "utilities", "telecom", "bank_cashflow", "income", "bureau")
PROBLEM = "application/problem+json"
#: Each count at pure epsilon 1 costs rho 1/2.
COUNT = {"statistic": "count", "group_by": ["thin_file"], "epsilon": "1"}
DIVISION = "training=4, lenders=2, analyst:fca=1, analysts=2"


@pytest.fixture
def shared_app(tmp_path, sessions, session):
    app = make_test_app(
        tmp_path, engine=sessions, privacy_budget_rho="10", privacy_allocations=DIVISION
    )
    facts = generate(15, seed=4).features.drop("subject_id").to_dicts()
    app.fairfile_people = statistics_people(app, session, facts)
    return app


def _count(client, headers, epsilon: str, path: str = "/v1/statistics"):
    return client.post(path, json={**COUNT, "epsilon": epsilon}, headers=headers)


def test_an_analyst_drains_its_own_allocation_and_everyone_else_goes_on(shared_app, session):
    client = shared_app.test_client()
    fca = analyst_headers(shared_app, "fca", role="regulator")
    lab = analyst_headers(shared_app, "lab")
    lender = {"Authorization": f"Bearer {add_key(shared_app, 'lender-a')}"}
    people = shared_app.fairfile_people

    # fca's own allocation is rho 1: two counts at epsilon 1 (rho 1/2 each) spend it all.
    assert _count(client, fca, "1").status_code == 201
    assert _count(client, fca, "0.99").status_code == 201
    refused = _count(client, fca, "0.2")  # rho 0.02: more than is left
    assert refused.status_code == 409
    assert refused.headers["Content-Type"] == PROBLEM
    assert refused.json["allocation"] == "analyst:fca"
    assert "analyst:fca" in refused.json["detail"]
    assert refused.json["remaining"] == {"rho": "0.00995"}
    spent = max_spent(session, members=people)

    # The analysts' pool, the lenders' allocation and training are untouched by it.
    pooled = _count(client, lab, "1")
    assert pooled.status_code == 201, pooled.json
    assert pooled.json["remaining"]["rho"] == "1.5"  # the pool's rho 2, less this count
    lent = _count(client, lender, "1", path="/v1/lender/statistics")
    assert lent.status_code == 201, lent.json
    assert lent.json["remaining"]["rho"] == "1.5"
    with shared_app.app_context():
        training = allocations().named(TRAINING)
        reserved = reserve_training(
            session,
            budget=PrivacyLoss.zcdp("10"),
            allocation=training,
            members=people,
            cost=PrivacyLoss.zcdp("4"),
            actor="operator",
            query={"training": "test"},
            mechanism={"name": "test"},
        )
    assert reserved.release_id
    assert max_spent(session, members=people) == spent + PrivacyLoss.zcdp("5")
    assert max_spent_in(session, allocation="analyst:fca", members=people) == PrivacyLoss.zcdp(
        "0.99005"
    )
    # Every member was charged in the allocation it spent: one row per (person, part).
    rows = session.scalar(select(func.count()).select_from(AllocationAccount))
    assert rows == 4 * len(people)
    assert sorted(session.scalars(select(Release.allocation)).all()) == [
        "analyst:fca",
        "analyst:fca",
        "analysts",
        "lenders",
        "training",
    ]


def test_the_total_bounds_every_release_when_the_division_changes(shared_app, tmp_path, sessions):
    # The operator first gives analysts the whole budget, then moves it all to lenders: the
    # allocations each sum to the total, yet what analysts spent still counts against it.
    before = make_test_app(
        tmp_path,
        engine=sessions,
        privacy_budget_rho="1",
        privacy_allocations="analysts=1",
    )
    after = make_test_app(
        tmp_path, engine=sessions, privacy_budget_rho="1", privacy_allocations="lenders=1"
    )
    lab = analyst_headers(before, "lab")
    assert _count(before.test_client(), lab, "1.2").status_code == 201  # rho 0.72
    lender = {"Authorization": f"Bearer {add_key(after, 'lender-a')}"}
    refused = _count(after.test_client(), lender, "1", path="/v1/lender/statistics")
    assert refused.status_code == 409, refused.json
    assert refused.json["allocation"] == "lenders"
    assert refused.json["requested"] == {"rho": "0.5"}
    assert refused.json["remaining"] == {"rho": "0.28"}  # the total's, not the lenders' 1
    fits = _count(after.test_client(), lender, "0.7", path="/v1/lender/statistics")
    assert fits.status_code == 201, fits.json  # rho 0.245: within both


@pytest.mark.parametrize(
    ("division", "why"),
    [
        ("training=1, lenders=1, analysts=0.5", "more than the budget"),
        ("training=1, training=0.5", "allocated twice"),
        ("public=1", "the name one of training"),
        ("analyst:Lab=1", "the name one of training"),
        ("lenders=-1", "lenders"),
        ("training", "write name=rho"),
    ],
)
def test_a_division_that_does_not_add_up_is_refused_at_start_up(division, why):
    config = {"env": "testing", "privacy_budget_rho": "2", "privacy_allocations": division}
    with pytest.raises(ConfigurationError, match=f"FAIRFILE_PRIVACY_ALLOCATIONS: .*{why}"):
        load_settings(config)


def test_without_a_division_half_goes_to_training_and_a_quarter_each_to_the_rest():
    shares = Allocations.parse(PrivacyLoss.zcdp("2"), None)
    assert [(a.name, a.limit.decimal()) for a in shares.listed()] == [
        ("training", "1"),
        ("lenders", "0.5"),
        ("analysts", "0.5"),
    ]
    assert shares.unallocated() == PrivacyLoss.zero()
    with pytest.raises(AllocationError):
        Allocations.parse(PrivacyLoss.zcdp("2"), "lenders=2.5")


def test_the_division_is_public(shared_app):
    answer = shared_app.test_client().get("/v1/privacy/allocations")
    assert answer.status_code == 200
    assert answer.json["budget"] == "10"
    assert [(a["name"], a["rho"]) for a in answer.json["allocations"]] == [
        ("training", "4"),
        ("lenders", "2"),
        ("analyst:fca", "1"),
        ("analysts", "2"),
    ]
    assert answer.json["unallocated"] == "1"
    assert answer.json["allocations"][2]["who"] == "the analyst fca alone"
