"""Population profiles: the shares that differ between the default and thin-file-heavy mixes.

Every number here is either taken from a public figure or is an assumption; the table in
``docs/synthetic-data.md`` says which.
"""

from __future__ import annotations

from dataclasses import dataclass

from scoring.workflow import REGIONS as _DECLARED_REGIONS

#: Coarse regions (the four US Census regions, declared with the sealed region table as
#: public statistics group keys) and their shares of the population.
REGIONS: tuple[str, ...] = _DECLARED_REGIONS
REGION_SHARES: tuple[float, ...] = (0.17, 0.21, 0.38, 0.24)
#: Employment patterns.
EMPLOYMENT: tuple[str, ...] = ("salaried", "gig", "irregular")
#: Housing: renting, owning, or living with family (no rent paid).
HOUSING: tuple[str, ...] = ("rent", "own", "family")
#: The synthetic protected attribute's values (fairness audit only).
GROUPS: tuple[str, ...] = ("group_a", "group_b")


@dataclass(frozen=True)
class Profile:
    """The population mix of one profile.

    A profile changes who is in the population, never the truth model: the same facts
    carry the same risk in every profile.
    """

    name: str
    thin_share: float
    group_b_share: float
    employment: tuple[float, float, float]
    housing_thick: tuple[float, float, float]
    housing_thin: tuple[float, float, float]
    full_history_thick: float
    full_history_thin: float

    def __post_init__(self) -> None:
        for name in ("employment", "housing_thick", "housing_thin"):
            if abs(sum(getattr(self, name)) - 1.0) > 1e-9:
                raise ValueError(f"profile {self.name}: {name} must sum to 1")


PROFILES: dict[str, Profile] = {
    "default": Profile(
        name="default",
        # CFPB (2025 revision): 2.7% of US adults credit invisible and 9.8% with an
        # unscored record in December 2020; both are "thin file" here.
        thin_share=0.125,
        group_b_share=0.30,
        employment=(0.78, 0.10, 0.12),
        housing_thick=(0.28, 0.68, 0.04),
        housing_thin=(0.55, 0.10, 0.35),
        full_history_thick=0.80,
        full_history_thin=0.60,
    ),
    "thin-heavy": Profile(
        name="thin-heavy",
        thin_share=0.75,
        group_b_share=0.30,
        employment=(0.50, 0.25, 0.25),
        housing_thick=(0.28, 0.68, 0.04),
        housing_thin=(0.55, 0.10, 0.35),
        full_history_thick=0.80,
        full_history_thin=0.60,
    ),
}


def profile(name: str) -> Profile:
    """Return the profile called ``name``.

    >>> profile("thin-heavy").thin_share
    0.75
    """
    try:
        return PROFILES[name]
    except KeyError:
        raise ValueError(f"unknown profile {name!r}; choose from {sorted(PROFILES)}") from None
