"""The parser never raises on arbitrary text and never loses a non-blank line."""

from datetime import datetime, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from triage.events import EVENT_COLUMNS, MAX_RAW_CHARS, LoadReport
from triage.parsing.lineshape import parse_lines, parse_messages

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=timezone.utc)

FRAGMENTS = st.sampled_from(
    [
        "2026-11-26T10:00:00Z ", "2026-11-26 10:00:00,123 ", "Nov 26 10:00:00 host app[1]: ", "ERROR ", "WARN ",
        "[main] ", "com.x.Y - ", "{", "}", '"level":', '"msg":"x"', "\tat a.B(C.java:1)", "Traceback (most recent call last):",
        "panic: ", "goroutine 1 [running]:", "\x1b[31m", "\x00", "[bold]", "\u2028", "\ud7ff", "1764151200 ", "I1126 ",
        '127.0.0.1 - - [26/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 500 1 ', "<34>1 ", "time=", "level=error ",
        "[11.26 14:02:07] ", "[13.45 25:61:61] ", "20261126-14:2:7:123|", "|", "- 1764165727 2026.11.26 ", "worker.py - ",
        "comp: ", "26-11-2026 14:02:07 ", "99/99/2026 99:99:99 ", "Thu Nov 26 14:02:07 UTC 2026 ",
    ]
)
LINE = st.one_of(st.text(max_size=80), st.lists(st.one_of(FRAGMENTS, st.text(max_size=10)), max_size=6).map("".join))


def _blank(line: str) -> bool:
    return not line.strip(" \t\n\r\f")  # RE2's \s, not Python's wider notion of whitespace


def _check(df, lines):
    assert list(df.columns) == list(EVENT_COLUMNS)
    nonblank = [i for i, line in enumerate(lines) if not _blank(line)]
    assert len(df) <= len(nonblank)
    if nonblank:
        assert len(df) >= 1
        assert df["line"].iloc[0] == nonblank[0] + 1
        # every event starts at a real non-blank line, in order
        starts = df["line"].tolist()
        assert starts == sorted(set(starts))
        assert set(starts) <= {i + 1 for i in nonblank}
    assert (df["raw"].str.len() <= MAX_RAW_CHARS).all()
    assert df["level"].dropna().isin(["debug", "info", "warn", "error", "fatal"]).all()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(LINE, max_size=25))
def test_parse_lines_never_raises(lines):
    lines = [line.replace("\n", " ").replace("\r", " ") for line in lines]
    report = LoadReport()
    df = parse_lines(lines, report=report, now=NOW)
    _check(df, lines)


@settings(max_examples=50, deadline=None)
@given(st.lists(LINE, max_size=10))
def test_content_mode_keeps_every_nonblank_line(lines):
    lines = [line.replace("\n", " ").replace("\r", " ") for line in lines]
    df = parse_lines(lines, content=True, now=NOW)
    assert len(df) == sum(1 for line in lines if not _blank(line))


@settings(max_examples=80, deadline=None)
@given(st.lists(st.text(max_size=60), max_size=10))
def test_parse_messages_never_raises_and_keeps_one_event_per_record(messages):
    df = parse_messages(messages, source="x", now=NOW)
    assert len(df) == len(messages)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(st.binary(max_size=40), FRAGMENTS.map(str.encode)), max_size=20).map(b"".join))
def test_arbitrary_bytes_never_raise(data):
    from triage.parsing.linereader import bytes_to_lines, clip_lines

    report = LoadReport()
    lines = clip_lines(bytes_to_lines(data, report), report)
    df = parse_lines(lines, report=report, now=NOW)
    assert list(df.columns) == list(EVENT_COLUMNS)
    if b"\n" not in data and data.strip(b" \t\r\n\f\v"):
        assert len(df) <= 1


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(FRAGMENTS, min_size=1, max_size=5).map("".join), st.lists(st.text(max_size=30), min_size=1, max_size=12))
def test_a_repeated_header_of_any_fragments_never_breaks_inference(header, texts):
    """Every line shares one made-up header, so header inference gets to learn (or refuse) it."""
    lines = [(header + text).replace("\n", " ").replace("\r", " ") for text in texts]
    df = parse_lines(lines, now=NOW)
    _check(df, lines)
