"""Accessible charts drawn on the server as SVG strings: no script, nothing fetched, no inline styles.

Every chart is an `<svg role="img">` whose `<title>` and `<desc>` are referenced by
`aria-labelledby`, and every chart function has a companion `*_table` function that takes
the same arguments and returns the same numbers as a DataTable, for an HTML table beside
the chart. Colours are SVG presentation attributes plus `chart-*` classes, so the
Content-Security-Policy (no inline styles) holds and a stylesheet may still restyle them.
All text is escaped: labels come from users.
"""

from __future__ import annotations

import bisect
import hashlib
import itertools
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from html import escape

from studyapp.core import numbers

INK = "#1f2328"  # text and axes: 15.8:1 on white
MUTED = "#57606a"  # secondary text: 6.4:1 on white
GRID = "#d0d7de"
BACKGROUND = "#ffffff"
ACCENT = "#2f6fb0"  # bars, points and lines: 5.2:1 on white
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"

#: Heatmap colour scale, low to high: (upper bound of the step, fill, text colour). Every
#: text colour has a contrast of at least 4.5:1 on its fill (tested).
HEAT_SCALE = (
    (0.2, "#eff3ff", INK),
    (0.4, "#c6dbef", INK),
    (0.6, "#9ecae1", INK),
    (0.8, "#2171b5", "#ffffff"),
    (1.0, "#08306b", "#ffffff"),
)
#: Fill and text of a heatmap cell with no value.
HEAT_EMPTY = (BACKGROUND, MUTED)
NO_VALUE = numbers.NO_VALUE

Number = float | int


@dataclass(frozen=True)
class DataTable:
    """A chart's numbers as rows of text, for an HTML table next to the chart."""

    caption: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


def format_number(value: Number | None) -> str:
    """Format a number as people read it: whole numbers bare, others to one decimal (core.numbers rules)."""
    return numbers.number(value, 1)


def format_percent(fraction: Number | None) -> str:
    """Format a fraction (0-1) as a whole percentage: 0.734 -> "73%"."""
    return numbers.percent(fraction)


def contrast_ratio(foreground: str, background: str) -> float:
    """Return the WCAG 2 contrast ratio of two "#rrggbb" colours (1 to 21)."""
    lighter, darker = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


# Histogram ---------------------------------------------------------------------------------


def histogram(
    values: Sequence[Number | None],
    bins: int | Sequence[Number],
    title: str,
    description: str,
    x_label: str,
    y_label: str = "Count",
    *,
    value_range: tuple[Number, Number] | None = None,
    chart_id: str | None = None,
    width: int = 640,
    height: int = 320,
) -> str:
    """Return a bar chart of how many `values` fall in each bin.

    `bins` is a number of equal bins over `value_range` (default: the values' own range)
    or the bin edges. A bin holds its lower edge; the last also holds its upper edge.
    Values outside the range count in the nearest end bin; None values are skipped.
    """
    counted = _histogram_bins(values, bins, value_range)
    cid = _chart_id(chart_id, title, description)
    left, right, top, bottom = 56, 16, 24, 56
    plot_w, plot_h = width - left - right, height - top - bottom
    parts = []
    if not counted:
        parts.append(_no_data(width, height))
    else:
        peak = max(count for *_, count in counted)
        ticks = _nice_ticks(0, max(peak, 1), integer=True)
        y_top = ticks[-1]
        parts.append(_y_grid(ticks, left, top, plot_w, plot_h, 0, y_top))
        slot = plot_w / len(counted)
        labelled = _spread(len(counted), 12)
        for i, (lo, hi, count) in enumerate(counted):
            bar_h = plot_h * count / y_top
            x = left + i * slot + slot * 0.1
            y = top + plot_h - bar_h
            name = f"{_range_label(lo, hi)}: {count}"
            parts.append(
                f'<rect class="chart-bar" x="{_n(x)}" y="{_n(y)}" width="{_n(slot * 0.8)}" '
                f'height="{_n(bar_h)}" fill="{ACCENT}" data-count="{count}"><title>{_e(name)}</title></rect>'
            )
            if count:
                parts.append(_text(x + slot * 0.4, y - 4, str(count), anchor="middle", cls="chart-value"))
            if i in labelled:
                parts.append(
                    _text(
                        left + (i + 0.5) * slot,
                        top + plot_h + 16,
                        _range_label(lo, hi),
                        anchor="middle",
                        size=11,
                        cls="chart-tick",
                    )
                )
        parts.append(_axes(left, top, plot_w, plot_h))
        parts.append(_axis_labels(x_label, y_label, left, top, plot_w, plot_h, height))
    return _svg(cid, "histogram", title, description, width, height, parts)


def histogram_table(
    values: Sequence[Number | None],
    bins: int | Sequence[Number],
    title: str,
    description: str = "",
    x_label: str = "Range",
    y_label: str = "Count",
    *,
    value_range: tuple[Number, Number] | None = None,
    **_chart_options: object,
) -> DataTable:
    """Return the histogram's bins as rows (range, count); chart-only options are ignored."""
    rows = tuple((_range_label(lo, hi), str(count)) for lo, hi, count in _histogram_bins(values, bins, value_range))
    return DataTable(title, (x_label, y_label), rows)


def _histogram_bins(
    values: Sequence[Number | None], bins: int | Sequence[Number], value_range: tuple[Number, Number] | None
) -> list[tuple[float, float, int]]:
    """Return (low edge, high edge, count) for each bin; [] when there is nothing to bin."""
    present = [float(v) for v in values if v is not None and math.isfinite(v)]
    if isinstance(bins, int):
        if bins < 1:
            raise ValueError("bins must be at least 1")
        if value_range is not None:
            lo, hi = map(float, value_range)
        elif present:
            lo, hi = min(present), max(present)
        else:
            return []
        if hi <= lo:
            lo, hi = lo - 0.5, lo + 0.5
        edges = [lo + (hi - lo) * i / bins for i in range(bins)] + [hi]
    else:
        edges = [float(e) for e in bins]
        if len(edges) < 2 or any(b <= a for a, b in itertools.pairwise(edges)):
            raise ValueError("bin edges must be at least two increasing numbers")
    counts = [0] * (len(edges) - 1)
    for v in present:
        index = bisect.bisect_right(edges, v) - 1
        counts[min(max(index, 0), len(counts) - 1)] += 1
    return [(edges[i], edges[i + 1], counts[i]) for i in range(len(counts))]


def _range_label(lo: float, hi: float) -> str:
    return f"{format_number(lo)}–{format_number(hi)}"


# Scatter plot ------------------------------------------------------------------------------


def scatter(
    points: Sequence[tuple[Number | None, Number | None, str]],
    title: str,
    description: str,
    x_label: str,
    y_label: str,
    *,
    x_range: tuple[Number, Number] = (0, 100),
    y_range: tuple[Number, Number] = (-100, 100),
    x_guides: Sequence[Number] = (),
    y_guides: Sequence[Number] = (),
    value_format: Callable[[Number | None], str] = format_number,
    chart_id: str | None = None,
    width: int = 640,
    height: int = 400,
) -> str:
    """Return a scatter plot of labelled (x, y) points on fixed axis ranges.

    Made for facility (x, 0-100) against discrimination (y, -100-100). Points with a None
    coordinate are left out of the picture (the table keeps them); points outside the
    ranges are drawn on the edge. Dashed guide lines mark `x_guides` and `y_guides`; a
    solid line marks zero when a range spans it.
    """
    cid = _chart_id(chart_id, title, description)
    left, right, top, bottom = 56, 24, 16, 56
    plot_w, plot_h = width - left - right, height - top - bottom
    (x_lo, x_hi), (y_lo, y_hi) = _checked_range(x_range), _checked_range(y_range)

    def px(x: float) -> float:
        return left + plot_w * (min(max(x, x_lo), x_hi) - x_lo) / (x_hi - x_lo)

    def py(y: float) -> float:
        return top + plot_h - plot_h * (min(max(y, y_lo), y_hi) - y_lo) / (y_hi - y_lo)

    parts = [_y_grid(_nice_ticks(y_lo, y_hi), left, top, plot_w, plot_h, y_lo, y_hi)]
    for tick in _nice_ticks(x_lo, x_hi):
        if x_lo <= tick <= x_hi:
            parts.append(
                _text(px(tick), top + plot_h + 16, format_number(tick), anchor="middle", size=11, cls="chart-tick")
            )
    if y_lo < 0 < y_hi:
        parts.append(_line(left, py(0), left + plot_w, py(0), MUTED, cls="chart-zero"))
    if x_lo < 0 < x_hi:
        parts.append(_line(px(0), top, px(0), top + plot_h, MUTED, cls="chart-zero"))
    for g in x_guides:
        parts.append(_line(px(g), top, px(g), top + plot_h, MUTED, cls="chart-guide", dashed=True))
    for g in y_guides:
        parts.append(_line(left, py(g), left + plot_w, py(g), MUTED, cls="chart-guide", dashed=True))
    drawn = [(x, y, label) for x, y, label in points if x is not None and y is not None]
    if not drawn:
        parts.append(_no_data(width, height))
    for x, y, label in drawn:
        cx, cy = px(x), py(y)
        name = f"{label}: {x_label} {value_format(x)}, {y_label} {value_format(y)}"
        parts.append(
            f'<circle class="chart-point" cx="{_n(cx)}" cy="{_n(cy)}" r="5" fill="{ACCENT}" '
            f'stroke="{BACKGROUND}" stroke-width="1"><title>{_e(name)}</title></circle>'
        )
        anchor = "end" if cx > left + plot_w - 60 else "start"
        parts.append(
            _text(
                cx + (-8 if anchor == "end" else 8),
                cy + 4,
                _truncate(str(label), 24),
                anchor=anchor,
                size=11,
                cls="chart-label",
            )
        )
    parts.append(_axes(left, top, plot_w, plot_h))
    parts.append(_axis_labels(x_label, y_label, left, top, plot_w, plot_h, height))
    return _svg(cid, "scatter", title, description, width, height, parts)


def scatter_table(
    points: Sequence[tuple[Number | None, Number | None, str]],
    title: str,
    description: str = "",
    x_label: str = "x",
    y_label: str = "y",
    *,
    value_format: Callable[[Number | None], str] = format_number,
    label_header: str = "Item",
    **_chart_options: object,
) -> DataTable:
    """Return the scatter plot's points as rows (label, x, y), None shown as a dash."""
    rows = tuple(
        (str(label), value_format(x) if x is not None else NO_VALUE, value_format(y) if y is not None else NO_VALUE)
        for x, y, label in points
    )
    return DataTable(title, (label_header, x_label, y_label), rows)


# Line chart --------------------------------------------------------------------------------


def line_chart(
    points: Sequence[tuple[str | date | datetime, Number | None]],
    title: str,
    description: str,
    x_label: str,
    y_label: str,
    *,
    y_range: tuple[Number, Number] | None = (0, 100),
    value_format: Callable[[Number | None], str] = format_number,
    chart_id: str | None = None,
    width: int = 640,
    height: int = 300,
) -> str:
    """Return a line through (label, value) points in the order given, evenly spaced.

    Labels may be text, dates or datetimes. A None value breaks the line. `y_range` None
    fits the axis to the values.
    """
    cid = _chart_id(chart_id, title, description)
    left, right, top, bottom = 56, 40, 24, 56
    plot_w, plot_h = width - left - right, height - top - bottom
    present = [float(v) for _, v in points if v is not None]
    parts = []
    if not present:
        parts.append(_no_data(width, height))
    else:
        if y_range is None:
            ticks = _nice_ticks(min(0.0, min(present)), max(present))
            y_lo, y_hi = ticks[0], ticks[-1]
        else:
            y_lo, y_hi = _checked_range(y_range)
            ticks = _nice_ticks(y_lo, y_hi)
        parts.append(_y_grid(ticks, left, top, plot_w, plot_h, y_lo, y_hi))
        n = len(points)
        step = plot_w / (n - 1) if n > 1 else 0

        def xy(i: int, v: float) -> tuple[float, float]:
            x = left + (i * step if n > 1 else plot_w / 2)
            return x, top + plot_h - plot_h * (min(max(v, y_lo), y_hi) - y_lo) / (y_hi - y_lo)

        run: list[tuple[float, float]] = []
        runs = [run]
        for i, (_, v) in enumerate(points):
            if v is None:
                run = []
                runs.append(run)
            else:
                run.append(xy(i, float(v)))
        for r in runs:
            if len(r) > 1:
                coords = " ".join(f"{_n(x)},{_n(y)}" for x, y in r)
                parts.append(
                    f'<polyline class="chart-line" points="{coords}" fill="none" stroke="{ACCENT}" stroke-width="2"/>'
                )
        labelled = _spread(n, 8)
        for i, (label, v) in enumerate(points):
            text = _point_label(label)
            if v is not None:
                x, y = xy(i, float(v))
                parts.append(
                    f'<circle class="chart-point" cx="{_n(x)}" cy="{_n(y)}" r="4" fill="{ACCENT}">'
                    f"<title>{_e(f'{text}: {value_format(v)}')}</title></circle>"
                )
            if i in labelled:
                x = left + (i * step if n > 1 else plot_w / 2)
                parts.append(
                    _text(x, top + plot_h + 16, _truncate(text, 16), anchor="middle", size=11, cls="chart-tick")
                )
        parts.append(_axes(left, top, plot_w, plot_h))
        parts.append(_axis_labels(x_label, y_label, left, top, plot_w, plot_h, height))
    return _svg(cid, "line", title, description, width, height, parts)


def line_chart_table(
    points: Sequence[tuple[str | date | datetime, Number | None]],
    title: str,
    description: str = "",
    x_label: str = "When",
    y_label: str = "Value",
    *,
    value_format: Callable[[Number | None], str] = format_number,
    **_chart_options: object,
) -> DataTable:
    """Return the line chart's points as rows (label, value), None shown as a dash."""
    rows = tuple((_point_label(label), value_format(v) if v is not None else NO_VALUE) for label, v in points)
    return DataTable(title, (x_label, y_label), rows)


def _point_label(label: str | date | datetime) -> str:
    if isinstance(label, datetime):
        return label.strftime("%Y-%m-%d %H:%M")
    if isinstance(label, date):
        return label.isoformat()
    return str(label)


# Heatmap -----------------------------------------------------------------------------------


def heatmap(
    rows: Sequence[str],
    columns: Sequence[str],
    values: Sequence[Sequence[Number | None]],
    title: str,
    description: str,
    *,
    value_format: Callable[[Number | None], str] = format_percent,
    chart_id: str | None = None,
    cell_width: int = 64,
    cell_height: int = 28,
) -> str:
    """Return a grid of `values` (fractions 0-1, None for no data) coloured by HEAT_SCALE.

    `values[r][c]` belongs to `rows[r]` and `columns[c]`. Each cell prints its value, so
    colour is never the only carrier; a legend below explains the colours.
    """
    _check_grid(rows, columns, values)
    cid = _chart_id(chart_id, title, description)
    row_chars = min(max((len(r) for r in rows), default=0), 28)
    col_chars = min(max((len(c) for c in columns), default=0), 28)
    left = 16 + int(row_chars * 7)
    top = 16 + int(col_chars * 6.5 * math.sin(math.radians(45)))
    grid_w, grid_h = cell_width * len(columns), cell_height * len(rows)
    legend_h = 48
    # A label slanted at 45° reaches right of its column by its length times cos 45°.
    overhang = int(col_chars * 6.5 * math.cos(math.radians(45))) - cell_width // 2 + 16
    width = max(left + grid_w + max(48, overhang), 16 + 6 * 96)
    height = top + grid_h + legend_h + 16
    parts = []
    if not rows or not columns:
        parts.append(_no_data(width, height))
    for c, column in enumerate(columns):
        x, y = left + (c + 0.5) * cell_width, top - 8
        parts.append(
            f'<text class="chart-column" x="{_n(x)}" y="{_n(y)}" transform="rotate(-45 {_n(x)} {_n(y)})" '
            f'fill="{INK}" font-size="12">{_e(_truncate(column, 28))}<title>{_e(column)}</title></text>'
        )
    for r, row in enumerate(rows):
        y = top + r * cell_height
        parts.append(
            f'<text class="chart-row" x="{left - 8}" y="{_n(y + cell_height / 2 + 4)}" text-anchor="end" '
            f'fill="{INK}" font-size="12">{_e(_truncate(row, 28))}<title>{_e(row)}</title></text>'
        )
        for c, column in enumerate(columns):
            value = values[r][c]
            fill, ink = heat_colours(value)
            x = left + c * cell_width
            shown = value_format(value) if value is not None else NO_VALUE
            parts.append(
                f'<rect class="chart-cell" x="{x}" y="{y}" width="{cell_width}" height="{cell_height}" '
                f'fill="{fill}" stroke="{GRID}" stroke-width="1">'
                f"<title>{_e(f'{row}, {column}: {shown}')}</title></rect>"
            )
            parts.append(
                _text(x + cell_width / 2, y + cell_height / 2 + 4, shown, anchor="middle", fill=ink, cls="chart-value")
            )
    parts.append(_heat_legend(16, top + grid_h + 20, value_format))
    return _svg(cid, "heatmap", title, description, width, height, parts)


def heatmap_table(
    rows: Sequence[str],
    columns: Sequence[str],
    values: Sequence[Sequence[Number | None]],
    title: str,
    description: str = "",
    *,
    value_format: Callable[[Number | None], str] = format_percent,
    row_header: str = "Name",
    **_chart_options: object,
) -> DataTable:
    """Return the heatmap as rows: the row name, then each column's value (a dash for none)."""
    _check_grid(rows, columns, values)
    body = tuple(
        (str(row), *(value_format(v) if v is not None else NO_VALUE for v in values[r])) for r, row in enumerate(rows)
    )
    return DataTable(title, (row_header, *map(str, columns)), body)


def heat_colours(value: Number | None) -> tuple[str, str]:
    """Return the (fill, text colour) of a heatmap value (a fraction 0-1, or None)."""
    if value is None:
        return HEAT_EMPTY
    for upper, fill, ink in HEAT_SCALE:
        if value < upper:
            return fill, ink
    return HEAT_SCALE[-1][1:]


def _heat_legend(x: float, y: float, value_format: Callable[[Number | None], str]) -> str:
    parts = ['<g class="chart-legend">']
    lower = 0.0
    for i, (upper, fill, ink) in enumerate(HEAT_SCALE):
        bx = x + i * 96
        label = f"{value_format(lower)}–{value_format(upper)}"
        parts.append(f'<rect x="{_n(bx)}" y="{_n(y)}" width="88" height="22" fill="{fill}" stroke="{GRID}"/>')
        parts.append(_text(bx + 44, y + 15, label, anchor="middle", fill=ink, size=11))
        lower = upper
    bx = x + len(HEAT_SCALE) * 96
    parts.append(f'<rect x="{_n(bx)}" y="{_n(y)}" width="88" height="22" fill="{HEAT_EMPTY[0]}" stroke="{GRID}"/>')
    parts.append(_text(bx + 44, y + 15, f"{NO_VALUE} no data", anchor="middle", fill=HEAT_EMPTY[1], size=11))
    parts.append("</g>")
    return "".join(parts)


def _check_grid(rows: Sequence[str], columns: Sequence[str], values: Sequence[Sequence[Number | None]]) -> None:
    if len(values) != len(rows) or any(len(v) != len(columns) for v in values):
        raise ValueError("values must have one row per row name and one value per column name")


# Shared drawing ----------------------------------------------------------------------------


def _svg(cid: str, kind: str, title: str, description: str, width: int, height: int, parts: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-{kind}" role="img" '
        f'aria-labelledby="{cid}-title {cid}-desc" id="{cid}" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" font-family="{_e(FONT)}" font-size="12">'
        f'<title id="{cid}-title">{_e(title)}</title><desc id="{cid}-desc">{_e(description)}</desc>'
        f'<rect class="chart-background" width="{width}" height="{height}" fill="{BACKGROUND}"/>'
        + "".join(parts)
        + "</svg>"
    )


def _chart_id(chart_id: str | None, title: str, description: str) -> str:
    """Return a safe element id: the one given (cleaned), or one derived from the title and description."""
    if chart_id is None:
        chart_id = "chart-" + hashlib.sha1(f"{title}\n{description}".encode()).hexdigest()[:10]
    cleaned = re.sub(r"[^A-Za-z0-9_-]", "-", chart_id)
    return cleaned if cleaned[:1].isalpha() else f"chart-{cleaned}"


def _text(
    x: float, y: float, text: str, *, anchor: str = "start", size: int = 12, fill: str = INK, cls: str = "chart-text"
) -> str:
    return (
        f'<text class="{cls}" x="{_n(x)}" y="{_n(y)}" text-anchor="{anchor}" fill="{fill}" '
        f'font-size="{size}">{_e(text)}</text>'
    )


def _line(x1: float, y1: float, x2: float, y2: float, colour: str, *, cls: str, dashed: bool = False) -> str:
    dash = ' stroke-dasharray="4 4"' if dashed else ""
    return (
        f'<line class="{cls}" x1="{_n(x1)}" y1="{_n(y1)}" x2="{_n(x2)}" y2="{_n(y2)}" stroke="{colour}" '
        f'stroke-width="1"{dash}/>'
    )


def _axes(left: float, top: float, plot_w: float, plot_h: float) -> str:
    return _line(left, top, left, top + plot_h, INK, cls="chart-axis") + _line(
        left, top + plot_h, left + plot_w, top + plot_h, INK, cls="chart-axis"
    )


def _y_grid(ticks: Sequence[float], left: float, top: float, plot_w: float, plot_h: float, lo: float, hi: float) -> str:
    parts = []
    for tick in ticks:
        if not lo <= tick <= hi:
            continue
        y = top + plot_h - plot_h * (tick - lo) / (hi - lo)
        parts.append(_line(left, y, left + plot_w, y, GRID, cls="chart-grid"))
        parts.append(_text(left - 6, y + 4, format_number(tick), anchor="end", size=11, cls="chart-tick"))
    return "".join(parts)


def _axis_labels(
    x_label: str, y_label: str, left: float, top: float, plot_w: float, plot_h: float, height: float
) -> str:
    x = _text(left + plot_w / 2, height - 10, x_label, anchor="middle", cls="chart-axis-label")
    cy = top + plot_h / 2
    y = (
        f'<text class="chart-axis-label" x="14" y="{_n(cy)}" transform="rotate(-90 14 {_n(cy)})" '
        f'text-anchor="middle" fill="{INK}" font-size="12">{_e(y_label)}</text>'
    )
    return x + y


def _no_data(width: float, height: float) -> str:
    return _text(width / 2, height / 2, "No data yet", anchor="middle", size=14, fill=MUTED, cls="chart-empty")


def _nice_ticks(lo: float, hi: float, *, count: int = 5, integer: bool = False) -> list[float]:
    """Return round tick values from at or below `lo` to at or above `hi` (steps of 1, 2 or 5 x 10^k)."""
    if hi <= lo:
        hi = lo + 1
    raw = (hi - lo) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    multipliers = (1, 2, 5, 10) if integer else (1, 2, 2.5, 5, 10)
    step = next(m * magnitude for m in multipliers if m * magnitude >= raw)
    if integer:
        step = max(1, round(step))
    start = math.floor(lo / step + 1e-9) * step
    ticks = []
    value = start
    while value < hi + step * 1e-9:
        ticks.append(round(value, 10))
        value += step
    if ticks[-1] < hi:
        ticks.append(round(value, 10))
    return ticks


def _checked_range(value_range: tuple[Number, Number]) -> tuple[float, float]:
    lo, hi = map(float, value_range)
    if hi <= lo:
        raise ValueError("a range must go from a smaller to a larger number")
    return lo, hi


def _spread(n: int, most: int) -> set[int]:
    """Return at most `most` evenly spaced indexes of n labels, always the first and the last."""
    if n <= most:
        return set(range(n))
    every = math.ceil((n - 1) / (most - 1))
    chosen = list(range(0, n - 1, every))
    if len(chosen) > 1 and n - 1 - chosen[-1] < every:
        chosen.pop()  # it would crowd the last label
    return {*chosen, n - 1}


def _truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _n(value: float) -> str:
    """Format a coordinate compactly: at most one decimal, no trailing ".0"."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _e(text: object) -> str:
    return escape(str(text), quote=True)
