"""The municipal overview (/overzicht): the municipality's networks by stage as a funnel, the
median time in each stage, signals by theme and month, the share handled on time, and how
quickly inputs for policy get an answer.

The figures come from one service call (`insights_for`), the same that `GET /api/v1/dashboard`
answers with; the CSV download (`/overzicht.csv`) writes those same figures with
`insights_csv`. Everything is counts and durations: no figure names a person.
"""
from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, render_template
from flask_babel import format_date
from flask_login import current_user

from ..services.insights import insights_for, insights_csv
from ..services.workflows import all_workflows
from .charts import horizontal_bars, share_columns, stacked_columns
from .common import localized, require_login
from .maintenance_common import register_template_helpers, term

bp = Blueprint("overview", __name__)
require_login(bp)
register_template_helpers(bp)


def _states() -> dict:
    """Every stage of the installed workflows, the municipality's own workflow first."""
    found = {}
    preferred = current_user.municipality.workflow_name
    for (name, _version), definition in sorted(all_workflows().items(),
                                               key=lambda pair: pair[0][0] != preferred):
        for state in definition.states:
            found.setdefault(state.id, state)
    return found


def month_title(month: str) -> str:
    return format_date(date.fromisoformat(month + "-01"), "MMM yyyy")


def _days(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def _percent(share: float | None) -> str:
    return "" if share is None else f"{round(share * 100)}%"


@bp.get("/overzicht")
def index():
    insights = insights_for(current_user)
    states = _states()

    def stage_name(stage_id: str) -> str:
        return localized(states[stage_id].title) if stage_id in states else stage_id

    active = [s for s in insights.stages if s.stage in states and states[s.stage].active]
    funnel = horizontal_bars([(stage_name(s.stage), s.networks, str(s.networks))
                              for s in active], centred=True)
    medians = horizontal_bars([(stage_name(s.stage), s.median_days, _days(s.median_days))
                               for s in insights.stages if s.stays])
    theme_names = [term("themes", theme) for theme in insights.themes]
    by_month = stacked_columns([
        (month_title(month), [(theme_names[i], insights.signals_by_month[month].get(theme, 0))
                              for i, theme in enumerate(insights.themes)])
        for month in insights.months])
    on_time = share_columns([(month_title(m.month), m.share) for m in insights.on_time])
    return render_template(
        "overview/index.html", insights=insights, stage_name=stage_name, funnel=funnel,
        medians=medians, by_month=by_month, on_time=on_time, theme_names=theme_names,
        month_title=month_title, days=_days, percent=_percent)


@bp.get("/overzicht.csv")
def download():
    """The same figures as the charts, as CSV: figure, label, series, value."""
    insights = insights_for(current_user)
    return Response(insights_csv(insights), mimetype="text/csv", headers={
        "Content-Disposition":
            f'attachment; filename="voelspriet-overzicht-{insights.today.isoformat()}.csv"'})
