"""Scoring: the financial-only feature contract, the scorecard and its explanations.

What lives here: the declaration of every model input (and the list of what is
prohibited, with reasons), the additive points scorecard, decisions, reasons and recourse.

What it may import: the standard library, NumPy, Polars, SQLAlchemy and ``store``.
Never Flask and never ``service``.
"""
