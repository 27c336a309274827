"""Synthetic data: the generator of the population Fairfile is tried and measured on.

What lives here: the feature-level and statement-level generators, the documented latent
model that gives every synthetic subject a true default probability, population files,
seeding the sandbox database, the sandbox personas whose bank feeds ship as files
(``personas``, in ``persona_feeds/``), the simulated consent choices of synthetic people, and the
audit-only table of the synthetic protected attribute. No real person's data ever enters Fairfile.

What it may import: the standard library, NumPy, Polars, SQLAlchemy, ``scoring`` (for the
feature contract and the extractor), ``consent`` and ``store``. Never Flask and never
``service``.
"""

from .bank import bank_statement as bank_statement
from .choices import DEFAULT_SHARE as DEFAULT_SHARE
from .choices import Choices as Choices
from .choices import simulate_choices as simulate_choices
from .credit_file import write_credit_file as write_credit_file
from .feeds import render_feed as render_feed
from .files import NotAPopulation as NotAPopulation
from .files import read_features as read_features
from .files import read_manifest as read_manifest
from .files import read_outcomes as read_outcomes
from .files import read_protected as read_protected
from .files import read_truth as read_truth
from .files import write_population as write_population
from .models import protected_group as protected_group
from .personas import Persona as Persona
from .personas import persona as persona
from .personas import persona_file as persona_file
from .personas import personas as personas
from .personas import write_personas as write_personas
from .population import AS_OF as AS_OF
from .population import Population as Population
from .population import generate as generate
from .profiles import PROFILES as PROFILES
from .seed import has_subjects as has_subjects
from .seed import seed_population as seed_population
from .truth import auc as auc
from .truth import expected_auc as expected_auc
