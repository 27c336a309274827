"""The package walls: import-linter's contracts from pyproject.toml must hold."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def test_import_contracts_hold():
    result = subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def _lint_a_copy(tmp_path: Path, package: str, source: str) -> subprocess.CompletedProcess[str]:
    """Run the contracts on empty packages where ``package/leak.py`` holds ``source``."""
    for name in ("service", "consent", "dp", "scoring", "synthetic", "store"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "__init__.py").write_text("")
    (tmp_path / package / "leak.py").write_text(source)
    (tmp_path / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text())
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        env={"PYTHONPATH": str(tmp_path), "PATH": str(LINT_IMPORTS.parent)},
    )


def test_import_contracts_catch_flask_in_a_domain_package(tmp_path):
    # The same contract, on a copy of the tree where consent/ imports Flask, must fail.
    result = _lint_a_copy(tmp_path, "consent", "import flask\n")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "consent.leak -> flask" in result.stdout


@pytest.mark.parametrize(
    ("package", "imports"),
    [
        ("scoring", "dp"),  # the scorecard must work without the DP machinery
        ("dp", "synthetic"),  # siblings are independent
        ("synthetic", "dp"),
        ("consent", "scoring"),
        ("store", "consent"),  # store is the bottom
        ("dp", "service"),  # nothing imports the web layer
    ],
)
def test_the_layers_contract_catches_an_import_upwards_or_sideways(tmp_path, package, imports):
    result = _lint_a_copy(tmp_path, package, f"import {imports}\n")
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"{package}.leak -> {imports}" in result.stdout


def test_every_package_documents_its_walls():
    for package in ("service", "consent", "dp", "scoring", "synthetic", "store"):
        text = (ROOT / package / "__init__.py").read_text()
        assert "may import" in text, package


def test_every_adr_states_its_status_one_way():
    adrs = sorted((ROOT / "docs" / "adr").glob("[0-9][0-9][0-9][0-9]-*.md"))
    assert adrs
    for adr in adrs:
        lines = adr.read_text().splitlines()
        assert lines[0].startswith(f"# ADR {adr.name[:4]}: "), adr.name
        assert re.match(r"Status: (accepted|superseded|proposed) \(\d{4}-\d\d-\d\d\)", lines[2]), (
            adr.name,
            lines[2],
        )
