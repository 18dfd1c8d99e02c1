"""The geometry of the overview's charts: bars and their places, computed here so that the SVG
templates (`templates/overview/_charts.html`) only draw.

No JavaScript and no inline styles (the CSP forbids both): a chart is an <svg> with presentation
attributes and CSS classes (`vs-series-N`), and every figure is in a table beside it as well.
"""
from __future__ import annotations

from dataclasses import dataclass

WIDTH = 640
LABEL_WIDTH = 200  # room for the labels left of horizontal bars
BAR_HEIGHT = 24
BAR_GAP = 10
COLUMN_AREA_HEIGHT = 200
SERIES_CLASSES = 8  # vs-series-0 .. vs-series-7 in voelspriet.css


@dataclass(frozen=True)
class Bar:
    label: str
    value_text: str
    x: float
    y: float
    width: float
    height: float
    css_class: str = "vs-series-0"


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: list[Bar]


def _scale(values, room: float) -> float:
    top = max([v for v in values if v is not None] or [0])
    return room / top if top else 0.0


def horizontal_bars(rows: list[tuple[str, float | None, str]], *, centred: bool = False) -> Chart:
    """One bar per (label, value, value as text); `centred` draws a funnel."""
    room = WIDTH - LABEL_WIDTH - 60
    scale = _scale([value for _label, value, _text in rows], room)
    bars = []
    for index, (label, value, text) in enumerate(rows):
        width = (value or 0) * scale
        x = LABEL_WIDTH + ((room - width) / 2 if centred else 0)
        bars.append(Bar(label, text, round(x, 1), index * (BAR_HEIGHT + BAR_GAP),
                        round(width, 1), BAR_HEIGHT, f"vs-series-{index % SERIES_CLASSES}"))
    return Chart(WIDTH, max(len(rows), 1) * (BAR_HEIGHT + BAR_GAP), bars)


@dataclass(frozen=True)
class Column:
    label: str
    x: float
    width: float
    segments: list[Bar]


@dataclass(frozen=True)
class ColumnChart:
    width: int
    height: int
    baseline: float
    columns: list[Column]


def stacked_columns(columns: list[tuple[str, list[tuple[str, int]]]]) -> ColumnChart:
    """One column per (label, [(series label, count)]), its segments stacked from the bottom;
    series keep their colour class by position."""
    totals = [sum(count for _series, count in series) for _label, series in columns]
    scale = _scale(totals, COLUMN_AREA_HEIGHT)
    slot = (WIDTH - 40) / max(len(columns), 1)
    drawn = []
    for index, (label, series) in enumerate(columns):
        x = 20 + index * slot + slot * 0.15
        width = slot * 0.7
        y = COLUMN_AREA_HEIGHT
        segments = []
        for number, (series_label, count) in enumerate(series):
            if not count:
                continue
            height = count * scale
            y -= height
            segments.append(Bar(series_label, str(count), round(x, 1), round(y, 1),
                                round(width, 1), round(height, 1),
                                f"vs-series-{number % SERIES_CLASSES}"))
        drawn.append(Column(label, round(x, 1), round(width, 1), segments))
    return ColumnChart(WIDTH, COLUMN_AREA_HEIGHT + 40, COLUMN_AREA_HEIGHT, drawn)


def share_columns(columns: list[tuple[str, float | None]]) -> ColumnChart:
    """One column per (label, share between 0 and 1); a month without figures has none."""
    slot = (WIDTH - 40) / max(len(columns), 1)
    drawn = []
    for index, (label, share) in enumerate(columns):
        x = 20 + index * slot + slot * 0.15
        width = slot * 0.7
        segments = []
        if share is not None:
            height = share * COLUMN_AREA_HEIGHT
            segments.append(Bar(label, f"{round(share * 100)}%", round(x, 1),
                                round(COLUMN_AREA_HEIGHT - height, 1), round(width, 1),
                                round(height, 1), "vs-series-2"))
        drawn.append(Column(label, round(x, 1), round(width, 1), segments))
    return ColumnChart(WIDTH, COLUMN_AREA_HEIGHT + 40, COLUMN_AREA_HEIGHT, drawn)
