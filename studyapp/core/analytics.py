"""Item statistics for a quiz and grading policies: plain data in, plain data out.

The definitions follow Moodle's quiz statistics report (classical test theory), so an
instructor who knows that report reads the same numbers here; docs/statistics.md gives
every formula in plain words. Variances and covariances divide by n - 1, as Moodle's do.

Units: test-level figures (mean, median, standard deviation, standard error) are in
points, with `*_percent` properties of the maximum; Cronbach's alpha and the error ratio
are fractions (0-1); every per-item figure (facility, standard deviation, discrimination
index, discriminative efficiency, choice shares) is a percentage, as Moodle shows them.
A statistic that cannot be computed (no attempts, one attempt, no variance) is None,
never NaN and never an exception.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from statistics import median as _median

from studyapp.core import numbers

HIGHEST, LATEST, AVERAGE = "highest", "latest", "average"
#: How a student's grade is drawn from several graded attempts.
GRADING_POLICIES = (HIGHEST, LATEST, AVERAGE)

#: Fewer attempts than this and every item carries the "too few attempts" flag.
MIN_ATTEMPTS = 5
#: Facility (%) under which an item is flagged as one few students got right.
LOW_FACILITY = 20.0
#: Facility (%) at or over which an item is flagged as one almost everyone got right.
HIGH_FACILITY = 90.0
#: Discriminative efficiency (%) under which Moodle marks a question as dubious.
LOW_EFFICIENCY = 15.0

#: Decimal places kept when scores are subtracted or divided, so that equal scores stay
#: equal (0.3 - 0.1 is not 0.2 in binary floating point) and "no variance" is detected.
_PLACES = 9


@dataclass(frozen=True)
class ItemScore:
    """One question of one attempt: the points earned, the points possible, the options picked."""

    score: float
    max_score: float
    #: Option ids picked ("a", "b", ...); several for a multiple-answer question, none if unanswered.
    chosen: tuple[str, ...] = ()


@dataclass(frozen=True)
class AttemptScores:
    """One attempt: its items keyed by question (or by position when questions are drawn)."""

    items: Mapping[str, ItemScore]
    #: The attempt's total; None means the sum of the item scores (the usual case).
    total: float | None = None

    @property
    def score(self) -> float:
        return self.total if self.total is not None else math.fsum(i.score for i in self.items.values())

    @property
    def max_score(self) -> float:
        return math.fsum(i.max_score for i in self.items.values())


@dataclass(frozen=True)
class Flag:
    """A plain-language warning about an item; `code` is stable, `text` is for people."""

    code: str
    text: str


@dataclass(frozen=True)
class ChoiceFrequency:
    """How often one option was picked, overall and by the top and bottom thirds of the class."""

    option: str
    #: Attempts that picked this option.
    count: int
    #: `count` as a percentage of the attempts that had this item.
    percent: float
    #: Percentage of the top third (by total score) that picked it; None with fewer than 3 attempts.
    top_percent: float | None
    #: Percentage of the bottom third that picked it; None with fewer than 3 attempts.
    bottom_percent: float | None


@dataclass(frozen=True)
class ItemStats:
    """Moodle's statistics for one item, over the attempts that had it."""

    key: str
    attempts: int
    #: Mean score as a percentage of the maximum.
    facility: float | None
    #: Standard deviation of the score as a percentage of the maximum.
    sd: float | None
    #: Pearson correlation (x100) of the item score with the score on the rest of the test.
    discrimination: float | None
    #: Covariance of item and rest divided by the largest covariance their distributions allow (x100).
    efficiency: float | None
    choices: tuple[ChoiceFrequency, ...] = ()
    flags: tuple[Flag, ...] = ()


@dataclass(frozen=True)
class OverallStats:
    """Statistics of the attempt totals: the test as a whole."""

    attempts: int
    #: Number of distinct items seen across the attempts.
    items: int
    #: The maximum every attempt shares; None if attempts differ (or there are none).
    max_score: float | None
    mean: float | None
    median: float | None
    sd: float | None
    skewness: float | None
    kurtosis: float | None
    #: Cronbach's alpha (KR-20 when every item is scored 0/1), as a fraction; Moodle's CIC / 100.
    alpha: float | None
    #: sqrt(1 - alpha): the share of the spread that is measurement error.
    error_ratio: float | None
    #: Standard error of measurement, in points: sd * error_ratio.
    sem: float | None

    def percent(self, points: float | None) -> float | None:
        """Return `points` as a percentage of the shared maximum, or None."""
        if points is None or not self.max_score:
            return None
        return 100 * points / self.max_score

    @property
    def mean_percent(self) -> float | None:
        return self.percent(self.mean)

    @property
    def median_percent(self) -> float | None:
        return self.percent(self.median)

    @property
    def sd_percent(self) -> float | None:
        return self.percent(self.sd)


@dataclass(frozen=True)
class Analysis:
    overall: OverallStats
    #: Items named in `options` first (in that order), then the others as first met in the attempts.
    items: tuple[ItemStats, ...] = field(default=())


def analyse(attempts: Sequence[AttemptScores], options: Mapping[str, Sequence[str]] | None = None) -> Analysis:
    """Return the test-level and per-item statistics of `attempts`.

    `options` lists each choice item's option ids, so an option nobody picked still shows
    with a count of 0; options picked but not listed are added after the listed ones.
    """
    return Analysis(overall_stats(attempts), tuple(item_stats(attempts, options)))


def overall_stats(attempts: Sequence[AttemptScores]) -> OverallStats:
    """Return the statistics of the attempt totals, with Cronbach's alpha when it is defined."""
    n = len(attempts)
    totals = [a.score for a in attempts]
    maxima = {round(a.max_score, _PLACES) for a in attempts}
    keys = {key for a in attempts for key in a.items}
    mean = math.fsum(totals) / n if n else None
    sd = skewness = kurtosis = alpha = error_ratio = sem = None
    if n > 1:
        variance = _variance(totals)
        sd = math.sqrt(variance)
        skewness, kurtosis = _shape(totals)
        alpha = cronbach_alpha([{k: i.score for k, i in a.items.items()} for a in attempts], totals)
        if alpha is not None:
            error_ratio = math.sqrt(1 - alpha)
            sem = sd * error_ratio
    return OverallStats(
        attempts=n,
        items=len(keys),
        max_score=maxima.pop() if len(maxima) == 1 else None,
        mean=mean,
        median=_median(totals) if n else None,
        sd=sd,
        skewness=skewness,
        kurtosis=kurtosis,
        alpha=alpha,
        error_ratio=error_ratio,
        sem=sem,
    )


def cronbach_alpha(item_scores: Sequence[Mapping[str, float]], totals: Sequence[float] | None = None) -> float | None:
    """Return Cronbach's alpha: k/(k-1) * (1 - sum of item variances / variance of totals).

    Each element of `item_scores` is one attempt's scores by item. Alpha needs every attempt
    to have the same k >= 2 items, at least two attempts and totals that vary; otherwise None.
    With 0/1 items this is KR-20 (an item's variance is then p(1 - p) * n/(n - 1)).
    """
    n = len(item_scores)
    if n < 2:
        return None
    keys = set(item_scores[0])
    if len(keys) < 2 or any(set(scores) != keys for scores in item_scores):
        return None
    if totals is None:
        totals = [math.fsum(scores.values()) for scores in item_scores]
    if _constant(totals):
        return None
    k = len(keys)
    item_variance = math.fsum(_variance([scores[key] for scores in item_scores]) for key in keys)
    alpha = k / (k - 1) * (1 - item_variance / _variance(totals))
    return min(alpha, 1.0)


def item_stats(
    attempts: Sequence[AttemptScores], options: Mapping[str, Sequence[str]] | None = None
) -> list[ItemStats]:
    """Return the statistics of every item: those named in `options` first, then as met in `attempts`."""
    options = options or {}
    keys = list(dict.fromkeys([*options, *(key for a in attempts for key in a.items)]))
    return [_one_item(key, attempts, options.get(key, ())) for key in keys]


def _one_item(key: str, attempts: Sequence[AttemptScores], listed: Sequence[str]) -> ItemStats:
    """Return the statistics of the item `key` over the attempts that had it (with a positive maximum)."""
    seen = [(a, a.items[key]) for a in attempts if key in a.items and a.items[key].max_score > 0]
    n = len(seen)
    # The item's score as a fraction of its maximum, so versions worth different points compare.
    fractions = [round(item.score / item.max_score, _PLACES) for _, item in seen]
    rests = [round(a.score - item.score, _PLACES) for a, item in seen]
    facility = sd = discrimination = efficiency = None
    if n:
        facility = 100 * math.fsum(fractions) / n
    if n > 1:
        sd = 100 * math.sqrt(_variance(fractions))
        if not (_constant(fractions) or _constant(rests)):
            covariance = _covariance(fractions, rests)
            r = covariance / math.sqrt(_variance(fractions) * _variance(rests))
            discrimination = _clean(100 * max(-1.0, min(1.0, r)))
            # The largest covariance these two distributions allow pairs the sorted values.
            efficiency = _clean(100 * covariance / _covariance(sorted(fractions), sorted(rests)))
    choices = _choice_frequencies(seen, listed)
    stats = ItemStats(key, n, facility, sd, discrimination, efficiency, choices)
    return replace(stats, flags=tuple(flags_for(stats)))


def _choice_frequencies(
    seen: list[tuple[AttemptScores, ItemScore]], listed: Sequence[str]
) -> tuple[ChoiceFrequency, ...]:
    """Count each option's pickers overall and in the top and bottom thirds by total score."""
    picked = [opt for _, item in seen for opt in item.chosen]
    order = list(dict.fromkeys([*listed, *sorted(set(picked) - set(listed))]))
    if not order or not seen:
        return ()
    n = len(seen)
    # Stable sort: ties at a third's boundary keep the order the attempts were given in.
    ranked = sorted(seen, key=lambda pair: pair[0].score, reverse=True)
    third = n // 3
    top, bottom = ranked[:third], ranked[n - third :]
    result = []
    for option in order:
        count = sum(option in item.chosen for _, item in seen)
        result.append(
            ChoiceFrequency(
                option=option,
                count=count,
                percent=100 * count / n,
                top_percent=_share(option, top),
                bottom_percent=_share(option, bottom),
            )
        )
    return tuple(result)


def _share(option: str, group: list[tuple[AttemptScores, ItemScore]]) -> float | None:
    if not group:
        return None
    return 100 * sum(option in item.chosen for _, item in group) / len(group)


def flags_for(stats: ItemStats) -> list[Flag]:
    """Return the plain-language warnings an item's statistics call for."""
    flags = []
    if stats.attempts < MIN_ATTEMPTS:
        flags.append(
            Flag(
                "few-attempts",
                f"Too few attempts ({stats.attempts}, fewer than {MIN_ATTEMPTS}) for reliable statistics",
            )
        )
    facility = stats.facility
    if facility is not None:
        if facility >= 100:
            flags.append(Flag("all-correct", "Everyone got this right: it does not tell students apart"))
        elif facility <= 0:
            flags.append(Flag("none-correct", "Nobody got this right: check the answer key and the wording"))
        elif stats.sd == 0:
            flags.append(
                Flag(
                    "same-score",
                    f"Everyone scored the same ({_pc(facility)} of the marks): it does not tell students apart",
                )
            )
        elif facility < LOW_FACILITY:
            flags.append(Flag("hard", f"Few students got this right (facility {_pc(facility)})"))
        elif facility >= HIGH_FACILITY:
            flags.append(Flag("easy", f"Almost everyone got this right (facility {_pc(facility)})"))
    if stats.discrimination is not None and stats.discrimination < 0:
        flags.append(
            Flag(
                "negative-discrimination",
                "Strong students got this wrong more often than weak ones "
                f"(negative discrimination, {_pc(stats.discrimination)}): check the answer key",
            )
        )
    elif stats.efficiency is not None and stats.efficiency < LOW_EFFICIENCY:
        flags.append(
            Flag(
                "low-efficiency",
                f"Discriminative efficiency under {_pc(LOW_EFFICIENCY)} ({_pc(stats.efficiency)}): "
                "this question hardly separates stronger from weaker students",
            )
        )
    return flags


def final_score(scores: Sequence[float], policy: str) -> float | None:
    """Return the grade drawn from graded attempt scores (oldest first) by `policy`; None if none."""
    if policy not in GRADING_POLICIES:
        raise ValueError(f"unknown grading policy {policy!r}; expected one of {', '.join(GRADING_POLICIES)}")
    if not scores:
        return None
    if policy == HIGHEST:
        return max(scores)
    if policy == LATEST:
        return scores[-1]
    return math.fsum(scores) / len(scores)


def _pc(value: float) -> str:
    """Format a percentage for a flag: whole numbers, one decimal under 1 so 0.4% is not "0%"."""
    return numbers.percent(value / 100, 1 if 0 < abs(value) < 1 else 0)


def _clean(value: float) -> float:
    """Round away floating-point dust (and -0.0), so a zero correlation reads as zero."""
    return round(value, _PLACES) + 0.0


def _constant(values: Iterable[float]) -> bool:
    return len({round(v, _PLACES) for v in values}) <= 1


def _variance(values: Sequence[float]) -> float:
    """Return the sample variance (divided by n - 1) of at least two values."""
    return _covariance(values, values)


def _covariance(xs: Sequence[float], ys: Sequence[float]) -> float:
    """Return the sample covariance (divided by n - 1) of two equally long sequences."""
    if _constant(xs) or _constant(ys):
        return 0.0
    n = len(xs)
    mx, my = math.fsum(xs) / n, math.fsum(ys) / n
    return math.fsum((x - mx) * (y - my) for x, y in zip(xs, ys)) / (n - 1)


def _shape(values: Sequence[float]) -> tuple[float | None, float | None]:
    """Return skewness (n > 2) and excess kurtosis (n > 3) from k-statistics, as Moodle does."""
    n = len(values)
    if n < 3 or _constant(values):
        return None, None
    mean = math.fsum(values) / n
    m2, m3, m4 = (math.fsum((v - mean) ** p for v in values) / n for p in (2, 3, 4))
    k2 = n * m2 / (n - 1)
    k3 = n * n * m3 / ((n - 1) * (n - 2))
    skewness = k3 / k2**1.5
    if n < 4:
        return skewness, None
    k4 = n * n * ((n + 1) * m4 - 3 * (n - 1) * m2 * m2) / ((n - 1) * (n - 2) * (n - 3))
    return skewness, k4 / (k2 * k2)
