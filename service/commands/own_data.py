"""``fairfile model train --data FILE --mapping MAPPING.toml`` and ``fairfile model score``.

Training on a lender's own file (``dp.own_data``): the mapping and the whole file are
checked first (a refused mapping or a dirty file stops here, with every problem listed
and nothing touched), then one transaction charges the file's budget, fits the DP
scorecard, measures it and stores the version; it commits only if everything succeeded.

``fairfile model score --model V --data FILE`` scores every record of a CSV or Parquet
file against own-data model ``V``: one CSV line per record (score, decision, reasons), or
with ``--explain`` one signed explanation per record as JSON lines.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from flask.cli import with_appcontext

from consent import Lender
from dp import BudgetExhausted, InvalidQuery
from scoring import ContractViolation, DirtyFile
from scoring.contract import refuse_prohibited
from scoring.own_data import (
    FileMapping,
    LabelledFile,
    check_file,
    check_records,
    parse_mapping,
    read_frame,
)
from store import WRITE, utcnow

from ..web.config import budget
from ..web.keys import consent_keys
from ..web.sessions import session_factory

if TYPE_CHECKING:
    from dp.own_data import OwnModel

ACTOR = "system:model-train"


def _say_refusal(exc: ContractViolation | DirtyFile) -> click.ClickException:
    """Turn a refused mapping or file into a CLI error listing every problem."""
    lines = [str(exc)]
    if isinstance(exc, ContractViolation):
        lines += [f"  {p.field}: {p.offence.value}: {p.reason}" for p in exc.problems]
    else:
        for p in exc.problems:
            where = f"row {p.row}" if p.row is not None else "column"
            lines.append(f"  {where}, {p.column}: {p.problem}")
        if exc.total > len(exc.problems):
            lines.append(f"  ... and {exc.total - len(exc.problems)} more")
    return click.ClickException("\n".join(lines))


def train_own_file(
    *,
    data: Path,
    mapping_path: Path,
    epsilon: float,
    audit_epsilon: float,
    lender_id: str | None,
    cut_off: int,
) -> None:
    """Train on a lender's own file with its mapping (see the module docstring)."""
    started = time.perf_counter()
    if lender_id is not None:
        with session_factory()() as session:
            if session.get(Lender, lender_id) is None:
                raise click.ClickException(
                    f"there is no lender {lender_id!r} (`fairfile lenders create`)"
                )
    try:
        mapping = parse_mapping(mapping_path.read_text())
        labelled = check_file(read_frame(data), mapping)
    except (ContractViolation, DirtyFile) as exc:
        raise _say_refusal(exc) from None
    click.echo(
        f"{data.name}: {labelled.rows} rows, {len(mapping.features)} features, "
        f"{len(mapping.audit)} audit-only, {len(mapping.ignored)} ignored; checked clean"
    )
    try:
        own = _train(labelled, mapping, epsilon, audit_epsilon, lender_id, cut_off, data.name)
    except BudgetExhausted as exc:
        raise click.ClickException(f"{exc}; nothing was charged") from None
    except InvalidQuery as exc:
        raise click.ClickException(str(exc)) from None
    card = own.card
    kfold = card["kfold"]
    owner = f", lender {lender_id}" if lender_id else ""
    click.echo(
        f"model version {own.version.version} (own data{owner}, never active): "
        f"holdout AUC {card['holdout']['auc']:.4f} on "
        f"{card['holdout']['subjects']} rows, {kfold['folds']}-fold AUC "
        f"{kfold['auc_mean']:.4f} +/- {kfold['auc_sd']:.4f}, cost rho {own.cost.decimal()} "
        f"in {time.perf_counter() - started:.1f} s"
    )
    if card["fairness"] is not None:
        for column, report in card["fairness"]["columns"].items():
            rates = ", ".join(f"{g['group']} {g['approval_rate']}" for g in report["groups"])
            click.echo(f"fairness (DP, cut-off {cut_off}), approval rate by {column}: {rates}")


def _train(
    labelled: LabelledFile,
    mapping: FileMapping,
    epsilon: float,
    audit_epsilon: float,
    lender_id: str | None,
    cut_off: int,
    source: str,
) -> OwnModel:
    from dp.own_data import train_from_file

    limit, delta = budget()
    with session_factory()() as session, session.begin():
        session.connection(execution_options=WRITE)
        return train_from_file(
            session,
            labelled=labelled,
            mapping=mapping,
            epsilon=epsilon,
            audit_epsilon=audit_epsilon if mapping.audit else None,
            budget=limit,
            delta=delta,
            actor=f"lender:{lender_id}" if lender_id else ACTOR,
            lender_id=lender_id,
            source=source,
            cut_off=cut_off,
            progress=click.echo,
        )


def _cards(version: int) -> tuple[Any, dict[str, Any]]:
    from dp import ModelNotFound, own_version
    from scoring.card import Scorecard

    with session_factory()() as session:
        try:
            row = own_version(session, version=version, lender_id=None)
        except ModelNotFound as exc:
            raise click.ClickException(str(exc)) from None
        return Scorecard.from_model(version=row.version, points=row.points), row.card


@click.command("score")
@click.option("--model", "version", type=int, required=True, help="An own-data model version.")
@click.option(
    "--data",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="Records to score (CSV or Parquet) with a column per feature of the model.",
)
@click.option("--cut-off", type=click.IntRange(0, 2_000), default=None, help="Default: the card's.")
@click.option("--explain", is_flag=True, help="One signed explanation per record (JSON lines).")
@with_appcontext
def score_command(version: int, data: Path, cut_off: int | None, explain: bool) -> None:
    """Score and explain the records of DATA against own-data model VERSION."""
    from scoring.own_data import decision_of, explain_record, reason_features, score_record

    card, model_card = _cards(version)
    line = cut_off if cut_off is not None else int(model_card.get("cut_off", 500))
    features = [t.feature for t in card.features]
    try:
        frame = read_frame(data)
        refuse_prohibited(frame.columns, allowed=[f.name for f in features], source=data.name)
        records = check_records(frame, features)
    except (ContractViolation, DirtyFile) as exc:
        raise _say_refusal(exc) from None
    names = list(records.values)
    if not explain:
        click.echo("row,score,decision,reason_1,reason_2,reason_3,reason_4")
    keyring = consent_keys().keyring if explain else None
    for i in range(records.rows):
        facts = {name: float(records.values[name][i]) for name in names}
        if keyring is not None:
            document = explain_record(
                card=card,
                model_card=model_card,
                facts=facts,
                cut_off=line,
                issued_at=utcnow(),
                lender=model_card.get("lender"),
                record=f"row {i + 1} of {data.name}",
            )
            click.echo(json.dumps(keyring.sign(document), sort_keys=True))
            continue
        scored = score_record(card, facts)
        reasons = [*reason_features(card, scored), "", "", "", ""][:4]
        click.echo(",".join([str(i + 1), str(scored.score), decision_of(scored, line), *reasons]))


@click.command("card")
@click.argument("version", type=int)
@with_appcontext
def card_command(version: int) -> None:
    """Print the model card of own-data model VERSION (JSON)."""
    _card, model_card = _cards(version)
    click.echo(json.dumps(model_card, indent=2, sort_keys=True))
