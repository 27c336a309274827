"""The persisted privacy-budget ledger: per-subject accounting, charged before release.

The rule (ADR 0009): every release charges its cost to **every subject in its snapshot**,
and a release is refused if it would take **any** of them past the budget. A person in
several snapshots (statistics and training, today and next month) accumulates the loss of
every release they were in; a person who joined later is not charged for releases made
before. So ``remaining`` for a snapshot is ``budget - max(spent over its members)``, and, within
the release's allocation (``dp.allocations``, ADR 0019), at most ``allocation - max(spent
through it over its members)``: a release is refused if it would take anyone past either.

Releases are charged one at a time: ``reserve`` first locks the ledger's one row
(``SELECT ... FOR UPDATE`` on PostgreSQL; on SQLite the caller's transaction must begin
IMMEDIATE, ``store.db.WRITE``), then reads the members' spend, refuses or charges, and
records the release as ``reserved``. The caller commits that transaction *before* running
the mechanism, so a release that fails afterwards stays charged: never refunded.

An identical query over an identical snapshot returns the stored release at no cost
(``find_released``): repeating a question cannot average the noise away.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from store import utcnow

from .allocations import Allocation
from .errors import BudgetExhausted, LedgerBug
from .loss import PrivacyLoss
from .models import AllocationAccount, LedgerLock, PrivacyAccount, Release

#: Subject ids per ``IN (...)`` batch.
BATCH = 900


@dataclass(frozen=True)
class Reservation:
    """A charged release: its id, cost, and what its snapshot has left after it."""

    release_id: str
    cost: PrivacyLoss
    remaining: PrivacyLoss
    members: int


def fingerprint(query: dict[str, Any], members: Iterable[str]) -> str:
    """Return the identity of a query over a snapshot (a hash; it names nobody).

    >>> fingerprint({"a": 1}, ["y", "x"]) == fingerprint({"a": 1}, ["x", "y"])
    True
    """
    digest = hashlib.sha256(json.dumps(query, sort_keys=True, separators=(",", ":")).encode())
    for member in sorted(members):
        digest.update(b"|" + member.encode())
    return digest.hexdigest()


def _batches(ids: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(ids), BATCH):
        yield ids[start : start + BATCH]


Account = type[PrivacyAccount] | type[AllocationAccount]


def _most(session: Session, table: Account, members: Sequence[str], **scope: str) -> PrivacyLoss:
    """The most any of ``members`` has spent in ``table``'s rows matching ``scope``."""
    match = [getattr(table, column) == value for column, value in scope.items()]
    most = 0
    for chunk in _batches(members):
        value = session.scalar(
            select(func.max(table.spent_units)).where(*match, table.subject_id.in_(chunk))
        )
        most = max(most, int(value or 0))
    return PrivacyLoss.from_units(most)


def max_spent(session: Session, *, members: Sequence[str]) -> PrivacyLoss:
    """Return the most any of ``members`` has spent (zero for nobody)."""
    return _most(session, PrivacyAccount, members)


def max_spent_in(session: Session, *, allocation: str, members: Sequence[str]) -> PrivacyLoss:
    """Return the most any of ``members`` has spent through ``allocation``."""
    return _most(session, AllocationAccount, members, allocation=allocation)


def remaining(
    session: Session,
    *,
    budget: PrivacyLoss,
    members: Sequence[str],
    allocation: Allocation | None = None,
) -> PrivacyLoss:
    """Return what a release over ``members`` may still spend (within ``allocation``)."""
    left = budget.minus(max_spent(session, members=members))
    if allocation is None:
        return left
    within = allocation.limit.minus(
        max_spent_in(session, allocation=allocation.name, members=members)
    )
    return within if within < left else left


def find_released(session: Session, *, fingerprint: str) -> Release | None:
    """Return the latest stored release with this fingerprint, if one was made."""
    return session.scalars(
        select(Release)
        .where(Release.fingerprint == fingerprint, Release.status == "released")
        .order_by(Release.created_at.desc(), Release.id.desc())
        .limit(1)
    ).first()


def reserve(
    session: Session,
    *,
    budget: PrivacyLoss,
    allocation: Allocation,
    members: Sequence[str],
    cost: PrivacyLoss,
    actor: str,
    purpose: str,
    kind: str,
    query: dict[str, Any],
    mechanism: dict[str, Any],
    fingerprint: str,
) -> Reservation:
    """Charge ``cost`` to every member, in total and in ``allocation``, or refuse.

    The caller owns the transaction and must commit it before running the mechanism.

    Raises:
        BudgetExhausted: some member would pass ``budget`` or the allocation's limit (or
            the cost is unlimited); nothing was charged.
    """
    if cost.is_unlimited:
        raise BudgetExhausted(
            "an unlimited privacy loss is never charged to anyone",
            requested={"rho": "inf"},
            remaining={"rho": budget.decimal(round_up=False)},
        )
    lock = session.scalars(select(LedgerLock).where(LedgerLock.id == 1).with_for_update()).first()
    if lock is None:
        raise LedgerBug("the ledger's lock row is missing: run `fairfile db upgrade`")
    ids = sorted(set(members))
    left = remaining(session, budget=budget, members=ids, allocation=allocation)
    if left < cost:
        raise BudgetExhausted(
            f"this release needs {cost} but its snapshot has {left} left in the allocation "
            f"{allocation.name!r} (and the total)",
            requested={"rho": cost.decimal()},
            remaining={"rho": left.decimal(round_up=False)},
            allocation=allocation.name,
        )
    units = cost.units()
    now = utcnow()
    if units:
        _add(session, PrivacyAccount, ids, now, {"spent_units": units, "releases": 1})
        _add(
            session, AllocationAccount, ids, now, {"spent_units": units}, allocation=allocation.name
        )
    lock.releases += 1
    release = Release(
        actor=actor,
        allocation=allocation.name,
        purpose=purpose,
        kind=kind,
        query=query,
        fingerprint=fingerprint,
        members=len(ids),
        mechanism=mechanism,
        cost_units=units,
        cost_rho=cost.decimal(),
        status="reserved",
        result=None,
        released_at=None,
    )
    session.add(release)
    session.flush()
    return Reservation(release.id, cost, left.minus(cost), len(ids))


def _add(
    session: Session,
    table: Account,
    ids: Sequence[str],
    now: Any,
    add: dict[str, int],
    **scope: str,
) -> None:
    """Add ``add`` to each of ``ids``' row in ``table`` matching ``scope``, making missing rows."""
    match = [getattr(table, column) == value for column, value in scope.items()]
    for chunk in _batches(ids):
        known = set(
            session.scalars(select(table.subject_id).where(*match, table.subject_id.in_(chunk)))
        )
        if known:
            session.execute(
                update(table)
                .where(*match, table.subject_id.in_(sorted(known)))
                .values(
                    {
                        getattr(table, column): getattr(table, column) + n
                        for column, n in add.items()
                    }
                    | {table.updated_at: now}
                )
                .execution_options(synchronize_session=False)
            )
        new = [s for s in chunk if s not in known]
        if new:
            session.execute(
                insert(table), [{"subject_id": s, **scope, **add, "updated_at": now} for s in new]
            )


def complete(session: Session, *, release_id: str, result: dict[str, Any]) -> Release:
    """Store the result of a reserved release (the cost was charged at reservation)."""
    release = session.get(Release, release_id)
    if release is None or release.status != "reserved":
        raise LedgerBug(f"release {release_id} is not a reservation awaiting its result")
    release.result = result
    release.status = "released"
    release.released_at = utcnow()
    session.flush()
    return release


def _dataset_spent(session: Session, *, dataset: str, kind: str) -> PrivacyLoss:
    """Return what every release of ``kind`` over the dataset ``dataset`` has cost so far."""
    units = session.scalar(
        select(func.coalesce(func.sum(Release.cost_units), 0)).where(
            Release.kind == kind, Release.fingerprint == dataset
        )
    )
    return PrivacyLoss.from_units(int(units or 0))


def reserve_dataset(
    session: Session,
    *,
    budget: PrivacyLoss,
    dataset: str,
    cost: PrivacyLoss,
    actor: str,
    purpose: str,
    kind: str,
    query: dict[str, Any],
    mechanism: dict[str, Any],
) -> Reservation:
    """Charge a release over a file that is not in the database to the file's own budget.

    A lender's historical file (``dp.own_data.training``) holds people Fairfile does not know: its
    rows are charged as one, by the file's digest ``dataset`` (the release's fingerprint).
    Every release of ``kind`` over the same data adds up, and one that would take the
    data past ``budget`` is refused. The ledger's lock row is taken first, as for every
    release; the caller owns the transaction.

    Raises:
        BudgetExhausted: the data's budget has less than ``cost`` left; nothing charged.
    """
    if cost.is_unlimited:
        raise BudgetExhausted(
            "an unlimited privacy loss is never charged to anyone",
            requested={"rho": "inf"},
            remaining={"rho": budget.decimal(round_up=False)},
        )
    lock = session.scalars(select(LedgerLock).where(LedgerLock.id == 1).with_for_update()).first()
    if lock is None:
        raise LedgerBug("the ledger's lock row is missing: run `fairfile db upgrade`")
    left = budget.minus(_dataset_spent(session, dataset=dataset, kind=kind))
    if left < cost:
        raise BudgetExhausted(
            f"this release needs {cost} but this file's data has {left} left",
            requested={"rho": cost.decimal()},
            remaining={"rho": left.decimal(round_up=False)},
        )
    lock.releases += 1
    release = Release(
        actor=actor,
        purpose=purpose,
        kind=kind,
        query=query,
        fingerprint=dataset,
        members=0,
        mechanism=mechanism,
        cost_units=cost.units(),
        cost_rho=cost.decimal(),
        status="reserved",
        result=None,
        released_at=None,
    )
    session.add(release)
    session.flush()
    # What is left as the ledger now records it (the charge was rounded up to a unit).
    return Reservation(release.id, cost, left.minus(PrivacyLoss.from_units(cost.units())), 0)
