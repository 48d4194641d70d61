"""Moments and time zones (studyapp.core.moments): no app needed."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from studyapp.core.moments import (
    DEFAULT_ZONE,
    NonexistentTime,
    abbreviation,
    clock_text,
    day_text,
    is_zone,
    moment_text,
    to_local,
    to_utc,
    zone,
    zone_names,
)

PARIS = zone("Europe/Paris")


def test_the_zone_list_is_sorted_and_holds_only_choosable_zones():
    names = zone_names()
    assert list(names) == sorted(names)
    assert "Europe/Paris" in names and "America/Chicago" in names and DEFAULT_ZONE in names
    assert "localtime" not in names and "Factory" not in names


@pytest.mark.parametrize("name", ["Europe/Paris", "UTC", "Asia/Kolkata"])
def test_known_names_are_zones(name):
    assert is_zone(name)
    assert zone(name).key == name


@pytest.mark.parametrize("name", [None, "", "Mars/Olympus", "europe/paris ", "../etc/passwd", "localtime"])
def test_anything_else_is_not_a_zone_and_means_utc(name):
    assert not is_zone(name)
    assert zone(name).key == "UTC"


def test_a_winter_time_in_paris_is_an_hour_ahead_of_utc():
    assert to_utc(datetime(2026, 12, 5, 15, 30), PARIS) == datetime(2026, 12, 5, 14, 30, tzinfo=UTC)


def test_a_summer_time_in_paris_is_two_hours_ahead_of_utc():
    assert to_utc(datetime(2026, 7, 14, 9, 0), PARIS) == datetime(2026, 7, 14, 7, 0, tzinfo=UTC)


def test_a_time_the_clocks_skip_is_refused_with_a_message_saying_so():
    # 29 March 2026: Paris goes from 02:00 CET straight to 03:00 CEST.
    with pytest.raises(NonexistentTime) as caught:
        to_utc(datetime(2026, 3, 29, 2, 30), PARIS)
    assert "29 Mar 2026, 02:30 does not exist in Europe/Paris" in str(caught.value)
    assert to_utc(datetime(2026, 3, 29, 3, 0), PARIS) == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)


def test_a_time_the_clocks_repeat_means_its_first_occurrence():
    # 25 October 2026: Paris goes from 03:00 CEST back to 02:00 CET; 02:30 happens twice.
    first = to_utc(datetime(2026, 10, 25, 2, 30), PARIS)
    assert first == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert moment_text(first, PARIS) == "25 Oct 2026, 02:30 CEST"
    assert moment_text(first + timedelta(hours=1), PARIS) == "25 Oct 2026, 02:30 CET"


def test_a_stored_moment_shows_on_the_zone_clock():
    moment = datetime(2026, 12, 5, 14, 30, tzinfo=UTC)
    assert moment_text(moment, PARIS) == "5 Dec 2026, 15:30 CET"
    assert moment_text(moment, zone("UTC")) == "5 Dec 2026, 14:30 UTC"
    assert clock_text(moment, PARIS) == "15:30 CET"
    assert to_local(moment, PARIS) == datetime(2026, 12, 5, 15, 30)


def test_the_day_is_the_day_in_the_zone():
    late = datetime(2026, 12, 5, 23, 30, tzinfo=UTC)
    assert day_text(late, zone("UTC")) == "5 Dec 2026"
    assert day_text(late, PARIS) == "6 Dec 2026"


def test_a_zone_with_only_an_offset_is_named_by_it():
    moment = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
    assert abbreviation(moment, zone("Asia/Dubai")) == "UTC+04"
    assert moment_text(moment, zone("America/Sao_Paulo")) == "5 Dec 2026, 09:00 UTC-03"
    assert abbreviation(moment, zone("Asia/Kolkata")) == "IST"


def test_a_naive_moment_is_taken_as_utc():
    assert moment_text(datetime(2026, 12, 5, 14, 30), PARIS) == "5 Dec 2026, 15:30 CET"


@given(
    st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2060, 1, 1)),
    st.sampled_from(["Europe/Paris", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata", "UTC"]),
)
def test_a_moment_shown_in_a_zone_and_typed_back_is_the_same_moment_to_the_minute(naive, name):
    where = zone(name)
    moment = naive.replace(second=0, microsecond=0, tzinfo=UTC)
    local = to_local(moment, where)
    back = to_utc(local, where)
    # A repeated wall-clock time reads back as its first occurrence: the same moment or the one an
    # hour (half an hour at Lord Howe) earlier, never a different wall-clock time.
    assert back == moment or (timedelta(0) < moment - back <= timedelta(hours=1) and to_local(back, where) == local)


def test_the_zones_are_there_without_the_systems_zone_database():
    """A server without /usr/share/zoneinfo (a slim container) reads the `tzdata` package instead."""
    script = (
        "import zoneinfo; from studyapp.core import moments; "
        "assert zoneinfo.TZPATH == (); assert moments.is_zone('Europe/Paris'); print(len(moments.zone_names()))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], env={"PYTHONTZPATH": ""}, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) > 400
