"""Differential privacy: every noisy release and every privacy cost, through OpenDP.

What lives here: the persisted privacy-budget ledger, the typed wrappers around OpenDP
measurements for statistics and model training, and the one place that enables OpenDP's
``contrib`` features. OpenDP objects never leave this package: callers get Fairfile's own
result types.

What it may import: the standard library, OpenDP, Polars, NumPy, SQLAlchemy and
``store``. Never Flask and never ``service``.
"""
