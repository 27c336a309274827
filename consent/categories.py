"""The data categories a person grants separately, and the purposes they grant them for."""

from __future__ import annotations

from enum import StrEnum


class DataCategory(StrEnum):
    """A kind of financial fact a person may choose to share.

    Stored as its value; the list is only ever added to.
    """

    RENT = "rent"
    UTILITIES = "utilities"
    TELECOM = "telecom"
    BANK_CASHFLOW = "bank_cashflow"
    INCOME = "income"
    BUREAU = "bureau"
