"""The municipal dashboard's figures: the funnel, time per stage, signals, and the feedback loop.

One read per figure, over the user's municipality only, aggregated in the database where that is
simple and folded in Python (`domain.insights`) where it is not. The HTML charts, their tables,
the CSV download and `GET /api/v1/dashboard` all show these same figures.
"""
from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from ..domain.calendar import local_date
from ..domain.insights import (LATE, NOT_DUE, ON_TIME, AnswerSpeed, answer_speed, median_days,
                               month_key, month_keys, signal_outcome, stage_stays)
from ..extensions import db
from ..models import Network, PolicyInput, Signal, StageChange, User
from .common import now_or
from .workflows import all_workflows, catalogue

MONTHS_SHOWN = 12


@dataclass(frozen=True)
class StageFigure:
    stage: str
    networks: int  # networks in this stage now
    median_days: float | None  # median of the stays that ended
    stays: int  # how many ended stays the median is over


@dataclass(frozen=True)
class MonthOnTime:
    month: str
    on_time: int
    late: int
    not_due: int

    @property
    def share(self) -> float | None:
        judged = self.on_time + self.late
        return round(self.on_time / judged, 3) if judged else None


@dataclass(frozen=True)
class Insights:
    today: date
    months: list[str]
    stages: list[StageFigure]
    themes: list[str]
    signals_by_month: dict[str, dict[str, int]]  # month -> theme -> count
    on_time: list[MonthOnTime]
    inputs: AnswerSpeed

    @property
    def on_time_total(self) -> MonthOnTime:
        return MonthOnTime("total", sum(m.on_time for m in self.on_time),
                           sum(m.late for m in self.on_time),
                           sum(m.not_due for m in self.on_time))


def _stage_order() -> list[str]:
    order: list[str] = []
    for definition in all_workflows().values():
        for state in definition.states:
            if state.id not in order:
                order.append(state.id)
    return order


def _stages(municipality_id: int) -> list[StageFigure]:
    networks = db.session.execute(select(Network.id, Network.stage, Network.created_at,
                                         Network.workflow_name, Network.workflow_version)
                                  .where(Network.municipality_id == municipality_id)).all()
    changes: dict[int, list[tuple[datetime, str]]] = defaultdict(list)
    for network_id, moment, to_stage in db.session.execute(
            select(StageChange.network_id, StageChange.occurred_at, StageChange.to_stage)
            .join(Network, Network.id == StageChange.network_id)
            .where(Network.municipality_id == municipality_id)):
        changes[network_id].append((moment, to_stage))
    workflows = all_workflows()
    stays = []
    for network_id, _stage, created_at, name, version in networks:
        definition = workflows.get((name, version))
        if definition is not None:
            stays += stage_stays(definition.initial, created_at, changes[network_id])
    medians = median_days(stays)
    now_in = Counter(stage for _id, stage, *_rest in networks)
    return [StageFigure(stage, now_in.get(stage, 0), *medians.get(stage, (None, 0)))
            for stage in _stage_order()]


def _signals(municipality_id: int, months: list[str], moment: datetime):
    first_day = date.fromisoformat(months[0] + "-01")
    themes = [theme.id for theme in catalogue().signal_rules.themes]
    by_month: dict[str, dict[str, int]] = {m: {theme: 0 for theme in themes} for m in months}
    outcomes: dict[str, Counter] = {m: Counter() for m in months}
    for reported_on, theme, deadline_at, handled_at in db.session.execute(
            select(Signal.reported_on, Signal.theme, Signal.deadline_at, Signal.handled_at)
            .where(Signal.municipality_id == municipality_id,
                   Signal.reported_on >= first_day)):
        month = month_key(reported_on)
        if month not in by_month:
            continue
        by_month[month][theme] = by_month[month].get(theme, 0) + 1
        outcomes[month][signal_outcome(deadline_at, handled_at, moment)] += 1
    on_time = [MonthOnTime(m, outcomes[m][ON_TIME], outcomes[m][LATE], outcomes[m][NOT_DUE])
               for m in months]
    return themes, by_month, on_time


def insights_for(user: User, *, now: datetime | None = None) -> Insights:
    """The dashboard figures of the user's municipality over the last twelve months."""
    moment = now_or(now)
    today = local_date(moment)
    months = month_keys(today, MONTHS_SHOWN)
    themes, by_month, on_time = _signals(user.municipality_id, months, moment)
    inputs = db.session.execute(select(
        PolicyInput.created_on, PolicyInput.due_on, PolicyInput.answered_on).where(
        PolicyInput.municipality_id == user.municipality_id,
        (PolicyInput.answered_on.is_(None))
        | (PolicyInput.answered_on >= date.fromisoformat(months[0] + "-01")))).all()
    return Insights(today=today, months=months, stages=_stages(user.municipality_id),
                    themes=themes, signals_by_month=by_month, on_time=on_time,
                    inputs=answer_speed(inputs, today))


def insights_csv(insights: Insights) -> str:
    """The same figures as one CSV table: figure, label, series, value."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["figure", "label", "series", "value"])
    for stage in insights.stages:
        writer.writerow(["networks_by_stage", stage.stage, "networks", stage.networks])
        writer.writerow(["median_days_in_stage", stage.stage, "median_days",
                         "" if stage.median_days is None else stage.median_days])
        writer.writerow(["median_days_in_stage", stage.stage, "stays", stage.stays])
    for month in insights.months:
        for theme in insights.themes:
            writer.writerow(["signals_by_theme_and_month", month, theme,
                             insights.signals_by_month[month].get(theme, 0)])
    for row in [*insights.on_time, insights.on_time_total]:
        writer.writerow(["signals_on_time", row.month, "on_time", row.on_time])
        writer.writerow(["signals_on_time", row.month, "late", row.late])
        writer.writerow(["signals_on_time", row.month, "not_due", row.not_due])
        writer.writerow(["signals_on_time", row.month, "share",
                         "" if row.share is None else row.share])
    speed = insights.inputs
    for series, value in (("answered", speed.answered), ("median_days", speed.median_days),
                          ("answered_by_due_date", speed.answered_by_due_date),
                          ("share_by_due_date", speed.share_by_due_date),
                          ("open", speed.open), ("open_overdue", speed.open_overdue)):
        writer.writerow(["inputs_for_policy", "last_12_months", series,
                         "" if value is None else value])
    return out.getvalue()
