"""The unit tier and the domain it tests import nothing from Flask, SQLAlchemy or the app layers.

Read from the source with `ast`, so the check holds whatever else the test run has imported.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from .conftest import PROJECT_ROOT

FRAMEWORKS = ("flask", "flask_sqlalchemy", "flask_login", "flask_wtf", "flask_babel",
              "flask_migrate", "sqlalchemy", "werkzeug")
UNIT_DIR = Path(__file__).resolve().parent
DOMAIN_DIR = PROJECT_ROOT / "lifecycle" / "domain"


def absolute_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def is_framework(module: str) -> bool:
    return module.split(".")[0] in FRAMEWORKS


@pytest.mark.parametrize("path", sorted(UNIT_DIR.glob("*.py")), ids=lambda p: p.name)
def test_unit_tests_import_only_the_domain_of_our_own_code(path):
    imports = absolute_imports(path)

    assert not [m for m in imports if is_framework(m)]
    ours = [m for m in imports if m.split(".")[0] == "lifecycle"]
    assert all(m.startswith("lifecycle.domain") for m in ours), ours


@pytest.mark.parametrize("path", sorted(DOMAIN_DIR.glob("*.py")), ids=lambda p: p.name)
def test_the_domain_imports_no_framework_and_nothing_above_it(path):
    imports = absolute_imports(path)

    assert not [m for m in imports if is_framework(m)]
    assert not [m for m in imports if m.split(".")[0] == "lifecycle"]


def test_the_guard_itself_recognises_a_framework_import(tmp_path):
    offender = tmp_path / "offender.py"
    offender.write_text("from flask import current_app\nimport sqlalchemy.orm\n")

    assert {m for m in absolute_imports(offender) if is_framework(m)} == {
        "flask", "sqlalchemy.orm"}
