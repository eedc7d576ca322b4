from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from triage.timeparse import format_time, parse_duration, parse_time, resolve_tz

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=timezone.utc)
UTC = timezone.utc


@pytest.mark.parametrize(
    "text, expected",
    [
        ("now", datetime(2026, 11, 26, 12, 0, tzinfo=UTC)),
        ("now-45m", datetime(2026, 11, 26, 11, 15, tzinfo=UTC)),
        ("NOW - 2h", datetime(2026, 11, 26, 10, 0, tzinfo=UTC)),
        ("-2h", datetime(2026, 11, 26, 10, 0, tzinfo=UTC)),
        ("now+1h", datetime(2026, 11, 26, 13, 0, tzinfo=UTC)),
        ("now-1h30m", datetime(2026, 11, 26, 10, 30, tzinfo=UTC)),
        ("-1d", datetime(2026, 11, 25, 12, 0, tzinfo=UTC)),
    ],
)
def test_relative_times_count_from_now(text, expected):
    assert parse_time(text, now=NOW) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2026-11-26T14:02:00Z", datetime(2026, 11, 26, 14, 2, tzinfo=UTC)),
        ("2026-11-26T15:02:00+01:00", datetime(2026, 11, 26, 14, 2, tzinfo=UTC)),
        ("2026-11-26 14:02", datetime(2026, 11, 26, 14, 2, tzinfo=UTC)),
        ("2026-11-26 14:02:03,250", datetime(2026, 11, 26, 14, 2, 3, 250000, tzinfo=UTC)),
        ("2026/11/26 14:02:00", datetime(2026, 11, 26, 14, 2, tzinfo=UTC)),
        ("Thu, 26 Nov 2026 14:02:00 GMT", datetime(2026, 11, 26, 14, 2, tzinfo=UTC)),
        ("26/Nov/2026:15:02:00 +0100", datetime(2026, 11, 26, 14, 2, tzinfo=UTC)),
        ("14:02", datetime(2026, 11, 26, 14, 2, tzinfo=UTC)),
        ("1764165720", datetime(2025, 11, 26, 14, 2, tzinfo=UTC)),
        ("1764165720500", datetime(2025, 11, 26, 14, 2, 0, 500000, tzinfo=UTC)),
    ],
)
def test_absolute_times_and_epochs(text, expected):
    assert parse_time(text, now=NOW) == expected


def test_naive_times_are_read_in_the_given_zone():
    assert parse_time("2026-11-26 15:02", tz="Europe/Berlin") == datetime(2026, 11, 26, 14, 2, tzinfo=UTC)
    assert parse_time("2026-07-01 15:02", tz="Europe/Berlin") == datetime(2026, 7, 1, 13, 2, tzinfo=UTC)
    # an explicit offset wins over --tz
    assert parse_time("2026-11-26T14:02:00Z", tz="America/New_York") == datetime(2026, 11, 26, 14, 2, tzinfo=UTC)
    # a time of day alone means today in that zone
    assert parse_time("00:30", now=NOW, tz="Asia/Tokyo") == datetime(2026, 11, 25, 15, 30, tzinfo=UTC)


def test_result_is_always_utc():
    dt = parse_time("2026-11-26T14:02:00-05:00")
    assert dt.utcoffset() == timedelta(0)
    assert dt.hour == 19


@pytest.mark.parametrize("bad", ["", "garbage", "now-xyz", "32/13/2026", "yesterday-ish"])
def test_unreadable_times_raise_value_error_with_hint(bad):
    with pytest.raises(ValueError, match="time"):
        parse_time(bad, now=NOW)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("90s", timedelta(seconds=90)),
        ("15m", timedelta(minutes=15)),
        ("2h", timedelta(hours=2)),
        ("1d", timedelta(days=1)),
        ("1h30m", timedelta(minutes=90)),
        ("1h 30m", timedelta(minutes=90)),
        ("500ms", timedelta(milliseconds=500)),
        ("45", timedelta(minutes=45)),
    ],
)
def test_durations(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize("bad", ["", "abc", "15x", "m15", "-5m"])
def test_bad_durations_raise(bad):
    with pytest.raises(ValueError, match="duration"):
        parse_duration(bad)


def test_format_time_in_utc_and_zones():
    dt = datetime(2026, 11, 26, 14, 2, 3, 999000, tzinfo=UTC)
    assert format_time(dt) == "2026-11-26 14:02:03Z"
    assert format_time(dt, "Europe/Berlin") == "2026-11-26 15:02:03+01:00"
    assert format_time(dt, "America/St_Johns") == "2026-11-26 10:32:03-03:30"


def test_resolve_tz():
    assert resolve_tz(None) is UTC
    assert resolve_tz("utc") is UTC
    assert resolve_tz("local") is not None
    assert resolve_tz("Europe/Berlin").utcoffset(datetime(2026, 1, 1)) == timedelta(hours=1)
    with pytest.raises(ValueError, match="zone"):
        resolve_tz("Mars/Olympus")


@given(st.text(max_size=60))
def test_parse_time_only_raises_value_error(text):
    try:
        dt = parse_time(text, now=NOW)
    except ValueError:
        return
    assert dt.tzinfo is not None and dt.utcoffset() == timedelta(0)


@given(st.text(max_size=30))
def test_parse_duration_only_raises_value_error(text):
    try:
        parse_duration(text)
    except ValueError:
        pass


@pytest.mark.parametrize("text", ["now-999999999d", "now+99999999999w", "-99999999h"])
def test_out_of_range_is_a_value_error(text):
    with pytest.raises(ValueError):
        parse_time(text, now=NOW)


@pytest.mark.parametrize("text", ["1", "12", "2026", "1234567"])
def test_short_digit_strings_are_refused_not_guessed(text):
    with pytest.raises(ValueError, match="ambiguous"):
        parse_time(text)


def test_compact_date_still_reads_as_a_date():
    assert parse_time("20261126") == datetime(2026, 11, 26, tzinfo=timezone.utc)
