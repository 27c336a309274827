"""Consent: who allowed what, for which purpose and data category, until when.

What lives here: the consent model (purposes, data categories, grants, renewals,
withdrawals), the one gate every read of subject data passes, signed receipts and the
tamper-evident transparency log.

What it may import: the standard library, SQLAlchemy, ``cryptography`` and ``store``.
Never Flask and never ``service``.
"""

from .categories import DataCategory as DataCategory
