"""The package walls: import-linter's contracts from pyproject.toml must hold."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def test_import_contracts_hold():
    result = subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_import_contracts_catch_flask_in_a_domain_package(tmp_path):
    # The same contract, on a copy of the tree where consent/ imports Flask, must fail.
    for package in ("service", "consent", "dp", "scoring", "synthetic", "store"):
        (tmp_path / package).mkdir()
        (tmp_path / package / "__init__.py").write_text("")
    (tmp_path / "consent" / "leak.py").write_text("import flask\n")
    (tmp_path / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text())
    result = subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        env={"PYTHONPATH": str(tmp_path), "PATH": str(LINT_IMPORTS.parent)},
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "consent.leak -> flask" in result.stdout


def test_every_package_documents_its_walls():
    for package in ("service", "consent", "dp", "scoring", "synthetic", "store"):
        text = (ROOT / package / "__init__.py").read_text()
        assert "may import" in text, package
