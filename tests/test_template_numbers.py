"""No template formats a number by itself: points, scores and percentages go through the filters of
`studyapp.core.numbers` (`points`, `score`, `percent`, `number`, `plain_number`), never through
rounding, `%` or `format` strings, `|int`, `|string` or string surgery such as `replace('.0', '')`
(which printed 8.08 as "88"), and never bare ("11.0", "0.30000000000000004").

Each template is read with Jinja's own parser, so the checks see expressions, not text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from jinja2 import Environment, nodes

ROOT = Path(__file__).resolve().parents[1] / "studyapp"
TEMPLATES = sorted(ROOT.glob("**/templates/**/*.html"))
#: The number filters (studyapp.web.formatting).
NUMBER_FILTERS = frozenset({"points", "score", "percent", "number", "plain_number"})
#: Filters that turn a number into text by hand.
HAND_FILTERS = frozenset({"round", "int", "float", "string", "format", "filesizeformat"})
#: Filters whose output is text, not a number to format (Markdown, a list joined, a length, a macro's HTML).
TEXT_FILTERS = frozenset({"markdown", "safe", "e", "escape", "join", "length", "count", "upper", "lower", "capitalize"})
#: Attribute and variable names that hold points, scores, percentages or statistics.
NUMERIC_NAMES = frozenset(
    {
        "score",
        "max_score",
        "points",
        "fraction",
        "percent",
        "top_percent",
        "bottom_percent",
        "mean",
        "median",
        "sd",
        "sem",
        "skewness",
        "kurtosis",
        "alpha",
        "error_ratio",
        "facility",
        "discrimination",
        "efficiency",
        "final",
        "answer",
        "minimum",
        "maximum",
        "tolerance",
    }
)
ARITHMETIC = (nodes.Add, nodes.Sub, nodes.Mul, nodes.Div, nodes.FloorDiv, nodes.Mod, nodes.Pow)
ENVIRONMENT = Environment()


def parsed(path: Path) -> nodes.Template:
    return ENVIRONMENT.parse(path.read_text(encoding="utf-8"), name=str(path))


def where(path: Path, node: nodes.Node) -> str:
    return f"{path.relative_to(ROOT)}:{node.lineno}"


def numeric_name(node: nodes.Node) -> str | None:
    """The number a bare name or attribute names (`row.score`, `total`), else None."""
    if isinstance(node, nodes.Getattr) and node.attr in NUMERIC_NAMES:
        return node.attr
    if isinstance(node, nodes.Name) and node.name in NUMERIC_NAMES:
        return node.name
    return None


def bare_numbers(node: nodes.Node) -> Iterator[nodes.Node]:
    """The parts of a printed expression that print a number unformatted."""
    if isinstance(node, nodes.CondExpr):  # `a if test else b` prints a or b
        yield from bare_numbers(node.expr1)
        if node.expr2 is not None:
            yield from bare_numbers(node.expr2)
    elif isinstance(node, nodes.Filter):
        if node.name in NUMBER_FILTERS or node.name in TEXT_FILTERS:
            return
        if node.node is not None:
            yield from bare_numbers(node.node)
    elif isinstance(node, ARITHMETIC):
        if any(numeric_name(n) for n in (node, *node.find_all((nodes.Getattr, nodes.Name)))):
            yield node
    elif numeric_name(node):
        yield node


def _decimal_zeros(args: list[nodes.Expr]) -> bool:
    """Whether a replace() starts by replacing ".0" (or ".00"): cutting zeros out of a number's text."""
    first = args[0] if args else None
    return isinstance(first, nodes.Const) and isinstance(first.value, str) and bool(re.fullmatch(r"\.0+", first.value))


def by_hand(node: nodes.Node) -> Iterator[tuple[nodes.Node, str]]:
    """Every place in a template that formats a number by hand, with what it does."""
    for found in node.find_all(nodes.Filter):
        if found.name in HAND_FILTERS:
            yield found, f"|{found.name}"
        if found.name == "replace" and _decimal_zeros(found.args):
            yield found, "|replace('.0', …)"
    for call in node.find_all(nodes.Call):
        if isinstance(call.node, nodes.Name) and call.node.name == "round":
            yield call, "round()"
        if isinstance(call.node, nodes.Getattr) and call.node.attr == "format":
            yield call, ".format()"
        if isinstance(call.node, nodes.Getattr) and call.node.attr == "replace" and _decimal_zeros(call.args):
            yield call, ".replace('.0', …)"
    for mod in node.find_all(nodes.Mod):
        if isinstance(mod.left, nodes.Const) and isinstance(mod.left.value, str):
            yield mod, f"{mod.left.value!r} % …"


def test_there_are_templates_to_scan():
    assert len(TEMPLATES) > 40
    assert {"gradebook.html", "index.html", "_macros.html", "result.html"} <= {path.name for path in TEMPLATES}


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda path: str(path.relative_to(ROOT)))
def test_no_template_formats_a_number_by_hand(path):
    tree = parsed(path)
    found = [f"{where(path, node)}: {what}" for node, what in by_hand(tree)]
    text = path.read_text(encoding="utf-8")
    found += [
        f"{path.relative_to(ROOT)}:{text.count(chr(10), 0, match.start()) + 1}: a percent sign typed after a value"
        for match in re.finditer(r"\}\}\s*%", text)
    ]
    assert not found, "\n".join(found)


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda path: str(path.relative_to(ROOT)))
def test_every_number_a_template_prints_goes_through_a_number_filter(path):
    bare = [
        f"{where(path, node)}: {node}"
        for output in parsed(path).find_all(nodes.Output)
        for child in output.nodes
        if not isinstance(child, nodes.TemplateData)
        for node in bare_numbers(child)
    ]
    assert not bare, "numbers printed without a number filter:\n" + "\n".join(bare)


@pytest.mark.parametrize(
    ("snippet", "caught"),
    [
        ("{{ score|round(2)|string|replace('.0', '') }}", ["|replace('.0', …)", "|round", "|string"]),
        ("{{ score.replace('.00', '') }}", [".replace('.0', …)"]),
        ("{{ '%.2f'|format(score) }}", ["|format"]),
        ("{{ '%d' % score }}", ["'%d' % …"]),
        ("{{ (score * 100)|int }}", ["|int"]),
        ("{{ '{:.1f}'.format(score) }}", [".format()"]),
        ("{{ round(score, 1) }}", ["round()"]),
        ("{{ score|points }}", []),
        ("{{ title|replace(' ', '-') }}", []),
        ("{{ moment.strftime('%d %b %Y, %H:%M') }}", []),
    ],
)
def test_the_scan_recognises_formatting_by_hand(snippet, caught):
    assert sorted(what for _, what in by_hand(ENVIRONMENT.parse(snippet))) == sorted(caught)


@pytest.mark.parametrize(
    ("snippet", "bare"),
    [
        ("{{ row.score }}", True),
        ("{{ attempt.score / attempt.max_score }}", True),
        ("{{ final if final else '—' }}", True),
        ("{{ row.score|score(row.max_score) }}", False),
        ("{{ (attempt.score / attempt.max_score)|percent }}", False),
        ("{{ (value / 100)|percent if value is not none else '—' }}", False),
        ("{{ question.current_number + 1 }}", False),
        ("{{ row.attempts_left }}", False),
    ],
)
def test_the_scan_recognises_a_number_printed_bare(snippet, bare):
    [output] = ENVIRONMENT.parse(snippet).find_all(nodes.Output)
    assert any(True for child in output.nodes for _ in bare_numbers(child)) is bare
