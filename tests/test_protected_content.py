"""Protected data cannot sneak in under a new name: the attacker's moves from the outside
review (the same columns renamed `marital`, `relationship`, `ages`, `years_alive`, `origin`,
`native`, `a9`, `alter`; a dependants column with a word between "people" and "liable"),
refused by name, by declared labels or by values; each refusal names its evidence, never a
row's value, and the same columns declared audit-only are accepted."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from scoring import ContractViolation
from scoring.errors import DirtyFile
from scoring.own_data.history_file import check_file
from scoring.own_data.mapping import parse_mapping
from synthetic.credit_file import MAPPING, generate_credit_file

CATEGORICAL = 'use = "feature"\ntype = "categorical"\ncategory = "income"\ncategories = {labels}\n'
NUMERIC = (
    'use = "feature"\ntype = "numeric"\ncategory = "income"\nrange = [0, 200]\n'
    'bins = [30, 50]\ndirection = "lowers_risk"\ninteger = true\n'
)


def _with(column: str, block: str) -> str:
    return MAPPING + f'\n[columns."{column}"]\n{block}'


def _refusal(text: str):
    with pytest.raises(ContractViolation) as refused:
        parse_mapping(text)
    return refused.value.problems


@pytest.mark.parametrize(
    ("column", "entry"),
    [
        ("marital", "marital_status"),
        ("relationship", "marital_status"),
        ("ages", "age"),
        ("years_alive", "age"),
        ("origin", "national_origin"),
        ("native", "national_origin"),
        ("alter", "age"),
        ("number_of_people_being_liable", "marital_status"),
        ("Familienstand", "marital_status"),
        ("edad", "age"),
        ("Staatsangehörigkeit", "national_origin"),
    ],
)
def test_a_renamed_protected_column_is_refused_by_its_name(column, entry):
    [problem] = _refusal(_with(column, CATEGORICAL.format(labels='["a", "b"]')))
    assert problem.field == column
    assert problem.offence.value == "prohibited"
    assert f"({entry})" in problem.reason


@pytest.mark.parametrize(
    ("labels", "entry", "named"),
    [
        (
            '["A91", "A92", "female : divorced/separated/married"]',
            "sex_and_gender",
            "'female : divorced/separated/married'",
        ),
        ('["ledig", "verheiratet", "geschieden"]', "marital_status", "'verheiratet'"),
        ('["célibataire", "mariée"]', "marital_status", "'mariée'"),
        ('["yes, foreign worker", "no"]', "national_origin", "'yes, foreign worker'"),
        ('["catholic", "protestant", "none"]', "religion", "'catholic'"),
    ],
)
def test_an_opaque_column_is_refused_by_its_declared_labels(labels, entry, named):
    [problem] = _refusal(_with("a9", CATEGORICAL.format(labels=labels)))
    assert problem.field == "a9"
    assert f"({entry})" in problem.reason
    assert named in problem.reason  # the evidence: which declared labels matched


def test_financial_labels_and_names_pass():
    for column, labels in [
        ("savings_band", '["none", "< 100", "100 - 500", ">= 500"]'),
        ("housing", '["rent", "own", "for free"]'),
        ("loan_origination_channel", '["branch", "online"]'),
    ]:
        parse_mapping(_with(column, CATEGORICAL.format(labels=labels)))


def _file_with(column: str, values) -> tuple[pl.DataFrame, str]:
    frame = generate_credit_file(400, seed=3).with_columns(pl.Series(column, values))
    return frame.with_columns(pl.all().cast(pl.String)), _with(column, NUMERIC)


AGES = np.clip(np.round(np.random.default_rng(1).gamma(4.0, 4.5, 400) + 19), 19, 75)


@pytest.mark.parametrize("column", ["a13", "x5", "years_alive_count", "jahre"])
def test_a_numeric_column_of_ages_under_an_opaque_or_year_name_is_refused(column):
    frame, text = _file_with(column, AGES)
    try:
        mapping = parse_mapping(text)
    except ContractViolation:  # refused by its name already: also fine
        assert column in {"years_alive_count", "jahre"}
        return
    with pytest.raises(DirtyFile) as refused:
        check_file(frame, mapping)
    problems = [p for p in refused.value.problems if p.column == column]
    assert problems, refused.value.problems
    said = " ".join(p.problem for p in problems)
    assert "age" in said
    for value in {int(v) for v in AGES}:
        assert f" {value} " not in f" {said} "  # no row value is quoted


@pytest.mark.parametrize(
    ("column", "values"),
    [
        ("years_employed", np.round(np.random.default_rng(2).uniform(0, 40, 400))),
        ("a2", np.round(np.random.default_rng(3).uniform(4, 72, 400))),  # months of credit
        ("amount_k", np.round(np.random.default_rng(4).uniform(1, 18, 400))),
    ],
)
def test_numbers_that_are_not_ages_pass(column, values):
    frame, text = _file_with(column, values)
    check_file(frame, parse_mapping(text))


def test_the_same_columns_declared_audit_only_are_accepted():
    text = MAPPING + (
        '\n[columns.marital]\nuse = "audit_only"\ngroups = ["married", "single"]\n'
        '\n[columns.a9]\nuse = "audit_only"\ngroups = ["female : divorced", "male : single"]\n'
    )
    mapping = parse_mapping(text)
    assert {"marital", "a9"} <= {a.name for a in mapping.audit}


# --- audit-only columns: bad declarations ---------------------------------------------------


def test_an_audit_column_with_too_many_groups_is_refused():
    groups = ", ".join(f'"g{i}"' for i in range(13))
    text = MAPPING + f'\n[columns.region_group]\nuse = "audit_only"\ngroups = [{groups}]\n'
    [problem] = _refusal(text)
    assert problem.field == "region_group"
    assert "12" in problem.reason


def test_an_audit_group_with_no_one_in_it_is_refused():
    text = MAPPING.replace('groups = ["yes", "no"]', 'groups = ["yes", "no", "unknown"]')
    frame = generate_credit_file(400, seed=3).with_columns(pl.all().cast(pl.String))
    with pytest.raises(DirtyFile) as refused:
        check_file(frame, parse_mapping(text))
    [problem] = refused.value.problems
    assert problem.column == "foreign_worker"
    assert "'unknown' has no one in it" in problem.problem


@pytest.mark.parametrize("relabel", [False, True])
def test_a_feature_that_copies_an_audit_column_is_refused(relabel):
    # The foreign-worker column again, as a "feature" under another name (or relabelled).
    frame = generate_credit_file(400, seed=3)
    copy = pl.col("foreign_worker")
    if relabel:
        copy = pl.when(copy == "yes").then(pl.lit("A201")).otherwise(pl.lit("A202"))
    frame = frame.with_columns(copy.alias("segment")).with_columns(pl.all().cast(pl.String))
    labels = '["A201", "A202"]' if relabel else '["yes", "no"]'
    mapping = parse_mapping(_with("segment", CATEGORICAL.format(labels=labels)))
    with pytest.raises(DirtyFile) as refused:
        check_file(frame, mapping)
    [problem] = refused.value.problems
    assert problem.column == "segment"
    assert "'foreign_worker'" in problem.problem
