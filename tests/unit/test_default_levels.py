"""lnav's conventions for lines without a level marker (triage/parsing/lineshape.py `_default_levels`)."""

from datetime import datetime, timezone

import pandas as pd
import pytest

from triage.judgement.severity import severity_classes
from triage.parsing.lineshape import parse_lines

NOW = datetime(2026, 12, 1, tzinfo=timezone.utc)


def levels(lines: list[str]) -> list[str | None]:
    df = parse_lines(lines, now=NOW)
    return [v if isinstance(v, str) else None for v in df["level"]]


@pytest.mark.parametrize(
    "line, level",
    [
        ('10.0.0.7 - - [02/Dec/2026:09:10:11 +0000] "GET /cart HTTP/1.1" 503 12 "-" "curl/8"', "error"),
        ('10.0.0.7 - - [02/Dec/2026:09:10:11 +0000] "GET /cart HTTP/1.1" 404 12 "-" "curl/8"', "warn"),
        ('10.0.0.7 - - [02/Dec/2026:09:10:11 +0000] "GET /cart HTTP/1.1" 302 0 "-" "curl/8"', "info"),
    ],
)
def test_access_lines_take_their_level_from_the_status(line, level):
    assert levels([line]) == [level]


def test_a_timed_line_without_a_level_marker_is_info():
    assert levels(["2026-12-02 09:10:11 queue drained, 14 jobs moved"]) == ["info"]


@pytest.mark.parametrize(
    "line",
    [
        "2026-12-02 09:10:11 upload failed after 3 retries",
        "2026-12-02 09:10:11 worker crashed: java.lang.IllegalStateException: no lease",
        "2026-12-02 09:10:11 Traceback (most recent call last):",
    ],
)
def test_an_unlevelled_line_with_an_error_word_is_never_defaulted_to_info(line):
    assert levels([line]) == [None]


def test_a_line_without_a_recognised_header_gets_no_default():
    assert levels(["just some words the tool cannot place"]) == [None]


def test_an_explicit_level_wins_over_the_default():
    assert levels(["2026-12-02T09:10:11Z WARN pool nearly empty"]) == ["warn"]


def test_default_info_ranks_like_no_level():
    """Judgement must not change because a level was defaulted: info and no level are one class."""
    status = pd.Series(["NEW", "NEW"]).to_numpy(dtype=object)
    cls = severity_classes(status, pd.Series(["info", None]).to_numpy(dtype=object),
                           pd.Series([False, False]).to_numpy(), pd.Series([0.0, 0.0]).to_numpy())
    assert cls[0] == cls[1]


@pytest.mark.parametrize(
    "line, when",
    [
        ('web.example.org 10.0.0.7 - bob [02/Dec/2026:09:10:11 -0500] "GET / HTTP/1.0" 200 5', "2026-12-02T14:10:11Z"),
        ("(2026-12-02  9:10:11): [nss] [reconnect] (0x0020): lost the bus", "2026-12-02T09:10:11Z"),
        ("(Wed Dec 2 09:10:11 2026) [svc] [start] (0x0100): queued", "2026-12-02T09:10:11Z"),
        ("=== dump begins at Wed Dec 2 09:10:11 UTC 2026 ===", "2026-12-02T09:10:11Z"),
        ("WARN   | wrapper  | 2026/12/02 09:10:11 | pinging the JVM", "2026-12-02T09:10:11Z"),
    ],
)
def test_a_full_date_time_inside_an_unread_header_is_found(line, when):
    df = parse_lines([line], now=NOW)
    assert df["timestamp"].iloc[0] == pd.Timestamp(when)


def test_content_mode_does_not_look_for_embedded_times():
    df = parse_lines(["=== dump begins at Wed Dec 2 09:10:11 UTC 2026 ==="], now=NOW, content=True)
    assert df["timestamp"].isna().all()
