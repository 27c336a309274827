"""One person, one unit: a lender's file with repeat borrowers cannot multiply a person's
privacy loss, nor put the same person on both sides of the holdout. The attacker's move
from the outside review: a file repeated many times over, trained without a word."""

from __future__ import annotations

import polars as pl
import pytest

from dp.loss import PrivacyLoss
from dp.own_data.training import plan, split, train_from_file
from scoring import ContractViolation
from scoring.errors import DirtyFile
from scoring.own_data.history_file import check_file
from scoring.own_data.mapping import parse_mapping
from synthetic.credit_file import MAPPING, generate_credit_file

PERSON = '\n[columns.customer]\nuse = "person"\n'


def _repeated(times: int) -> pl.DataFrame:
    base = generate_credit_file(300, seed=21).with_columns(
        pl.format("c-{}", pl.int_range(pl.len())).alias("customer")
    )
    return pl.concat([base] * times).with_columns(pl.all().cast(pl.String))


def test_a_file_of_copies_is_refused_without_a_person_column():
    frame = _repeated(5).drop("customer")
    with pytest.raises(DirtyFile) as refused:
        check_file(frame, parse_mapping(MAPPING))
    [problem] = refused.value.problems
    assert "1200 of 1500 rows repeat another row exactly" in problem.problem
    assert 'use = "person"' in problem.problem


def test_with_a_person_column_each_person_counts_once(session):
    mapping = parse_mapping(MAPPING + PERSON)
    labelled = check_file(_repeated(5), mapping)
    assert (labelled.rows, labelled.left_out, labelled.rows_per_person) == (300, 1200, 1)
    model = train_from_file(
        session,
        labelled=labelled,
        mapping=mapping,
        epsilon=1.0,
        audit_epsilon=0.5,
        budget=PrivacyLoss.zcdp(2),
        delta=1e-6,
        actor="test",
        lender_id=None,
        source="repeated.csv",
    )
    unit = model.card["privacy_unit"]
    assert unit["unit"] == "person"
    assert (unit["column"], unit["rows_left_out"]) == ("customer", 1200)
    assert model.card["holdout"]["subjects"] < 300


def test_a_persons_rows_never_stand_on_both_sides_of_the_holdout():
    mapping = parse_mapping(
        MAPPING + PERSON.replace('"person"\n', '"person"\nrows_per_person = 3\n')
    )
    labelled = check_file(_repeated(4), mapping)
    assert (labelled.rows, labelled.left_out) == (900, 300)
    part = split(labelled, holdout=0.2, folds=5)
    for person in range(300):
        assert len(set(part[labelled.people == person].tolist())) == 1


def test_the_noise_is_scaled_to_the_rows_one_person_may_bring():
    one = plan(parse_mapping(MAPPING + PERSON), epsilon=1.0, audit_epsilon=0.5)
    three = plan(
        parse_mapping(MAPPING + PERSON.replace('"person"\n', '"person"\nrows_per_person = 3\n')),
        epsilon=1.0,
        audit_epsilon=0.5,
    )
    assert three.training.sensitivity == 3 * one.training.sensitivity
    assert three.training.scale == pytest.approx(3 * one.training.scale, rel=1e-9)
    # The stated epsilon is each person's: the cost is the same, OpenDP's map says so.
    assert three.training.cost == one.training.cost == PrivacyLoss.pure(1)
    assert three.cost == one.cost


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        ('\n[columns.customer]\nuse = "person"\nrows_per_person = 0\n', "rows_per_person"),
        ('\n[columns.customer]\nuse = "person"\nrows_per_person = 21\n', "rows_per_person"),
        (
            '\n[columns.customer]\nuse = "person"\n\n[columns.other_id]\nuse = "person"\n',
            "at most one",
        ),
    ],
)
def test_a_bad_person_declaration_is_refused(extra, needle):
    with pytest.raises(ContractViolation) as refused:
        parse_mapping(MAPPING + extra)
    assert needle in str(refused.value.problem_extensions)


def test_a_row_without_a_person_is_refused_and_names_no_value():
    frame = _repeated(1).with_columns(
        pl.when(pl.int_range(pl.len()) == 7)
        .then(None)
        .otherwise(pl.col("customer"))
        .alias("customer")
    )
    with pytest.raises(DirtyFile) as refused:
        check_file(frame, parse_mapping(MAPPING + PERSON))
    [problem] = refused.value.problems
    assert (problem.row, problem.column) == (8, "customer")
