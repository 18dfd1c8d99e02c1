"""Every test that SECURITY.md names as evidence for an ASVS requirement exists.

A name is `tests/<path>.py::test_<name>` (the test function) or `tests/<path>.py` followed
by "(whole module)"; a renamed or removed test must be renamed in the table too.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NAMED_TEST = re.compile(r"`(tests/[\w/]+\.py)(?:::(test_\w+))?`")


def named_tests() -> list[tuple[str, str | None]]:
    return NAMED_TEST.findall((ROOT / "SECURITY.md").read_text())


def functions_in(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    return {node.name for node in ast.walk(tree)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
            and node.name.startswith("test_")}


def test_every_test_named_in_the_asvs_table_exists():
    missing = []
    for file, name in named_tests():
        path = ROOT / file
        if not path.is_file():
            missing.append(file)
        elif name and name not in functions_in(path):
            missing.append(f"{file}::{name}")
    assert not missing, f"SECURITY.md names tests that do not exist: {missing}"


def test_the_table_names_tests_at_all():
    """Guards the check above against a pattern that silently matches nothing."""
    names = named_tests()
    assert len(names) > 40
    assert ("tests/web/test_sessions.py",
            "test_an_old_cookie_after_logout_gets_the_login_page") in names


def test_the_check_catches_a_misspelled_test_name(tmp_path):
    sample = tmp_path / "test_sample.py"
    sample.write_text("def test_real():\n    pass\n")
    assert "test_real" in functions_in(sample)
    assert "test_imagined" not in functions_in(sample)
