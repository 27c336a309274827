"""The package walls: import-linter's contracts from pyproject.toml must hold; packages enter
each other only through their faces, and no blueprint module of service/ imports another (ast
scans: import-linter can tell neither a face nor a blueprint apart)."""

from __future__ import annotations

import ast
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


def test_import_contracts_catch_web_importing_a_surface(tmp_path):
    # The layers of service/, on a skeleton where web/ imports the API, must fail.
    _skeleton(tmp_path)
    (tmp_path / "service" / "web" / "leak.py").write_text("import service.api\n")
    result = _lint(tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "service.web.leak -> service.api" in result.stdout


def _lint(tmp_path: Path) -> subprocess.CompletedProcess[str]:
    (tmp_path / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text())
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        env={"PYTHONPATH": str(tmp_path), "PATH": str(LINT_IMPORTS.parent)},
    )


def _skeleton(tmp_path: Path) -> None:
    for package in ("service", "consent", "dp", "scoring", "synthetic", "store"):
        (tmp_path / package).mkdir()
        (tmp_path / package / "__init__.py").write_text("")
    for room in ("ui", "commands", "api", "web"):  # the layers of service/ must exist
        (tmp_path / "service" / room).mkdir()
        (tmp_path / "service" / room / "__init__.py").write_text("")
    for room in ("contract", "ingest", "card", "workflow", "own_data"):  # and of scoring/
        (tmp_path / "scoring" / room).mkdir()
        (tmp_path / "scoring" / room / "__init__.py").write_text("")
    for entry in ("app", "cli", "serve"):
        (tmp_path / "service" / f"{entry}.py").write_text("")


def test_import_contracts_catch_flask_in_a_domain_package(tmp_path):
    # The same contract, on a copy of the tree where consent/ imports Flask, must fail.
    _skeleton(tmp_path)
    (tmp_path / "consent" / "leak.py").write_text("import flask\n")
    result = _lint(tmp_path)
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
    _skeleton(tmp_path)
    (tmp_path / package / "leak.py").write_text(f"import {imports}\n")
    result = _lint(tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"{package}.leak -> {imports}" in result.stdout


def test_every_adr_states_its_status_one_way():
    adrs = sorted((ROOT / "docs" / "adr").glob("[0-9][0-9][0-9][0-9]-*.md"))
    assert adrs
    for adr in adrs:
        lines = adr.read_text().splitlines()
        assert lines[0].startswith(f"# ADR {adr.name[:4]}: "), adr.name
        status = r"Status: (accepted|superseded|proposed) \(\d{4}-\d\d-\d\d\)"
        assert re.match(status, lines[2]), (adr.name, lines[2])


def test_every_package_documents_its_walls():
    rooms = ("service/web", "service/api", "service/api/schemas", "service/ui")
    for package in ("service", "consent", "dp", "scoring", "synthetic", "store", *rooms):
        text = (ROOT / package / "__init__.py").read_text()
        assert "may import" in text, package


BLUEPRINT_CLASSES = {"Blueprint", "APIBlueprint"}


def _module_name(path: Path, root: Path) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _declares_a_blueprint(tree: ast.Module) -> bool:
    # A blueprint module is one whose top level assigns ``Blueprint(...)`` or
    # ``APIBlueprint(...)`` (by bare name or as an attribute, e.g. ``flask.Blueprint``).
    for node in tree.body:
        value = node.value if isinstance(node, (ast.Assign, ast.AnnAssign)) else None
        if isinstance(value, ast.Call):
            func = value.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if name in BLUEPRINT_CLASSES:
                return True
    return False


def _imported(tree: ast.Module, module: str, is_package: bool) -> set[str]:
    # Every module an import statement anywhere in the file may name: ``from a import b``
    # names ``a`` and, if ``b`` is a module, ``a.b``; relative imports are resolved.
    package = module if is_package else module.rpartition(".")[0]
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join([*parts, *([node.module] if node.module else [])])
            else:
                source = node.module or ""
            names.add(source)
            names.update(f"{source}.{alias.name}" for alias in node.names)
    return names


def blueprint_breaches(root: Path, package: str) -> list[str]:
    """Return ``a -> b`` for every blueprint module ``a`` that imports blueprint module ``b``."""
    trees = {
        path: ast.parse(path.read_text(), str(path)) for path in (root / package).rglob("*.py")
    }
    blueprints = {_module_name(p, root) for p, tree in trees.items() if _declares_a_blueprint(tree)}
    breaches = []
    for path, tree in trees.items():
        module = _module_name(path, root)
        if module in blueprints:
            imported = _imported(tree, module, path.name == "__init__.py")
            breaches += [f"{module} -> {b}" for b in sorted(imported & blueprints - {module})]
    return sorted(breaches)


def test_no_blueprint_module_imports_another():
    blueprints = [
        p
        for p in (ROOT / "service").rglob("*.py")
        if _declares_a_blueprint(ast.parse(p.read_text()))
    ]
    assert len(blueprints) >= 15  # the scan sees the blueprints it is meant to guard
    assert blueprint_breaches(ROOT, "service") == []


def test_the_blueprint_rule_catches_a_planted_breach(tmp_path):
    # A copy of the shape: two blueprint modules in sibling rooms, one importing the other
    # (relatively, the way service/ imports), and a non-blueprint helper both may use.
    for folder in ("service", "service/api", "service/ui"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "__init__.py").write_text("")
    (tmp_path / "service/api/shown.py").write_text("SHOWN = 1\n")
    (tmp_path / "service/api/decisions.py").write_text(
        "from flask_openapi3.blueprint import APIBlueprint\n"
        "from .shown import SHOWN\n"
        'bp = APIBlueprint("decisions", __name__)\n'
    )
    (tmp_path / "service/ui/rights.py").write_text(
        'import flask\nfrom ..api.shown import SHOWN\nbp = flask.Blueprint("ui_rights", __name__)\n'
    )
    assert blueprint_breaches(tmp_path, "service") == []
    (tmp_path / "service/ui/rights.py").write_text(
        'import flask\nfrom ..api import decisions\nbp = flask.Blueprint("ui_rights", __name__)\n'
    )
    assert blueprint_breaches(tmp_path, "service") == ["service.ui.rights -> service.api.decisions"]
    (tmp_path / "service/ui/rights.py").write_text(
        "import flask\n"
        "def page():\n"
        "    from service.api.decisions import bp\n"
        'bp = flask.Blueprint("ui_rights", __name__)\n'
    )
    assert blueprint_breaches(tmp_path, "service") == ["service.ui.rights -> service.api.decisions"]


DOMAIN = ("service", "consent", "dp", "scoring", "synthetic", "store")
#: The one module that imports other packages' modules by name: the ORM table list imports
#: each module that declares tables, so that ``Base.metadata`` knows them all.
REGISTERS_TABLES = {"service.web.tables"}


def face_breaches(root: Path) -> list[str]:
    """Return ``module -> imported`` for every import of another package's inner module.

    A package is entered through a face: an ``__init__`` (the package's own, or a room's,
    such as ``scoring.workflow``); ``from scoring.workflow.decisions import decide`` from
    outside ``scoring`` is a breach, ``from scoring.workflow import decide`` is not.
    """
    breaches = []
    for package in DOMAIN:
        for path in (root / package).rglob("*.py"):
            module = _module_name(path, root)
            if module in REGISTERS_TABLES:
                continue
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if isinstance(node, ast.ImportFrom) and not node.level and node.module:
                    named = [node.module]
                elif isinstance(node, ast.Import):
                    named = [alias.name for alias in node.names]
                else:
                    continue
                for name in named:
                    other = name.split(".")[0]
                    folder = root / name.replace(".", "/")
                    if other in DOMAIN and other != package and not folder.is_dir():
                        breaches.append(f"{module} -> {name}")
    return sorted(breaches)


def test_packages_enter_each_other_through_their_faces():
    assert face_breaches(ROOT) == []


def test_the_face_rule_catches_a_planted_breach(tmp_path):
    for folder in ("consent", "scoring", "scoring/workflow", "service", "service/web"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "__init__.py").write_text("")
    (tmp_path / "consent/gate.py").write_text("")
    (tmp_path / "scoring/workflow/decisions.py").write_text("from consent import gate\n")
    (tmp_path / "service/web/auth.py").write_text("from scoring.workflow import decide\n")
    (tmp_path / "service/web/tables.py").write_text("import consent.gate\n")
    assert face_breaches(tmp_path) == []
    (tmp_path / "service/web/auth.py").write_text("from scoring.workflow.decisions import decide\n")
    (tmp_path / "scoring/workflow/decisions.py").write_text("import consent.gate\n")
    assert face_breaches(tmp_path) == [
        "scoring.workflow.decisions -> consent.gate",
        "service.web.auth -> scoring.workflow.decisions",
    ]
