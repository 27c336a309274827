"""Simulated consent choices of synthetic people, so the sandbox has someone to count.

Nobody is scored, trained on or counted unless they enrol and grant a purpose. A freshly
seeded sandbox would therefore have no training or statistics population at all. This
module **simulates** the choices synthetic people might make, and records each one through
the real ``consent.lifecycle.enrol`` and ``consent.lifecycle.grant`` (channel ``api``), so
every simulated grant has its event, its signed receipt and its transparency-log entry,
exactly like a grant made through the API. They are choices of synthetic people, made up
by a random number generator; no real person chose anything.

The rule, per person, deterministic for a given seed and list of subjects:

* with probability ``share`` (``fairfile synth seed --consenting-share``) the person
  enrols; everyone else never enrols and is never read;
* an enrolled person grants ``training`` with probability ``TRAINING_SHARE`` and
  ``statistics`` with probability ``STATISTICS_SHARE``, independently;
* each grant covers every data category, except that with probability ``PARTIAL_SHARE``
  the person leaves out one category chosen at random (so the category checks of the gate
  and of the snapshots have someone to refuse).

``scoring`` is not simulated: asking for one's own score is an interactive act of the
person (the scoring issue's), and every simulated grant costs a few milliseconds through
the full lifecycle (event, signed receipt, log entry), so the seed stays quick.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy.orm import Session

from consent import (
    ENROLMENT_NOTICE,
    NOTICES,
    ConsentKeys,
    DataCategory,
    Purpose,
    PurposeKind,
    lifecycle,
)
from store import utcnow

#: The share of seeded people who enrol, by default.
DEFAULT_SHARE = 0.6
#: Of those who enrol: the chance of granting each purpose.
TRAINING_SHARE = 0.8
STATISTICS_SHARE = 0.8
#: Of each grant: the chance of leaving out one data category.
PARTIAL_SHARE = 0.1
#: Mixed into the seed so the choices draw from a stream of their own.
_STREAM = 0xC0_75_E7

_PURPOSES: tuple[tuple[PurposeKind, float], ...] = (
    (PurposeKind.TRAINING, TRAINING_SHARE),
    (PurposeKind.STATISTICS, STATISTICS_SHARE),
)
_CATEGORIES: tuple[DataCategory, ...] = tuple(DataCategory)


@dataclass(frozen=True)
class Choices:
    """How many simulated people enrolled, and how many grants of each purpose they made."""

    enrolled: int
    grants: dict[str, int]


def simulate_choices(
    session: Session,
    *,
    keys: ConsentKeys,
    subject_ids: Sequence[str],
    share: float = DEFAULT_SHARE,
    seed: int = 0,
    now: dt.datetime | None = None,
) -> Choices:
    """Enrol a ``share`` of ``subject_ids`` and record their simulated grants.

    Every enrolment and grant goes through ``consent.lifecycle`` in the caller's
    transaction (channel ``api``). The same ``seed`` and ``subject_ids`` give the same
    choices.

    Raises:
        ValueError: ``share`` is not between 0 and 1.
    """
    if not 0.0 <= share <= 1.0:
        raise ValueError("the consenting share lies between 0 and 1")
    now = now or utcnow()
    rng = np.random.default_rng([_STREAM, seed])
    n = len(subject_ids)
    enrols = rng.random(n) < share
    draws = rng.random((n, len(_PURPOSES)))
    partial = rng.random((n, len(_PURPOSES))) < PARTIAL_SHARE
    left_out = rng.integers(0, len(_CATEGORIES), size=(n, len(_PURPOSES)))
    grants = {str(kind): 0 for kind, _ in _PURPOSES}
    enrolled = 0
    for i in np.flatnonzero(enrols):
        subject_id = subject_ids[int(i)]
        lifecycle.enrol(
            session,
            subject_id=subject_id,
            notice_version=ENROLMENT_NOTICE.version,
            channel="api",
        )
        enrolled += 1
        for j, (kind, chance) in enumerate(_PURPOSES):
            if draws[i, j] >= chance:
                continue
            categories = [
                c for k, c in enumerate(_CATEGORIES) if not (partial[i, j] and k == left_out[i, j])
            ]
            lifecycle.grant(
                session,
                keys=keys,
                subject_id=subject_id,
                purpose=Purpose(kind),
                categories=categories,
                notice_version=NOTICES[kind].version,
                channel="api",
                now=now,
            )
            grants[str(kind)] += 1
    return Choices(enrolled, grants)
