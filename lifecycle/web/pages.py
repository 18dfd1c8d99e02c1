"""Fixed information pages, such as the accessibility statement (/toegankelijkheid)."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, render_template

bp = Blueprint("pages", __name__)

# The date of the last accessibility evaluation, shown in the statement.
STATEMENT_DATE = date(2026, 11, 28)


@bp.get("/toegankelijkheid")
def accessibility():
    """The accessibility statement, in the usual Dutch form; readable without logging in."""
    return render_template("pages/accessibility.html", statement_date=STATEMENT_DATE)
