"""The progress pages' pictures: SVG drawn by studyapp.core.charts, and phrases for dates."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from markupsafe import Markup

from studyapp.core import charts
from studyapp.domain.mastery import ClassProgress, Dashboard, ThemeMastery


def short_title(title: str) -> str:
    """Return a theme's title without its parenthesis, for a label: "The Middle East (...)" -> "The Middle East"."""
    return title.split(" (", 1)[0]


def mastery_chart(themes: Sequence[ThemeMastery], whose: str = "Your") -> Markup:
    """Draw each theme's mastery as a one-column heatmap: a coloured cell with its percentage per theme."""
    return Markup(
        charts.heatmap(
            [short_title(t.title) for t in themes],
            ["Mastery"],
            [[t.mastery.value] for t in themes],
            f"{whose} mastery by theme",
            "Mastery of each theme from 0% to 100%, darker for higher; a dash means no answers yet. "
            "The table beside the chart gives the same numbers with the answers each rests on.",
            chart_id="mastery-chart",
        )
    )


def trend_chart(dashboard: Dashboard, whose: str = "Your") -> Markup:
    """Draw the scores of the recent attempts, oldest first, as a line of percentages."""
    return Markup(
        charts.line_chart(
            dashboard.trend,
            f"{whose} scores over time",
            "The score of each recent attempt as a percentage of its points, oldest on the left. "
            "The table of recent attempts gives the same numbers.",
            "Attempt (date submitted)",
            "Score (%)",
            chart_id="trend-chart",
        )
    )


def class_heatmap(progress: ClassProgress, title: str = "Class mastery by theme") -> Markup:
    """Draw the students × themes mastery grid (the class page shows `class_heatmap_table` beside it)."""
    return Markup(
        charts.heatmap(
            [s.display_name for s in progress.students],
            [short_title(t.title) for t in progress.themes],
            progress.values,
            title,
            "Each student's mastery of each theme, from 0% to 100%, darker for higher; a dash means no answers yet.",
            chart_id="class-heatmap",
        )
    )


def class_heatmap_table(progress: ClassProgress, title: str = "Class mastery by theme") -> charts.DataTable:
    """Return the heatmap's numbers as a table: one row per student, one column per theme."""
    return charts.heatmap_table(
        [s.display_name for s in progress.students],
        [short_title(t.title) for t in progress.themes],
        progress.values,
        title,
        row_header="Student",
    )


def due_phrase(moment: datetime | None, now: datetime) -> str:
    """Say when something is due, in words: "now", "in 10 minutes", "in 3 days", "on 4 March"."""
    if moment is None:
        return "—"
    seconds = (moment - now).total_seconds()
    if seconds <= 0:
        return "now"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"in {max(minutes, 1)} minute{'s' if max(minutes, 1) != 1 else ''}"
    hours = round(seconds / 3600)
    if hours < 24:
        return f"in {hours} hour{'s' if hours != 1 else ''}"
    days = round(seconds / 86400)
    if days < 31:
        return f"in {days} day{'s' if days != 1 else ''}"
    return f"on {moment:%-d %B %Y}"
