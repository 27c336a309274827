"""``fairfile synth``: generate files, seed the database, refuse leaky datasets."""

from __future__ import annotations

import json

import polars as pl
from sqlalchemy import delete, func, select

from scoring.contract.models import SubjectFacts, get_facts
from service.commands.synth import synth
from service.web.keys import vault
from store import Subject
from synthetic import generate, has_subjects, seed_population
from synthetic.models import AuditProtectedAttribute, protected_group


def _count(session, model, **where):
    query = select(func.count()).select_from(model)
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    return session.scalar(query)


def test_generate_writes_a_population_folder(app, tmp_path):
    out = tmp_path / "pop"
    result = app.test_cli_runner().invoke(
        synth, ["generate", "--subjects", "300", "--seed", "4", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "Bayes AUC" in result.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 4
    assert manifest["level"] == "features"
    assert pl.read_parquet(out / "features.parquet").height == 300
    assert pl.read_parquet(out / "audit" / "protected.parquet").columns == [
        "subject_id",
        "protected_group",
    ]
    assert not (out / "statements").exists()


def test_generate_statements_and_the_thin_heavy_profile(app, tmp_path):
    out = tmp_path / "pop"
    result = app.test_cli_runner().invoke(
        synth,
        [
            "generate",
            "-n",
            "60",
            "--out",
            str(out),
            "--level",
            "statements",
            "--profile",
            "thin-heavy",
        ],
    )
    assert result.exit_code == 0, result.output
    assert pl.read_parquet(out / "statements" / "transactions.parquet").height > 60 * 12
    assert json.loads((out / "manifest.json").read_text())["profile"] == "thin-heavy"


def test_seed_loads_subjects_facts_and_the_protected_attribute_apart(app, session):
    runner = app.test_cli_runner()
    result = runner.invoke(synth, ["seed", "--subjects", "250", "--seed", "1"])
    assert result.exit_code == 0, result.output
    assert _count(session, Subject, origin="synthetic") == 250
    assert _count(session, SubjectFacts) == 250
    assert _count(session, AuditProtectedAttribute) == 250
    ids = session.scalars(select(SubjectFacts.subject_id)).all()
    stored = [get_facts(session, vault=vault(app), subject_id=i)["history_months"] for i in ids]
    assert sorted(stored) == sorted(generate(250, seed=1).features["history_months"].to_list())
    groups = {protected_group(session, vault=vault(app), subject_id=i) for i in ids}
    assert groups == {"group_a", "group_b"}

    again = runner.invoke(synth, ["seed", "--subjects", "250", "--if-empty"])
    assert again.exit_code == 0
    assert "nothing seeded" in again.output
    assert _count(session, Subject) == 250


def test_seed_from_a_folder_refuses_a_prohibited_column(app, session, tmp_path):
    out = tmp_path / "pop"
    runner = app.test_cli_runner()
    assert runner.invoke(synth, ["generate", "-n", "40", "--out", str(out)]).exit_code == 0
    assert runner.invoke(synth, ["seed", "--from", str(out)]).exit_code == 0
    assert _count(session, SubjectFacts) == 40

    features = pl.read_parquet(out / "features.parquet")
    features.with_columns(gender=pl.lit("f")).write_parquet(out / "features.parquet")
    result = runner.invoke(synth, ["seed", "--from", str(out)])
    assert result.exit_code == 1
    assert "gender: prohibited" in result.output
    assert _count(session, SubjectFacts) == 40  # nothing more was written


def test_deleting_a_subject_deletes_their_facts_and_attribute(session, app):
    population = generate(5, seed=2)
    ids = seed_population(
        session=session,
        vault=vault(app),
        features=population.features,
        protected=population.protected,
    )
    session.flush()
    assert has_subjects(session=session)
    session.execute(delete(Subject).where(Subject.id == ids[0]))
    assert _count(session, SubjectFacts) == 4
    assert _count(session, AuditProtectedAttribute) == 4
    assert session.get(SubjectFacts, ids[1]) is not None
