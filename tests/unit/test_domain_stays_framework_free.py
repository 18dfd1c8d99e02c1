"""The unit tier and the domain it tests import nothing from Flask, SQLAlchemy or the app layers.

Read from the source with `ast`, so the check holds whatever else the test run has imported.
Every import counts: absolute and relative (`from ..extensions import db` inside
`lifecycle/domain/` resolves to `lifecycle.extensions`), at module level and inside functions,
`from lifecycle import models` (the imported name is the module), and `importlib.import_module`
or `__import__` with a literal name. The self-tests feed the guard one offender of each kind and
see each one caught, so the guard cannot quietly go blind.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from .conftest import PROJECT_ROOT

FRAMEWORKS = ("flask", "sqlalchemy", "werkzeug")
UNIT_DIR = Path(__file__).resolve().parent
DOMAIN_DIR = PROJECT_ROOT / "lifecycle" / "domain"
DYNAMIC_IMPORTS = ("import_module", "__import__")


def package_of(path: Path) -> str:
    """The dotted package a source file belongs to, from its place under the project root."""
    return ".".join(path.resolve().relative_to(PROJECT_ROOT).parent.parts)


def resolve(package: str, level: int, module: str | None) -> str:
    """The absolute module a `from` import names, as Python resolves it inside `package`."""
    if level == 0:
        return module or ""
    parts = package.split(".")
    base = parts[: len(parts) - (level - 1)] if level > 1 else parts
    return ".".join(base + ([module] if module else []))


def imported_modules(source: str, package: str) -> set[str]:
    """Every module this source imports, resolved to absolute dotted names.

    `from X import name` adds both X and X.name, because name may be a submodule
    (`from lifecycle import models`, `from .. import services`).
    """
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = resolve(package, node.level, node.module)
            if base:
                names.add(base)
            names.update(f"{base}.{alias.name}" if base else alias.name
                         for alias in node.names if alias.name != "*")
        elif isinstance(node, ast.Call) and node.args \
                and isinstance(node.args[0], ast.Constant) \
                and isinstance(node.args[0].value, str):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if called in DYNAMIC_IMPORTS:
                names.add(node.args[0].value)
    return names


def is_framework(module: str) -> bool:
    top = module.split(".")[0]
    return top in FRAMEWORKS or top.startswith("flask_")


def is_app_layer(module: str) -> bool:
    """Ours, but not the domain: lifecycle.extensions, .models, .services, .web, .api, ..."""
    parts = module.split(".")
    return parts[0] == "lifecycle" and len(parts) > 1 and parts[1] != "domain"


def forbidden_imports(source: str, package: str) -> set[str]:
    return {m for m in imported_modules(source, package) if is_framework(m) or is_app_layer(m)}


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


@pytest.mark.parametrize("path", sorted(UNIT_DIR.glob("*.py")), ids=lambda p: p.name)
def test_unit_tests_import_only_the_domain_of_our_own_code(path):
    imports = imported_modules(_read(path), package_of(path))

    assert not forbidden_imports(_read(path), package_of(path))
    # Nor the test helpers of the other tiers, which build through the services.
    tests_elsewhere = [m for m in imports
                       if m.startswith("tests.") and not m.startswith("tests.unit")]
    assert not tests_elsewhere, tests_elsewhere


@pytest.mark.parametrize("path", sorted(DOMAIN_DIR.glob("*.py")), ids=lambda p: p.name)
def test_the_domain_imports_no_framework_and_nothing_above_it(path):
    assert not forbidden_imports(_read(path), package_of(path))


DOMAIN_PACKAGE = "lifecycle.domain"
OFFENDERS = {
    "flask": "from flask import current_app",
    "flask_extension": "import flask_login",
    "flask_extension_from": "from flask_babel import gettext",
    "sqlalchemy": "import sqlalchemy.orm",
    "sqlalchemy_from": "from sqlalchemy import select",
    "werkzeug": "from werkzeug.security import check_password_hash",
    "absolute_app_layer": "from lifecycle.services.networks import create_network",
    "absolute_app_module_by_name": "from lifecycle import models",
    "absolute_extensions": "import lifecycle.extensions",
    "relative_extensions": "from ..extensions import db",
    "relative_models": "from ..models import Network",
    "relative_services": "from ..services import networks",
    "relative_web": "from ..web.forms import EvidenceForm",
    "relative_api": "from ..api.schemas import NetworkSchema",
    "relative_package_by_name": "from .. import services",
    "inside_a_function": "def load():\n    from ..models import Network\n    return Network\n",
    "inside_a_method": "class A:\n    def f(self):\n        import flask\n",
    "import_module": "import importlib\nimportlib.import_module('lifecycle.models')\n",
    "dunder_import": "__import__('sqlalchemy')\n",
}


@pytest.mark.parametrize("source", OFFENDERS.values(), ids=OFFENDERS.keys())
def test_the_guard_catches_each_kind_of_forbidden_import(source):
    assert forbidden_imports(source, DOMAIN_PACKAGE)


@pytest.mark.parametrize("source", [
    "from .gates import ItemStatus", "from . import audit", "from lifecycle.domain import engine",
    "import lifecycle.domain.workflow", "from transitions import Machine", "import yaml",
    "from datetime import date",
], ids=lambda s: s)
def test_the_guard_lets_the_domain_import_itself_and_plain_libraries(source):
    assert not forbidden_imports(source, DOMAIN_PACKAGE)


def test_relative_imports_resolve_as_python_resolves_them():
    assert resolve("lifecycle.domain", 1, "gates") == "lifecycle.domain.gates"
    assert resolve("lifecycle.domain", 2, "extensions") == "lifecycle.extensions"
    assert resolve("lifecycle.domain", 2, None) == "lifecycle"
    assert package_of(DOMAIN_DIR / "gates.py") == DOMAIN_PACKAGE
