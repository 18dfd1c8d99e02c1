"""How an overdue item reads to people: one translated sentence per kind of attention item.

The attention list on the dashboard, the notifications panel and the notification e-mail all
say the same thing, so the sentences live here, once. They name the network and dates and
counts, never a person: a member who has gone quiet is counted, not named.
"""
from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

REASONS = {
    "meeting_cadence": _l("The network has not met for longer than its meeting cadence of every "
                          "%(weeks)s weeks (last meeting or cadence set on %(since)s)."),
    "mandate_expired": _l("The mandate was valid until %(valid_until)s. Record and sign off a "
                          "new mandate decision before the next step."),
    "review_due": _l("The periodic review was due on %(due_on)s."),
    "input_overdue": _l("An input for policy has had no answer since its due date, "
                        "%(due_on)s."),
    "signal_overdue": _l("A signal is past its deadline of %(due_on)s."),
    "signal_far_overdue": _l("A signal is past three times its deadline (deadline "
                             "%(due_on)s)."),
}


def _day(value: Any) -> str:
    if isinstance(value, str):
        value = date.fromisoformat(value)
    return format_date(value, "long") if isinstance(value, date) else ""


def reason_text(kind: str, due_on: date, details: dict[str, Any]) -> str:
    """The sentence for one attention item or notification, in the current language."""
    if kind == "members_silent":
        return ngettext(
            "%(num)d member has not been heard from in %(months)s months.",
            "%(num)d members have not been heard from in %(months)s months.",
            int(details.get("count", 0)), months=details.get("months", ""))
    if kind == "signal_overdue" and details.get("three_times"):
        kind = "signal_far_overdue"
    template = REASONS.get(kind)
    if template is None:
        return str(kind)
    return str(template) % {"weeks": details.get("every_weeks", ""),
                            "since": _day(details.get("since")),
                            "valid_until": _day(details.get("valid_until")),
                            "due_on": _day(due_on)}
