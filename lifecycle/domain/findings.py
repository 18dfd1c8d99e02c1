"""Findings the domain reports in English that the CLI and pages show in the user's language.

The domain never imports Flask-Babel, so a check that finds something wrong (a broken audit
chain, a bad checkpoint line, a tampered export) returns a `Finding`: the English sentence as a
string, so logs and tests read it as they always did, which also keeps its template and values
apart. A caller with a language translates it with `gettext(finding.template,
**finding.values)`; the templates are marked with `N_` so `scripts/translations` extracts them.
"""
from __future__ import annotations

from typing import Any


def N_(text: str) -> str:
    """Return `text` unchanged; `pybabel extract` collects it (N_ is one of its keywords)."""
    return text


class Finding(str):
    """An English sentence (`template % values`) that remembers its template and values."""

    template: str
    values: dict[str, Any]

    def __new__(cls, template: str, **values: Any) -> "Finding":
        finding = super().__new__(cls, template % values if values else template)
        finding.template = template
        finding.values = values
        return finding
