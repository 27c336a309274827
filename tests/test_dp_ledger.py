"""The persisted ledger: per-subject accounting, refusals at the edges, no overspend."""

from __future__ import annotations

import threading
from fractions import Fraction

import pytest
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from dp import BudgetExhausted, PrivacyLoss, ledger
from dp.allocations import Allocation
from dp.models import PrivacyAccount, Release
from store import Subject
from store.db import WRITE
from tests.consent_fixtures import add_person


def whole(budget: PrivacyLoss) -> Allocation:
    """One allocation as large as the budget: these tests are about the total."""
    return Allocation("analysts", budget)


def _reserve(session, members, cost, budget, query=None):
    query = query or {"q": "count"}
    return ledger.reserve(
        session,
        budget=budget,
        allocation=whole(budget),
        members=members,
        cost=cost,
        actor="test",
        purpose="statistics",
        kind="count",
        query=query,
        mechanism={"name": "discrete_laplace", "scale": 1.0},
        fingerprint=ledger.fingerprint(query, members),
    )


@pytest.fixture
def people(session):
    return [add_person(session, enrol=False) for _ in range(3)]


def test_a_release_charges_every_member_and_is_recorded(session, people):
    cost = PrivacyLoss.pure("0.5")
    reservation = _reserve(session, people, cost, PrivacyLoss.zcdp(1))
    assert reservation.cost == cost
    assert reservation.remaining == PrivacyLoss.zcdp(Fraction(7, 8))
    spent = session.scalars(select(PrivacyAccount.spent_units)).all()
    assert spent == [cost.units()] * 3
    release = session.get(Release, reservation.release_id)
    assert release.status == "reserved"
    assert release.cost_rho == "0.125"
    assert release.members == 3


def test_budgets_belong_to_people_across_snapshots(session, people):
    budget = PrivacyLoss.zcdp(1)
    _reserve(session, people[:2], PrivacyLoss.zcdp("0.75"), budget, {"q": 1})
    # People 1 and 2 share the next snapshot: person 1 has spent 0.75 in the first one.
    with pytest.raises(BudgetExhausted) as refused:
        _reserve(session, people[1:], PrivacyLoss.zcdp("0.5"), budget, {"q": 2})
    assert refused.value.problem_extensions == {
        "requested": {"rho": "0.5"},
        "remaining": {"rho": "0.25"},
        "allocation": "analysts",
    }
    # Person 2 alone was never charged, so a snapshot of them alone still has it all.
    assert ledger.remaining(session, budget=budget, members=people[2:]) == budget


@pytest.mark.parametrize(
    ("budget", "cost", "allowed"),
    [
        (PrivacyLoss.zcdp("0.5"), PrivacyLoss.pure(1), True),  # exactly at the budget
        (PrivacyLoss.zcdp("0.5"), PrivacyLoss.zcdp(Fraction(1, 2) + Fraction(1, 10**12)), False),
        (PrivacyLoss.zero(), PrivacyLoss.zcdp(Fraction(1, 10**12)), False),  # zero budget
        (PrivacyLoss.zero(), PrivacyLoss.zero(), True),  # nothing costs nothing
        (PrivacyLoss.unlimited(), PrivacyLoss.zcdp(10**6), True),  # unlimited budget
        (PrivacyLoss.unlimited(), PrivacyLoss.unlimited(), False),  # never an infinite loss
    ],
    ids=["exactly-at", "a-hair-above", "zero-budget", "zero-cost", "unlimited", "infinite-cost"],
)
def test_budget_edges(session, people, budget, cost, allowed):
    if allowed:
        _reserve(session, people, cost, budget)
    else:
        with pytest.raises(BudgetExhausted):
            _reserve(session, people, cost, budget)
        assert session.scalars(select(PrivacyAccount)).all() == []  # nothing charged


def test_spending_to_the_last_unit_then_refusing(session, people):
    budget = PrivacyLoss.zcdp(1)
    for _ in range(10):
        _reserve(session, people, PrivacyLoss.zcdp("0.1"), budget)
    assert ledger.remaining(session, budget=budget, members=people) == PrivacyLoss.zero()
    with pytest.raises(BudgetExhausted):
        _reserve(session, people, PrivacyLoss.zcdp(Fraction(1, 10**12)), budget)


def test_a_completed_release_is_found_again_and_a_reservation_is_not(session, people):
    reservation = _reserve(session, people, PrivacyLoss.zcdp("0.1"), PrivacyLoss.zcdp(1))
    key = ledger.fingerprint({"q": "count"}, people)
    assert ledger.find_released(session, fingerprint=key) is None
    ledger.complete(session, release_id=reservation.release_id, result={"value": 3})
    assert ledger.find_released(session, fingerprint=key).result == {"value": 3}
    assert ledger.find_released(session, fingerprint=ledger.fingerprint({"q": 1}, people)) is None


# ------------------------------------------------------------------ concurrency
WORKERS = 8
COST = PrivacyLoss.zcdp("0.1")
BUDGET = PrivacyLoss.zcdp("0.55")  # room for five releases, not six


@pytest.fixture
def committed_people(engine):
    with Session(engine) as s, s.begin():
        ids = [add_person(s, enrol=False) for _ in range(4)]
    yield ids
    with Session(engine) as s, s.begin():
        s.execute(delete(Release).where(Release.actor.like("thread-%")))
        s.execute(delete(Subject).where(Subject.id.in_(ids)))


def test_concurrent_releases_never_overspend(engine, committed_people):
    granted: list[str] = []
    refused: list[str] = []
    errors: list[BaseException] = []
    start = threading.Barrier(WORKERS)

    def worker(n: int) -> None:
        try:
            start.wait()
            with Session(engine, expire_on_commit=False) as session, session.begin():
                session.connection(execution_options=WRITE)
                # Overlapping snapshots: everyone shares person 0.
                members = [committed_people[0], committed_people[1 + n % 3]]
                query = {"q": n}
                ledger.reserve(
                    session,
                    budget=BUDGET,
                    allocation=whole(BUDGET),
                    members=members,
                    cost=COST,
                    actor=f"thread-{n}",
                    purpose="statistics",
                    kind="count",
                    query=query,
                    mechanism={},
                    fingerprint=ledger.fingerprint(query, members),
                )
            granted.append(str(n))
        except BudgetExhausted:
            refused.append(str(n))
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(granted) == 5
    assert len(refused) == WORKERS - 5
    with Session(engine) as session:
        spent = session.get(PrivacyAccount, committed_people[0]).spent_units
        assert spent == 5 * COST.units() <= BUDGET.units()
        others = session.scalars(
            select(PrivacyAccount.spent_units).where(
                PrivacyAccount.subject_id.in_(committed_people[1:])
            )
        ).all()
        assert sum(others) == spent
