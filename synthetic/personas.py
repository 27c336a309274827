"""The sandbox personas: documented test people whose bank feeds ship as files.

Like a payment provider's custom sandbox users, each persona is one life told by a bank
account: a gig worker with irregular pay, a renter with two years of on-time rent and no
credit file, a newcomer, a student on benefits, someone often overdrawn, someone with too
little history to be scored, the renter's twin who spends the same money at casinos and
bars, and a salaried saver paying off a loan. Each closed statement is built here, in
code, from a seeded ``random.Random`` (stable across Python versions, unlike NumPy's
streams), and rendered by ``synthetic.feeds.render_feed`` as FDX, UK Open Banking and OFX
into ``persona_feeds/``, which the package ships. ``fairfile synth personas`` writes them
again; a test checks the shipped files are exactly what this module writes, so a change
here is a change to the files. docs/connecting-bank-data.md lists what each one promises.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Final

from scoring.ingest.banks import Shape

from .feeds import MERCHANTS, Merchant, render_feed
from .population import AS_OF

#: Everyday spending, for every persona but the one whose point is where they spend.
EVERYDAY: Final = tuple(m for m in MERCHANTS if m.mcc in {"5411", "5541", "5814", "5942"})
#: Casinos, bars, liquor and arcades: what a purely financial score must be blind to.
NIGHTLIFE: Final = tuple(m for m in MERCHANTS if m.mcc in {"7995", "5813", "5921", "7994"})
#: The file name ending of each shape.
SUFFIXES: Final = {
    Shape.FDX: ".fdx.json",
    Shape.OPEN_BANKING: ".open_banking.json",
    Shape.OFX: ".ofx",
}
#: The folder, inside the package, that holds the shipped files.
FOLDER: Final = "persona_feeds"


@dataclass(frozen=True)
class Persona:
    """One sandbox person: who they are, their closed statement and how it is rendered."""

    name: str
    who: str
    statement: dict[str, Any]
    merchants: tuple[Merchant, ...]
    seed: int

    def feed(self, shape: Shape) -> str:
        """Return the persona's feed in ``shape`` as the text of its file."""
        rendered = render_feed(self.statement, shape, seed=self.seed, merchants=self.merchants)
        if isinstance(rendered, str):
            return rendered
        return json.dumps(rendered, indent=1) + "\n"


def _months(count: int) -> list[tuple[int, int]]:
    """Return the last ``count`` (year, month) pairs, ending with the month of ``AS_OF``."""
    last = AS_OF.year * 12 + AS_OF.month - 1
    return [divmod(index, 12) for index in range(last - count + 1, last + 1)]


def _day(year: int, month0: int, day: int) -> dt.date:
    return dt.date(year, month0 + 1, min(day, 28))


class _Book:
    """The transactions of one statement, added in order, in cents."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)  # noqa: S311 - synthetic data, not a secret
        self.rows: list[tuple[dt.date, int, str, str]] = []

    def credit(self, day: dt.date, cents: int, kind: str) -> None:
        self.rows.append((day, cents, "Credit", kind))

    def debit(self, day: dt.date, cents: int, kind: str) -> None:
        self.rows.append((day, cents, "Debit", kind))

    def spend(self, year: int, month0: int, count: int, low: int, high: int) -> None:
        """Add ``count`` other-spending debits of ``low`` to ``high`` dollars in a month."""
        for _ in range(count):
            day = _day(year, month0, self.rng.randint(1, 28))
            self.debit(day, self.rng.randint(low * 100, high * 100), "other_spending")

    def statement(self, *, opening: int, savings: int) -> dict[str, Any]:
        rows = sorted(self.rows, key=lambda r: (r[0], r[2], r[3], r[1]))
        return {
            "asOf": AS_OF.isoformat(),
            "account": {
                "currency": "USD",
                "openingBalance": _money(opening),
                "savingsBalance": _money(savings),
            },
            "transactions": [
                {
                    "bookingDate": day.isoformat(),
                    "amount": _money(cents),
                    "creditDebitIndicator": direction,
                    "counterpartyKind": kind,
                    "transactionId": f"t-{i:05d}",
                }
                for i, (day, cents, direction, kind) in enumerate(rows)
            ],
        }


def _money(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    whole, rest = divmod(abs(cents), 100)
    return f"{sign}{whole}.{rest:02d}"


def gig_worker() -> dict[str, Any]:
    """Pay from gig platforms: one to seven payments a month, of any size, some months thin."""
    book = _Book(101)
    for year, month0 in _months(24):
        thin = book.rng.random() < 0.3
        for _ in range(book.rng.randint(1, 2) if thin else book.rng.randint(4, 7)):
            day = _day(year, month0, book.rng.randint(1, 28))
            book.credit(day, book.rng.randint(60_00, 180_00 if thin else 500_00), "payroll")
        book.debit(_day(year, month0, book.rng.randint(2, 9)), 650_00, "rent")
        book.debit(_day(year, month0, 18), 45_00, "telecom")
        book.spend(year, month0, book.rng.randint(6, 10), 8, 60)
    return book.statement(opening=2_600_00, savings=150_00)


def renter() -> dict[str, Any]:
    """Salary twice a month, rent on the first every month for two years, bills on time."""
    book = _Book(102)
    for year, month0 in _months(24):
        book.credit(_day(year, month0, 1), 1_250_00, "payroll")
        book.credit(_day(year, month0, 15), 1_250_00, "payroll")
        book.debit(_day(year, month0, 1), 950_00, "rent")
        book.debit(_day(year, month0, 10), book.rng.randint(60_00, 110_00), "utility")
        book.debit(_day(year, month0, 20), 40_00, "telecom")
        book.spend(year, month0, book.rng.randint(10, 14), 50, 150)
    return book.statement(opening=600_00, savings=800_00)


def newcomer() -> dict[str, Any]:
    """Arrived seven months ago: a salary, rent and a phone from the first month."""
    book = _Book(103)
    for year, month0 in _months(7):
        book.credit(_day(year, month0, 25), 2_100_00, "payroll")
        book.debit(_day(year, month0, 3), 1_100_00, "rent")
        book.debit(_day(year, month0, 12), 35_00, "telecom")
        book.spend(year, month0, book.rng.randint(8, 12), 10, 70)
    return book.statement(opening=1_500_00, savings=0)


def student_on_benefits() -> dict[str, Any]:
    """Benefits on the third of each month, a phone bill, little else: no rent, no pay."""
    book = _Book(104)
    for year, month0 in _months(18):
        book.credit(_day(year, month0, 3), 943_00, "benefits")
        book.debit(_day(year, month0, 14), 30_00, "telecom")
        book.debit(_day(year, month0, 6), 400_00, "transfer")  # to the student's landlord parent
        book.spend(year, month0, book.rng.randint(12, 16), 10, 60)
    return book.statement(opening=120_00, savings=0)


def often_overdrawn() -> dict[str, Any]:
    """Spends a little more than they earn: below zero at month ends, topped up now and then."""
    book = _Book(105)
    for index, (year, month0) in enumerate(_months(24)):
        book.credit(_day(year, month0, 28), 1_800_00, "payroll")
        book.debit(_day(year, month0, 1), 900_00, "rent")
        book.debit(_day(year, month0, 9), 95_00, "utility")
        book.debit(_day(year, month0, 21), 55_00, "telecom")
        book.spend(year, month0, 12, 50, 90)
        if index % 4 == 3:
            book.credit(_day(year, month0, 16), 400_00, "transfer")
    return book.statement(opening=-150_00, savings=0)


def four_months() -> dict[str, Any]:
    """Only four months of statements: too little for a score, so none is made."""
    book = _Book(106)
    for year, month0 in _months(4):
        book.credit(_day(year, month0, 27), 2_600_00, "payroll")
        book.debit(_day(year, month0, 2), 1_000_00, "rent")
        book.spend(year, month0, 10, 20, 80)
    return book.statement(opening=2_000_00, savings=500_00)


def salaried_saver() -> dict[str, Any]:
    """A monthly salary, rent, every bill, a loan paid down and a sum put aside each month."""
    book = _Book(107)
    for year, month0 in _months(24):
        book.credit(_day(year, month0, 25), 3_800_00, "payroll")
        book.debit(_day(year, month0, 1), 1_400_00, "rent")
        book.debit(_day(year, month0, 5), 320_00, "loan_repayment")
        book.debit(_day(year, month0, 11), book.rng.randint(80_00, 140_00), "utility")
        book.debit(_day(year, month0, 19), 60_00, "telecom")
        book.debit(_day(year, month0, 26), 500_00, "transfer")  # to savings
        book.spend(year, month0, book.rng.randint(12, 16), 15, 90)
    return book.statement(opening=2_400_00, savings=12_000_00)


_BUILT: Final[tuple[tuple[str, str, Callable[[], dict[str, Any]], tuple[Merchant, ...]], ...]] = (
    ("gig_worker", "A gig worker paid by platforms, irregularly", gig_worker, EVERYDAY),
    ("renter", "Two years of on-time rent, no credit file", renter, EVERYDAY),
    ("newcomer", "Arrived seven months ago", newcomer, EVERYDAY),
    ("student_on_benefits", "A student living on benefits", student_on_benefits, EVERYDAY),
    ("often_overdrawn", "Below zero at most month ends", often_overdrawn, EVERYDAY),
    ("four_months", "Only four months of history", four_months, EVERYDAY),
    ("nightlife", "The renter's money, spent at casinos and bars", renter, NIGHTLIFE),
    ("salaried_saver", "Salaried, with savings and a loan", salaried_saver, EVERYDAY),
)


def personas() -> tuple[Persona, ...]:
    """Return every sandbox persona, built the same way on every call."""
    return tuple(
        Persona(name=name, who=who, statement=build(), merchants=merchants, seed=18 + i)
        for i, (name, who, build, merchants) in enumerate(_BUILT)
    )


def persona(name: str) -> Persona:
    """Return the persona called ``name``.

    Raises:
        KeyError: no persona has that name.
    """
    for one in personas():
        if one.name == name:
            return one
    raise KeyError(name)


def _files() -> Iterator[tuple[str, str]]:
    for one in personas():
        for shape, suffix in SUFFIXES.items():
            yield one.name + suffix, one.feed(shape)


def write_personas(out: Path) -> list[Path]:
    """Write every persona's feed in every shape into ``out``; return the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for file_name, text in _files():
        path = out / file_name
        path.write_text(text, encoding="utf-8", newline="")
        written.append(path)
    return written


def persona_file(name: str, shape: Shape) -> str:
    """Return the text of the shipped file of persona ``name`` in ``shape``."""
    shipped = resources.files("synthetic") / FOLDER / (name + SUFFIXES[shape])
    return shipped.read_text(encoding="utf-8")
