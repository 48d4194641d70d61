"""Server-rendered SVG charts: well-formed, labelled for assistive technology, escaped, free of inline styles."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime

import pytest

from studyapp.core.charts import (
    BACKGROUND,
    HEAT_EMPTY,
    HEAT_SCALE,
    contrast_ratio,
    format_number,
    format_percent,
    heat_colours,
    heatmap,
    heatmap_table,
    histogram,
    histogram_table,
    line_chart,
    line_chart_table,
    scatter,
    scatter_table,
)

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = "<script>alert(\"x\")</script> & 'quotes'"


def parse(svg):
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    return root


def elements(root, name):
    return root.iter(f"{SVG}{name}")


def all_text(root):
    return " ".join("".join(el.itertext()) for el in elements(root, "text"))


def make_charts(label):
    """One chart of each kind with `label` in every text slot it has."""
    return {
        "histogram": histogram([10, 20, 95], 10, label, label, label, label, value_range=(0, 100)),
        "scatter": scatter([(50, 30, label)], label, label, label, label),
        "line": line_chart([(label, 40), (label, 60)], label, label, label, label),
        "heatmap": heatmap([label], [label], [[0.5]], label, label),
    }


@pytest.mark.parametrize("kind", ["histogram", "scatter", "line", "heatmap"])
def test_charts_are_accessible_images(kind):
    svg = make_charts("Scores")[kind]
    root = parse(svg)
    assert root.get("role") == "img"
    title_id, desc_id = root.get("aria-labelledby").split()
    titles = {el.get("id"): el.text for el in root.iter() if el.tag in (f"{SVG}title", f"{SVG}desc")}
    assert titles[title_id] == "Scores"
    assert titles[desc_id] == "Scores"
    assert root.find(f"{SVG}title").get("id") == title_id
    assert root.find(f"{SVG}desc").get("id") == desc_id
    assert root.get("viewBox")


@pytest.mark.parametrize("kind", ["histogram", "scatter", "line", "heatmap"])
def test_no_script_no_inline_style_nothing_external(kind):
    svg = make_charts(HOSTILE)[kind]
    lowered = svg.lower()
    assert "<script" not in lowered
    assert "style=" not in lowered
    assert "<style" not in lowered
    assert "href" not in lowered
    assert "url(" not in lowered
    assert lowered.count("http") == 1  # the SVG namespace only
    root = parse(svg)
    for el in root.iter():
        assert not any(name.startswith("on") for name in el.attrib)
        assert "style" not in el.attrib


@pytest.mark.parametrize("kind", ["histogram", "scatter", "line", "heatmap"])
def test_hostile_labels_are_escaped_and_kept(kind):
    svg = make_charts(HOSTILE)[kind]
    root = parse(svg)
    assert root.find(f"{SVG}title").text == HOSTILE
    assert root.find(f"{SVG}desc").text == HOSTILE
    # Long labels are shortened in the picture but the start survives, as text.
    assert "<script>" in all_text(root) or "<script>" in "".join(root.itertext())


def test_hostile_chart_id_is_cleaned():
    svg = histogram([1], 1, "t", "d", "x", "y", chart_id='a" onload="alert(1)')
    root = parse(svg)
    assert "onload" not in root.attrib
    assert root.get("id").replace("-", "").isalnum()


def test_each_chart_gets_a_distinct_default_id():
    one = parse(histogram([1], 1, "Scores, quiz 1", "d", "x", "y"))
    two = parse(histogram([1], 1, "Scores, quiz 2", "d", "x", "y"))
    assert one.get("id") != two.get("id")
    assert parse(histogram([1], 1, "t", "d", "x", "y", chart_id="scores")).get("id") == "scores"


def test_histogram_bar_heights_are_proportional():
    values = [5, 15, 15, 35, 35, 35, 35, 100]
    root = parse(histogram(values, 5, "Scores", "d", "Score (%)", "Attempts", value_range=(0, 100)))
    bars = list(elements(root, "rect"))
    bars = [b for b in bars if b.get("class") == "chart-bar"]
    counts = [int(b.get("data-count")) for b in bars]
    # Bins 0-20, 20-40, 40-60, 60-80, 80-100 (the last holds 100).
    assert counts == [3, 4, 0, 0, 1]
    heights = [float(b.get("height")) for b in bars]
    assert heights[2] == heights[3] == 0
    assert heights[0] / heights[1] == pytest.approx(3 / 4, abs=0.01)
    assert heights[4] / heights[1] == pytest.approx(1 / 4, abs=0.01)
    # Bars stand on the same baseline.
    bottoms = {round(float(b.get("y")) + float(b.get("height")), 1) for b in bars}
    assert len(bottoms) == 1


def test_histogram_table_has_the_same_numbers():
    table = histogram_table(
        [5, 15, 15, 35, None],
        5,
        "Scores",
        x_label="Score (%)",
        y_label="Attempts",
        value_range=(0, 100),
        chart_id="ignored",
    )
    assert table.caption == "Scores"
    assert table.headers == ("Score (%)", "Attempts")
    assert table.rows == (("0–20", "3"), ("20–40", "1"), ("40–60", "0"), ("60–80", "0"), ("80–100", "0"))


def test_histogram_with_edges_and_out_of_range_values():
    table = histogram_table([-5, 0, 49.9, 50, 100, 120], [0, 50, 100], "t")
    assert table.rows == (("0–50", "3"), ("50–100", "3"))
    with pytest.raises(ValueError):
        histogram_table([1], [5, 5], "t")
    with pytest.raises(ValueError):
        histogram_table([1], 0, "t")


@pytest.mark.parametrize("values", [[], [None]])
def test_empty_histogram(values):
    root = parse(histogram(values, 10, "Scores", "No attempts yet", "Score", "Count"))
    assert "No data yet" in all_text(root)
    assert histogram_table(values, 10, "Scores").rows == ()
    # With a fixed range the empty bins still show.
    assert len(histogram_table(values, 4, "Scores", value_range=(0, 100)).rows) == 4


def test_histogram_of_identical_values():
    assert histogram_table([3, 3, 3], 2, "t").rows == (("2.5–3", "0"), ("3–3.5", "3"))


def test_scatter_places_points_on_the_axes():
    points = [(0, -100, "Q1"), (100, 100, "Q2"), (50, 0, "Q3"), (40, None, "Q4"), (150, 500, "Q5")]
    root = parse(
        scatter(points, "Items", "Facility against discrimination", "Facility (%)", "Discrimination (%)", y_guides=[20])
    )
    circles = {
        c.find(f"{SVG}title").text.split(":")[0]: (float(c.get("cx")), float(c.get("cy")))
        for c in elements(root, "circle")
    }
    assert set(circles) == {"Q1", "Q2", "Q3", "Q5"}
    (x1, y1), (x2, y2), (x3, y3) = circles["Q1"], circles["Q2"], circles["Q3"]
    assert x1 < x3 < x2
    assert y2 < y3 < y1  # SVG y grows downwards
    assert x3 == pytest.approx((x1 + x2) / 2)
    assert y3 == pytest.approx((y1 + y2) / 2)
    assert circles["Q5"] == circles["Q2"]  # clamped to the corner
    assert any(line.get("class") == "chart-guide" for line in elements(root, "line"))
    table = scatter_table(points, "Items", x_label="Facility (%)", y_label="Discrimination (%)")
    assert table.headers == ("Item", "Facility (%)", "Discrimination (%)")
    assert table.rows[3] == ("Q4", "40", "—")


def test_empty_scatter():
    root = parse(scatter([], "Items", "none", "x", "y"))
    assert "No data yet" in all_text(root)
    assert scatter_table([], "Items").rows == ()


def test_line_chart_breaks_at_missing_values():
    points = [(date(2025, 1, d), v) for d, v in [(1, 40), (2, 55), (3, None), (4, 70), (5, 90)]]
    root = parse(line_chart(points, "Trend", "Scores over time", "Date", "Score (%)"))
    lines = list(elements(root, "polyline"))
    assert len(lines) == 2
    assert len(list(elements(root, "circle"))) == 4
    ys = [float(c.get("cy")) for c in elements(root, "circle")]
    assert ys == sorted(ys, reverse=True)  # rising scores climb the picture
    table = line_chart_table(points, "Trend", x_label="Date", y_label="Score (%)")
    assert table.rows[0] == ("2025-01-01", "40")
    assert table.rows[2] == ("2025-01-03", "—")


def test_line_chart_single_point_datetimes_and_fitted_range():
    when = datetime(2025, 1, 1, 9, 30, tzinfo=UTC)
    root = parse(line_chart([(when, 7)], "Trend", "d", "x", "y", y_range=None))
    assert len(list(elements(root, "circle"))) == 1
    assert "2025-01-01 09:30" in all_text(root)
    assert "No data yet" in all_text(parse(line_chart([], "Trend", "d", "x", "y")))
    assert "No data yet" in all_text(parse(line_chart([("a", None)], "Trend", "d", "x", "y")))


def test_heatmap_prints_values_and_colours_them():
    rows = ["Ada", "Ben"]
    columns = ["Linkage", "Détente and its decline"]
    values = [[0.1, 0.85], [None, 0.5]]
    root = parse(heatmap(rows, columns, values, "Class mastery", "Mastery by student and theme"))
    cells = [c for c in elements(root, "rect") if c.get("class") == "chart-cell"]
    assert len(cells) == 4
    assert [c.get("fill") for c in cells] == [heat_colours(v)[0] for v in (0.1, 0.85, None, 0.5)]
    text = all_text(root)
    for shown in ("10%", "85%", "50%", "—", "Ada", "Ben", "Linkage"):
        assert shown in text
    table = heatmap_table(rows, columns, values, "Class mastery", row_header="Student")
    assert table.headers == ("Student", "Linkage", "Détente and its decline")
    assert table.rows == (("Ada", "10%", "85%"), ("Ben", "—", "50%"))


def test_heatmap_text_contrast_is_at_least_4_5():
    for _, fill, ink in HEAT_SCALE:
        assert contrast_ratio(ink, fill) >= 4.5, fill
    assert contrast_ratio(HEAT_EMPTY[1], HEAT_EMPTY[0]) >= 4.5
    root = parse(heatmap(["a"], [f"t{i}" for i in range(6)], [[0, 0.2, 0.4, 0.6, 0.8, 1]], "t", "d"))
    fills = {c.get("fill") for c in elements(root, "rect") if c.get("class") == "chart-cell"}
    assert len(fills) == 5
    for text in elements(root, "text"):
        if text.get("class") == "chart-value":
            x, y = float(text.get("x")), float(text.get("y"))
            cell = next(
                c
                for c in elements(root, "rect")
                if c.get("class") == "chart-cell"
                and float(c.get("x")) <= x <= float(c.get("x")) + float(c.get("width"))
                and float(c.get("y")) <= y <= float(c.get("y")) + float(c.get("height"))
            )
            assert contrast_ratio(text.get("fill"), cell.get("fill")) >= 4.5


def test_heat_colours_bands():
    assert heat_colours(0) == HEAT_SCALE[0][1:]
    assert heat_colours(0.79) == HEAT_SCALE[3][1:]
    assert heat_colours(0.8) == HEAT_SCALE[4][1:]
    assert heat_colours(1) == HEAT_SCALE[4][1:]
    assert heat_colours(None) == HEAT_EMPTY


def test_empty_and_mismatched_heatmaps():
    root = parse(heatmap([], [], [], "Class mastery", "No students yet"))
    assert "No data yet" in all_text(root)
    assert heatmap_table([], ["Linkage"], [], "t").rows == ()
    with pytest.raises(ValueError):
        heatmap(["a"], ["b", "c"], [[0.5]], "t", "d")


def test_formats():
    assert format_number(3.0) == "3"
    assert format_number(3.14159) == "3.1"
    assert format_number(None) == "—"
    assert format_percent(0.734) == "73%"
    assert format_percent(None) == "—"
    assert contrast_ratio("#000000", BACKGROUND) == pytest.approx(21)


def test_long_trends_label_only_some_points():
    points = [(f"Attempt {i}", i) for i in range(1, 31)]
    root = parse(line_chart(points, "Trend", "d", "Attempt", "Score"))
    ticks = [t.text for t in elements(root, "text") if t.get("class") == "chart-tick" and t.text.startswith("Att")]
    assert len(ticks) <= 8
    assert ticks[0] == "Attempt 1"
    assert ticks[-1] == "Attempt 30"
    assert len(line_chart_table(points, "Trend").rows) == 30
