"""The latent model: who each synthetic person is, and their 24 months of money.

``draw_people`` draws person-level traits (group, file type, region, employment, housing,
financial health, payment discipline, history length, bureau attributes). ``draw_ledger``
draws each month's payroll, benefits, bills, loans, transfers and spending, with a
balance that drifts back towards a personal buffer. Both levels of the generator start
from the same ledger: the feature level reads the facts off it directly, the statement
level renders it as transactions first. The equations are in ``docs/synthetic-data.md``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from scoring import MonthlyPanel
from scoring.ingest import WINDOW_MONTHS

from .profiles import REGION_SHARES, Profile

Float = npt.NDArray[np.float64]
Int = npt.NDArray[np.int64]
Small = npt.NDArray[np.int8]
Mask = npt.NDArray[np.bool_]

MONTHS = WINDOW_MONTHS
#: Per employment pattern (salaried, gig, irregular): median monthly pay in USD, the
#: chance of being paid in a month, and the month-to-month spread of pay (log scale).
PAY_LEVEL = np.array([3800.0, 2600.0, 1900.0])
PAY_CHANCE = np.array([0.985, 0.95, 0.72])
PAY_SPREAD = np.array([0.02, 0.35, 0.55])
#: Bills: log-odds of paying late at average discipline, and the share of late months
#: in which the bill is missed outright.
LATE_LOGIT = {"rent": -3.6, "utility": -3.3, "telecom": -3.4}
MISSED_SHARE = 0.35
LATE_CAP = 0.6
#: The personal buffer is ``usual pay * (exp(0.9 z - 0.2 + 0.4 e) - BUFFER_SHIFT)``.
BUFFER_SHIFT = 0.1
#: Log-odds of holding any savings at average financial health.
SAVINGS_LOGIT = -1.0


def sigmoid(x: Float) -> Float:
    """The logistic function.

    >>> float(sigmoid(np.array([0.0]))[0])
    0.5
    """
    return 1.0 / (1.0 + np.exp(-x))


def _choice(rng: np.random.Generator, n: int, shares: Float | tuple[float, ...]) -> Small:
    cut = np.cumsum(np.asarray(shares, dtype=np.float64), axis=-1)
    u = rng.random(n)
    codes: Small
    if cut.ndim == 1:
        codes = np.searchsorted(cut[:-1], u, side="right").astype(np.int8)
    else:
        codes = (u[:, None] >= cut[:, :-1]).sum(axis=1).astype(np.int8)
    return codes


@dataclass(frozen=True)
class People:
    """Person-level draws, one entry per person."""

    group_b: Mask
    thin: Mask
    region: Small
    employment: Small
    housing: Small
    health: Float
    discipline: Float
    history: Int
    bureau: dict[str, Float]


def draw_people(rng: np.random.Generator, n: int, profile: Profile) -> People:
    """Draw ``n`` people's traits for ``profile``."""
    group_b = rng.random(n) < profile.group_b_share
    # Group B is more often thin-file, as Black and Hispanic consumers are (CFPB 2015);
    # the ratio 1.2 is an assumption and the overall thin share stays the profile's.
    b = profile.group_b_share
    ratio_b = 1.2
    ratio_a = (1.0 - b * ratio_b) / (1.0 - b)
    thin = rng.random(n) < profile.thin_share * np.where(group_b, ratio_b, ratio_a)
    region = _choice(rng, n, REGION_SHARES)
    employment = _choice(rng, n, profile.employment)
    housing_shares = np.where(
        thin[:, None], np.array(profile.housing_thin), np.array(profile.housing_thick)
    )
    housing = _choice(rng, n, housing_shares)
    shift = -0.25 * group_b - 0.40 * thin + np.array([0.10, -0.15, -0.35])[employment]
    health = rng.standard_normal(n) + shift
    discipline = 0.6 * health + 0.8 * rng.standard_normal(n)
    full = rng.random(n) < np.where(thin, profile.full_history_thin, profile.full_history_thick)
    history = np.where(full, MONTHS, rng.integers(3, MONTHS, n)).astype(np.int64)
    bureau = _draw_bureau(rng, n, thin, health, discipline)
    return People(group_b, thin, region, employment, housing, health, discipline, history, bureau)


def _draw_bureau(
    rng: np.random.Generator, n: int, thin: Mask, health: Float, discipline: Float
) -> dict[str, Float]:
    lines = 1 + rng.poisson(np.exp(1.3 + 0.25 * health))
    use = 1.15 * sigmoid(-1.0 - 1.0 * discipline + 0.7 * rng.standard_normal(n))
    late = rng.poisson(np.exp(-1.7 - 1.1 * discipline))
    asks = rng.poisson(np.exp(-0.3 - 0.35 * health))
    raw = {
        "bureau_open_tradelines": np.minimum(lines, 60),
        "bureau_utilisation": np.round(np.minimum(use, 2.0), 4),
        "bureau_delinquencies_24m": np.minimum(late, 30),
        "bureau_inquiries_6m": np.minimum(asks, 30),
    }
    return {name: np.where(thin, np.nan, values.astype(np.float64)) for name, values in raw.items()}


@dataclass(frozen=True)
class Ledger:
    """Each person's month-by-month money, in integer cents, oldest month first.

    ``*_day`` arrays hold the day of the month a bill was booked (0: not paid that
    month); ``payday``, ``benefit_day`` and ``loan_day`` are fixed per person.
    """

    active: Mask
    payroll: Int
    benefits: Int
    rent: Int
    utility: Int
    telecom: Int
    loan: Int
    transfer_in: Int
    transfer_out: Int
    spending: Int
    rent_day: Small
    utility_day: Small
    telecom_day: Small
    payday: Small
    benefit_day: Small
    loan_day: Small
    opening: Int
    savings: Int

    def panel(self) -> MonthlyPanel:
        """Reduce the ledger to the extractor's monthly aggregates."""
        income = self.payroll + self.benefits
        spent = self.rent + self.utility + self.telecom + self.loan + self.spending
        net = income + self.transfer_in - self.transfer_out - spent
        return MonthlyPanel(
            active=self.active,
            income=income,
            net=net,
            loan=self.loan,
            rent_day=self.rent_day,
            utility_day=self.utility_day,
            telecom_day=self.telecom_day,
            opening=self.opening,
            savings=self.savings,
        )


def _cents(dollars: Float | npt.NDArray[np.float32]) -> Int:
    return np.rint(dollars * 100.0).astype(np.int64)


def _sparse(rng: np.random.Generator, chance: Float | float, active: Mask, median: float) -> Int:
    """Monthly amounts (cents) that occur with ``chance``, log-normal around ``median``."""
    n = active.shape[0]
    happens = (rng.random((n, MONTHS), dtype=np.float32) < chance) & active
    out = np.zeros((n, MONTHS), dtype=np.int64)
    where = np.nonzero(happens)
    out[where] = _cents(median * np.exp(0.8 * rng.standard_normal(where[0].size)))
    return out


def _bill(
    rng: np.random.Generator, chance: Float, discipline: Float, kind: str, due: Small
) -> tuple[Mask, Small]:
    """Draw which months a bill is paid and on which day.

    A uniform ``u`` per month decides the status: below ``p_late * MISSED_SHARE`` the bill
    is missed, below ``p_late`` it is paid 7 to 18 days after the due day, otherwise 0 to
    2 days after it (a second uniform draw picks the day).
    """
    n = chance.shape[0]
    has = rng.random(n) < chance
    p_late = np.minimum(LATE_CAP, sigmoid(LATE_LOGIT[kind] - 1.4 * discipline))
    p = p_late.astype(np.float32)[:, None]
    u = rng.random((n, MONTHS), dtype=np.float32)
    spread = rng.integers(0, 12, (n, MONTHS), dtype=np.int8)
    offset = np.where(u < p, spread + np.int8(7), spread % np.int8(3))
    paid = has[:, None] & (u >= p * np.float32(MISSED_SHARE))
    day = np.where(paid, due[:, None] + offset, np.int8(0))
    return paid, day


def draw_ledger(rng: np.random.Generator, people: People) -> Ledger:
    """Draw every person's 24 months of money from their traits."""
    n = people.health.shape[0]
    z, d, emp = people.health, people.discipline, people.employment
    active = np.arange(MONTHS)[None, :] >= (MONTHS - people.history)[:, None]

    level = PAY_LEVEL[emp] * np.exp(0.30 * z + 0.25 * rng.standard_normal(n))
    on_benefits = rng.random(n) < sigmoid(-2.0 - 0.9 * z + np.array([0.0, 0.6, 1.2])[emp])
    benefit = np.where(on_benefits, rng.uniform(650.0, 1100.0, size=(n,)), 0.0)
    usual = level + benefit
    paid = (rng.random((n, MONTHS), dtype=np.float32) < PAY_CHANCE[emp][:, None]) & active
    spread = PAY_SPREAD[emp].astype(np.float32)[:, None]
    shock = np.exp(spread * rng.standard_normal((n, MONTHS), dtype=np.float32) - spread**2 / 2)
    payroll = _cents(level.astype(np.float32)[:, None] * shock) * paid
    benefit_months = rng.random((n, MONTHS), dtype=np.float32) < 0.99
    benefits = _cents(benefit)[:, None] * (active & benefit_months)

    renter = people.housing == 0
    owner = people.housing == 1
    rent_amount = np.clip(0.32 * usual * np.exp(0.15 * rng.standard_normal(n)), 400.0, 4000.0)
    rent_paid, rent_day = _bill(rng, renter.astype(np.float64), d, "rent", _due(rng, n, 1, 3))
    utility_chance = np.array([0.75, 0.97, 0.15])[people.housing]
    utility_paid, utility_day = _bill(rng, utility_chance, d, "utility", _due(rng, n, 1, 10))
    utility_base = 110.0 * np.exp(0.3 * rng.standard_normal(n)) + 60.0 * owner
    utility_shock = np.exp(0.15 * rng.standard_normal((n, MONTHS), dtype=np.float32))
    telecom_paid, telecom_day = _bill(rng, np.full(n, 0.92), d, "telecom", _due(rng, n, 1, 10))
    telecom_amount = rng.uniform(45.0, 140.0, size=(n,))
    utility_month = utility_base.astype(np.float32)[:, None] * utility_shock
    bills = {
        "rent": _cents(rent_amount)[:, None] * (rent_paid & active),
        "utility": _cents(utility_month) * (utility_paid & active),
        "telecom": _cents(telecom_amount)[:, None] * (telecom_paid & active),
    }

    mortgage_share = 0.22 * np.exp(0.2 * rng.standard_normal(n))
    mortgage = np.where(owner & ~people.thin, mortgage_share * usual, 0.0)
    borrows = rng.random(n) < np.where(people.thin, 0.20, 0.45)
    other_loan = np.where(borrows, usual * rng.uniform(0.03, 0.12, size=(n,)), 0.0)
    loan = _cents(mortgage + other_loan)[:, None] * active
    transfer_in = _sparse(rng, 0.12, active, 120.0)
    transfer_out = _sparse(rng, (0.10 + 0.15 * sigmoid(z))[:, None], active, 200.0)

    buffer = usual * (np.exp(0.9 * z - 0.2 + 0.4 * rng.standard_normal(n)) - BUFFER_SHIFT)
    opening = _cents(buffer + 0.4 * usual * rng.standard_normal(n))
    spread_usual = (0.12 * usual).astype(np.float32)[:, None]
    noise = _cents(spread_usual * rng.standard_normal((n, MONTHS), dtype=np.float32))
    fixed = bills["rent"] + bills["utility"] + bills["telecom"] + loan
    spending = _spending(
        active,
        payroll + benefits,
        transfer_in - transfer_out,
        fixed,
        _cents(usual),
        _cents(buffer),
        opening,
        noise,
    )
    has_savings = rng.random(n) < sigmoid(SAVINGS_LOGIT + 1.3 * z)
    stash = usual * np.exp(0.9 * z - 0.3 + 1.0 * rng.standard_normal(n))
    savings = np.where(has_savings, _cents(np.minimum(stash, 1_000_000.0)), 0)
    return Ledger(
        active=active,
        payroll=payroll,
        benefits=benefits,
        loan=loan,
        transfer_in=transfer_in,
        transfer_out=transfer_out,
        spending=spending,
        rent_day=rent_day * active,
        utility_day=utility_day * active,
        telecom_day=telecom_day * active,
        payday=rng.integers(15, 29, size=(n,), dtype=np.int8),
        benefit_day=rng.integers(1, 6, size=(n,), dtype=np.int8),
        loan_day=rng.integers(1, 29, size=(n,), dtype=np.int8),
        opening=opening,
        savings=savings,
        **bills,
    )


def _due(rng: np.random.Generator, n: int, low: int, high: int) -> Small:
    return rng.integers(low, high + 1, size=(n,), dtype=np.int8)


#: The smallest monthly spending, in cents: every active month has some.
MIN_SPENDING = 4_000


def _spending(
    active: Mask,
    income: Int,
    transfers: Int,
    fixed: Int,
    usual: Int,
    buffer: Int,
    opening: Int,
    noise: Int,
) -> Int:
    """Spend so the balance drifts back towards the buffer (a partial-adjustment rule).

    Each month the person spends what came in, less their fixed payments, plus half of
    what their balance stands above their buffer (or less half of what it stands below),
    keeping a quarter of any surprise in pay, give or take noise; never below
    ``MIN_SPENDING``.
    """
    # Month-major copies: each step then reads contiguous memory.
    live_by_month = np.ascontiguousarray(active.T)
    known = np.ascontiguousarray((income + transfers - fixed).T)
    base = np.ascontiguousarray(((3 * income + usual[:, None]) // 4 + transfers - fixed + noise).T)
    spending = np.zeros((MONTHS, income.shape[0]), dtype=np.int64)
    balance = opening.copy()
    for month in range(MONTHS):
        live = live_by_month[month]
        spent = np.maximum(base[month] + (balance - buffer) // 2, MIN_SPENDING)
        spent *= live
        spending[month] = spent
        balance += (known[month] - spent) * live
    return np.ascontiguousarray(spending.T)
