"""Header inference on invented layouts (none of them from loghub or any named shape).

These prove the generic rules: a timestamp position and a level position learned from a
sample, `|`-delimited prefixes, bracketed times of any form, `program - ` / `component: `
prefixes, and unusual date/time separators.
"""

from datetime import datetime, timezone

import pandas as pd
import pyarrow as pa
import pytest

from triage.events import LoadReport
from triage.parsing import textshapes
from triage.parsing.lineshape import parse_lines
from triage.parsing.logtime import parse_timestamps

NOW = datetime(2026, 11, 26, 15, 0, tzinfo=timezone.utc)


def ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text).tz_convert("UTC")


def parse(lines, **kw):
    report = LoadReport()
    return parse_lines(lines, now=NOW, report=report, **kw), report


def test_bracketed_month_day_time_with_a_program_prefix():
    lines = [f"[11.26 14:02:{i:02d}] worker.py - job {i} done" for i in range(5)] + ["[11.26 14:03:00] scheduler.py - queue drained"]
    df, report = parse(lines)
    assert df["timestamp"].tolist() == [ts(f"2026-11-26T14:02:{i:02d}Z") for i in range(5)] + [ts("2026-11-26T14:03:00Z")]
    assert df["service"].tolist() == ["worker.py"] * 5 + ["scheduler.py"]
    assert df["message"].tolist() == [f"job {i} done" for i in range(5)] + ["queue drained"]
    assert any("no year" in note for note in report.notes)


def test_bracketed_month_day_rolls_back_a_year_when_it_would_be_in_the_future():
    df, _ = parse(["[12.24 23:59:59] santa.exe - sleigh ready"])
    assert df["timestamp"][0] == ts("2025-12-24T23:59:59Z")


def test_pipe_delimited_prefix_with_compact_date_and_millis():
    lines = [f"20261126-14:02:{i:02d}:123|billing|{40 + i}|charge failed for order {i}" for i in range(5)]
    lines.append("20261126-14:3:0:5|auth|7|token refreshed | from cache")  # unpadded fields, a pipe in the message
    df, _ = parse(lines)
    assert df["timestamp"][0] == ts("2026-11-26T14:02:00.123Z")
    assert df["timestamp"][5] == ts("2026-11-26T14:03:00.5Z")
    assert df["service"].tolist() == ["billing"] * 5 + ["auth"]
    assert df["message"][0] == "charge failed for order 0"
    assert df["message"][5] == "token refreshed | from cache"


def test_pipe_delimited_prefix_with_a_level_field():
    lines = [f"host-3 | 2026/11/26-14:02:{i:02d} | WARN | gc pause {i}ms" for i in range(4)] + ["host-4 | 2026/11/26-14:03:00 | ERROR | out of memory"]
    df, _ = parse(lines)
    assert df["level"].tolist() == ["warn"] * 4 + ["error"]
    assert df["service"].tolist() == ["host-3"] * 4 + ["host-4"]
    assert df["timestamp"][4] == ts("2026-11-26T14:03:00Z")
    assert df["message"][4] == "out of memory"


def test_epoch_and_level_at_learned_token_positions():
    lines = [f"- 1764165727 2026.11.26 node-7 rack2 ERROR disk {i} failed" for i in range(4)]
    lines.append("ALERT 1764165787 2026.11.26 node-9 rack1 INFO heartbeat ok")
    df, _ = parse(lines)
    assert df["timestamp"].tolist() == [ts("2025-11-26T14:02:07Z")] * 4 + [ts("2025-11-26T14:03:07Z")]
    assert df["level"].tolist() == ["error"] * 4 + ["info"]
    assert df["service"].tolist() == ["rack2"] * 4 + ["rack1"]  # the word right before the level
    assert df["message"].tolist() == [f"disk {i} failed" for i in range(4)] + ["heartbeat ok"]


def test_day_first_dates_and_a_component_prefix():
    lines = [f"26-11-2026 14:02:{i:02d} ERROR payment-svc: charge {i} declined" for i in range(4)] + ["03-04-2026 09:00:00 INFO payment-svc: started"]
    df, _ = parse(lines)
    assert df["timestamp"][0] == ts("2026-11-26T14:02:00Z")
    assert df["timestamp"][4] == ts("2026-04-03T09:00:00Z")
    assert df["service"].tolist() == ["payment-svc"] * 5
    assert df["message"][4] == "started"


def test_learned_header_folds_tracebacks_and_sql_continuations():
    ticks = [f"11/26/2026 14:01:0{i} INFO tick {i}" for i in range(6)]
    lines = ticks + [
        "11/26/2026 14:02:07 ERROR Worker crashed",
        "Traceback (most recent call last):",
        '  File "worker.py", line 9, in run',
        "ValueError: boom",
        "11/26/2026 14:02:08 WARN slow query:",
        "SELECT *",
        "11/26/2026 14:02:09 INFO restarted",
    ]
    df, _ = parse(lines)
    assert df["line"].tolist() == [1, 2, 3, 4, 5, 6, 7, 11, 13]
    assert df["level"].tolist()[-3:] == ["error", "warn", "info"]
    assert df["message"][6] == 'Worker crashed\nTraceback (most recent call last):\n  File "worker.py", line 9, in run\nValueError: boom'
    assert df["message"][7] == "slow query:\nSELECT *"
    assert df["timestamp"][8] == ts("2026-11-26T14:02:09Z")


def test_weekday_month_words_and_zone_after_the_time_belong_to_the_timestamp():
    lines = [f"Thu Nov 26 14:02:0{i} UTC 2026 [reactor-{i}] request done" for i in range(4)]
    df, _ = parse(lines)
    assert df["timestamp"][3] == ts("2026-11-26T14:02:03Z")
    assert df["message"][3] == "[reactor-3] request done"


def test_naive_learned_times_honour_the_zone():
    df, _ = parse(["2026.11.26_14.02.07 [INFO] ready"], tz="Europe/Berlin")
    assert df["timestamp"][0] == ts("2026-11-26T13:02:07Z") and df["level"][0] == "info"


@pytest.mark.parametrize(
    "lines",
    [
        ["hello world", "this is just text", "no header at all"],
        ["| a | b |", "|---|---|", "| 1 | 2 |"],
        ["version 1.2.3 released", "call 555-1234 now", "ratio 3:4 observed"],
    ],
)
def test_no_header_is_invented_for_lines_without_times(lines):
    assert textshapes.infer_shape(pa.array(lines)) is None
    df, _ = parse(lines)
    assert df["message"].tolist() == lines and df["timestamp"].isna().all()


def test_a_headerless_line_continues_the_event_when_the_learned_header_dominates():
    lines = [f"2026.11.26 14:02:0{i} node-1 INFO tick {i}" for i in range(8)] + ["free text without any header"]
    df, _ = parse(lines)
    assert len(df) == 8 and df["message"].iloc[-1] == "tick 7\nfree text without any header"
    assert df["message"][0] == "tick 0" and df["level"][0] == "info"


def test_generic_timestamp_layouts():
    texts = ["2005-06-03-15.42.50.675872", "20171223-22:15:29:606", "10.30 16:49:06", "13/04/2026 10:00:00", "04/13/2026 10:00:00", "9:05:01", "junk"]
    got = parse_timestamps(pa.array(texts), "generic", now=NOW).tolist()
    assert got[:6] == [
        ts("2005-06-03T15:42:50.675872Z"),
        ts("2017-12-23T22:15:29.606Z"),
        ts("2026-10-30T16:49:06Z"),
        ts("2026-04-13T10:00:00Z"),
        ts("2026-04-13T10:00:00Z"),
        ts("2026-11-26T09:05:01Z"),
    ]
    assert pd.isna(got[6])


def test_a_time_inside_a_sentence_is_no_header():
    lines = [f"retrying in 00:00:0{i} seconds" for i in range(5)]
    assert textshapes.infer_shape(pa.array(lines)) is None
    iso = [f"2026-11-26T14:02:0{i}Z WARN upstream slow" for i in range(6)] + ["retrying in 00:00:05 seconds"]
    df, _ = parse(iso)
    assert len(df) == 6 and df["message"].iloc[-1] == "upstream slow\nretrying in 00:00:05 seconds"
