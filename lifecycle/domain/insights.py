"""The figures of the municipal dashboard, computed from plain rows: no database, no framework.

- `stage_stays`: how long a network stayed in each stage it left, from its timeline.
- `median_days`: the median of those stays per stage (only stays that ended count, so a stage a
  network is still in does not pull the figure down).
- `month_keys` and `signal_outcome`: signals per theme and month, and whether each was handled on
  time (handled before its deadline), late (handled after it, or still open past it), or not due
  yet (open and still within its deadline; these do not count either way).
- `answer_speed`: how many days inputs for policy waited for their answer.

Everything is counts and durations: no figure names or identifies a person.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from statistics import median
from typing import Iterable, Sequence

ON_TIME, LATE, NOT_DUE = "on_time", "late", "not_due"


def stage_stays(initial: str, created_at: datetime,
                changes: Iterable[tuple[datetime, str]]) -> list[tuple[str, float]]:
    """(stage, days) for every stay that ended: the network entered `initial` when it was
    created and each change (moment, new stage) ends the stay before it."""
    stays = []
    stage, since = initial, created_at
    for moment, to_stage in sorted(changes, key=lambda change: change[0]):
        stays.append((stage, max((moment - since).total_seconds(), 0) / 86400))
        stage, since = to_stage, moment
    return stays


def median_days(stays: Iterable[tuple[str, float]]) -> dict[str, tuple[float, int]]:
    """Per stage: (median days, number of stays), rounded to a tenth of a day."""
    by_stage: dict[str, list[float]] = {}
    for stage, days in stays:
        by_stage.setdefault(stage, []).append(days)
    return {stage: (round(median(days), 1), len(days)) for stage, days in by_stage.items()}


def month_key(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def month_keys(until: date, months: int) -> list[str]:
    """The `months` calendar months up to and including the month of `until`, oldest first."""
    keys = []
    year, month = until.year, until.month
    for _ in range(months):
        keys.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return keys[::-1]


def signal_outcome(deadline_at: datetime, handled_at: datetime | None, now: datetime) -> str:
    """on_time, late or not_due, for the share of signals handled on time."""
    if handled_at is not None:
        return ON_TIME if handled_at < deadline_at else LATE
    return LATE if now >= deadline_at else NOT_DUE


@dataclass(frozen=True)
class AnswerSpeed:
    answered: int
    median_days: float | None
    answered_by_due_date: int
    open: int
    open_overdue: int

    @property
    def share_by_due_date(self) -> float | None:
        return round(self.answered_by_due_date / self.answered, 3) if self.answered else None


def answer_speed(inputs: Sequence[tuple[date, date, date | None]], today: date) -> AnswerSpeed:
    """From (created on, due on, answered on) of each input for policy."""
    waits = [(answered - created).days for created, _due, answered in inputs
             if answered is not None]
    return AnswerSpeed(
        answered=len(waits),
        median_days=round(median(waits), 1) if waits else None,
        answered_by_due_date=sum(1 for _created, due, answered in inputs
                                 if answered is not None and answered <= due),
        open=sum(1 for *_rest, answered in inputs if answered is None),
        open_overdue=sum(1 for _created, due, answered in inputs
                         if answered is None and today > due))
