"""docs/own-data.md's worked example runs as written and prints what the page shows.

Every ``$ fairfile ...`` command of the page's console blocks runs, in order, in a fresh
folder against a fresh database (each engine); a ``# file: PATH`` TOML block is written
where it appears. Outputs are compared line by line with the page after masking what the
noise or the clock changes (numbers, release ids, and in score lines the decision and the
reason features); refusals (``Error:``), which hold no noise, must match word for word.
``head``, ``jq`` and the API's ``curl`` calls are not run here (the API has its own test);
a command piped into ``jq`` must answer JSON.
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask.cli import ScriptInfo

from scoring.own_data.mapping import parse_mapping
from service.cli import main
from synthetic.credit_file import MAPPING
from tests.conftest import make_test_app

PAGE = Path(__file__).resolve().parents[1] / "docs" / "own-data.md"
FEATURES = sorted((f.name for f in parse_mapping(MAPPING).features), key=len, reverse=True)


def _steps(text: str) -> list[tuple[str, str, str]]:
    """Return the page's steps in order: ("file", path, content) or ("run", cmd, output)."""
    steps: list[tuple[str, str, str]] = []
    for lang, body in re.findall(r"```(console|toml)\n(.*?)```", text, flags=re.S):
        if lang == "toml":
            first, _, rest = body.partition("\n")
            if first.startswith("# file: "):
                steps.append(("file", first.removeprefix("# file: ").strip(), rest))
            continue
        for chunk in re.split(r"(?m)^\$ ", body)[1:]:
            command, _, output = chunk.partition("\n")
            steps.append(("run", command, output.rstrip("\n")))
    return steps


def _mask(text: str) -> list[str]:
    text = re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "<id>", text)
    lines = []
    for line in text.splitlines():
        if re.fullmatch(r"\d+,\d+,(approve|decline)(,[a-z_]*)*", line):
            line = "<row>,<score>,<decision>,<reasons>"
        lines.append(re.sub(r"-?\d+(\.\d+)?", "<n>", line))
    return lines


def test_the_page_has_the_steps_it_promises():
    steps = _steps(PAGE.read_text())
    commands = [s[1] for s in steps if s[0] == "run"]
    assert commands[0] == "fairfile synth credit-file --out credit --rows 1000"
    assert any("credit-dirty.csv" in c for c in commands)
    assert any("wrong-mapping.toml" in c for c in commands)
    assert any(c.startswith("fairfile model score") for c in commands)
    assert [s[1] for s in steps if s[0] == "file"] == ["credit/wrong-mapping.toml"]


@pytest.mark.slow
def test_the_worked_example_runs_as_documented(tmp_path, live_engine, monkeypatch):
    app = make_test_app(tmp_path / "app", engine=live_engine)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    runner = CliRunner()
    ran = 0
    for kind, what, expected in _steps(PAGE.read_text()):
        if kind == "file":
            Path(what).write_text(expected)
            continue
        if not what.startswith("fairfile "):
            continue
        command, _, piped = what.partition(" | ")
        argv, _, redirect = command.partition(" > ")
        result = runner.invoke(main, shlex.split(argv)[1:], obj=ScriptInfo(create_app=lambda: app))
        ran += 1
        if redirect:
            assert result.exit_code == 0, result.output
            Path(redirect.strip()).write_text(result.output)
            assert '"signature"' in result.output
            continue
        if piped:  # shown through jq on the page: the command must answer JSON
            assert result.exit_code == 0, result.output
            assert json.loads(result.output)
            continue
        refused = expected.startswith("Error:") or "\nError:" in expected
        assert (result.exit_code != 0) == refused, (what, result.output)
        if refused:  # no noise in a refusal: word for word
            assert result.output.rstrip("\n") == expected, what
        else:
            assert _mask(result.output) == _mask(expected), what
    assert ran >= 8


def test_the_command_line_reads_parquet_and_refuses_an_unknown_category(
    tmp_path, live_engine, monkeypatch
):
    import polars as pl

    from synthetic.credit_file import AUDIT_ONLY, MAPPING, generate_credit_file

    app = make_test_app(tmp_path / "app", engine=live_engine)
    monkeypatch.chdir(tmp_path)
    generate_credit_file(600, seed=8).write_parquet("history.parquet")
    Path("mapping.toml").write_text(MAPPING)
    applicants = generate_credit_file(3, seed=9, outcome=False).drop(AUDIT_ONLY)
    applicants.with_columns(
        pl.when(pl.int_range(pl.len()) == 1)
        .then(pl.lit("gold"))
        .otherwise(pl.col("savings"))
        .alias("savings")
    ).write_csv("applicants.csv")
    runner, script = CliRunner(), ScriptInfo(create_app=lambda: app)
    trained = runner.invoke(
        main,
        [
            "model",
            "train",
            "--data",
            "history.parquet",
            "--mapping",
            "mapping.toml",
            "--epsilon",
            "1",
            "--lender",
            "acme",
        ],
        obj=script,
    )
    assert trained.exit_code != 0
    assert "there is no lender 'acme'" in trained.output
    trained = runner.invoke(
        main,
        [
            "model",
            "train",
            "--data",
            "history.parquet",
            "--mapping",
            "mapping.toml",
            "--epsilon",
            "1",
        ],
        obj=script,
    )
    assert trained.exit_code == 0, trained.output
    assert "history.parquet: 600 rows" in trained.output
    scored = runner.invoke(
        main, ["model", "score", "--model", "1", "--data", "applicants.csv"], obj=script
    )
    assert scored.exit_code != 0
    assert "row 2, savings: not one of the declared categories" in scored.output
    assert "gold" not in scored.output
