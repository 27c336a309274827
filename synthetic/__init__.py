"""Synthetic data: the generator of the population Fairfile is tried and measured on.

What lives here: the feature-level and statement-level generators, the documented latent
model that gives every synthetic subject a true default probability, and the statement
format that the feature extractor accepts. No real person's data ever enters Fairfile.

What it may import: the standard library, NumPy, Polars and ``scoring`` (for the feature
contract). Never Flask and never ``service``.
"""
