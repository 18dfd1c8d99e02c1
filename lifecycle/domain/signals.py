"""Signals: themes, places and trends that a network picks up, and how soon each must be handled.

A signal is recorded as a theme, a district, a short description and an urgency, with its
source (the network, or a member of its register). It never names a person of concern: there is
no field for one, and the description is short and says so. Case work on individuals who may be
radicalising is a separate legal regime.

`SignalRules` are the themes, urgencies, partners and deadline rules of `workflows/data/
signals.yaml`. `deadline_of` picks the most specific rule for a theme and urgency and gives the
last day to handle the signal (acted on, forwarded or closed), in working days (no weekends or
Dutch public holidays) or calendar days. `timeliness` says whether a signal is on time, past its
deadline, or past three times its deadline, as Signalen reports them.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Iterable

from .calendar import deadline_day, end_of_day
from .definitions import duplicates, load_definition
from .vocabulary import Term
from .workflow import Text

ANY = "*"
MAX_DESCRIPTION = 1000
MAX_PARTNER_NAME = 200
OVERDUE_FACTOR = 3


@dataclass(frozen=True)
class DeadlineRule:
    theme: str
    urgency: str
    days: int
    working_days: bool

    @property
    def specificity(self) -> int:
        return (self.theme != ANY) * 2 + (self.urgency != ANY)


@dataclass(frozen=True)
class SignalRules:
    themes: tuple[Term, ...]
    urgencies: tuple[Term, ...]
    partners: tuple[Term, ...]
    deadlines: tuple[DeadlineRule, ...]

    def rule_for(self, theme: str, urgency: str) -> DeadlineRule:
        """The most specific rule for this theme and urgency (a later rule wins a tie)."""
        matching = [r for r in self.deadlines
                    if r.theme in (theme, ANY) and r.urgency in (urgency, ANY)]
        return max(reversed(matching), key=lambda r: r.specificity)


@dataclass(frozen=True)
class Deadline:
    rule: DeadlineRule
    last_day: date
    ends_at: datetime  # naive UTC: the end of the last day, Amsterdam time
    overdue_last_day: date  # three times the deadline
    overdue_ends_at: datetime


def deadline_of(rules: SignalRules, theme: str, urgency: str, reported_on: date) -> Deadline:
    """When a signal that came in on `reported_on` must be handled, and three times that."""
    rule = rules.rule_for(theme, urgency)
    last = deadline_day(reported_on, rule.days, working_days=rule.working_days)
    late = deadline_day(reported_on, rule.days * OVERDUE_FACTOR, working_days=rule.working_days)
    return Deadline(rule, last, end_of_day(last), late, end_of_day(late))


ON_TIME = "on_time"
OVERDUE = "overdue"
OVERDUE_3X = "overdue_3x"


def timeliness(deadline: Deadline, handled_at: datetime | None, now: datetime) -> str:
    """on_time, overdue (past the deadline) or overdue_3x (past three times it).

    A handled signal is judged by when it was handled; an open one by `now`.
    """
    moment = handled_at or now
    if moment >= deadline.overdue_ends_at:
        return OVERDUE_3X
    if moment >= deadline.ends_at:
        return OVERDUE
    return ON_TIME


def load_signal_rules(path: str | Path, schema_path: str | Path | None = None) -> SignalRules:
    """Load, validate and build the signal vocabularies and deadline rules."""
    path = Path(path)

    def build(raw: dict[str, Any], _source: str) -> SignalRules:
        def terms(name: str) -> tuple[Term, ...]:
            return tuple(Term(t["id"], Text(**t["title"])) for t in raw[name])

        return SignalRules(
            themes=terms("themes"), urgencies=terms("urgencies"), partners=terms("partners"),
            deadlines=tuple(DeadlineRule(
                r["theme"], r["urgency"],
                r.get("working_days", r.get("calendar_days")), "working_days" in r)
                for r in raw["deadlines"]))

    def problems(rules: SignalRules) -> Iterable[tuple[list, str]]:
        for name in ("themes", "urgencies", "partners"):
            yield from duplicates([t.id for t in getattr(rules, name)], [name])
        themes = {t.id for t in rules.themes} | {ANY}
        urgencies = {u.id for u in rules.urgencies} | {ANY}
        for index, rule in enumerate(rules.deadlines):
            if rule.theme not in themes:
                yield ["deadlines", index, "theme"], f"'{rule.theme}' is not a theme"
            if rule.urgency not in urgencies:
                yield ["deadlines", index, "urgency"], f"'{rule.urgency}' is not an urgency"
        for theme in rules.themes:
            for urgency in rules.urgencies:
                if not any(r.theme in (theme.id, ANY) and r.urgency in (urgency.id, ANY)
                           for r in rules.deadlines):
                    yield ["deadlines"], f"no deadline for {theme.id} with urgency {urgency.id}"

    return load_definition(path, schema_path or path.parent / "signals.schema.json", build,
                           problems)
