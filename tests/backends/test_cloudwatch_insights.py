"""Logs Insights: the queries we build, result parsing, slice planning, and the
start/poll/stop loop against moto. moto runs only `fields`, `sort` and `limit`, so count
results and query states it cannot produce are answered AWS-shaped (API reference)."""

from __future__ import annotations

import json

import pytest

from cw_support import AwsAnswers, aws_error, ingest_logs, logs_client, make_incident, put_events
from triage.events import Cancelled, Progress, SourceError
from triage.sources.cloudwatch import CloudWatchSource
from triage.sources.cloudwatch.insights import (
    ROW_LIMIT,
    PollPolicy,
    base_query,
    bin_seconds_for,
    check_user_query,
    count_query,
    event_query,
    parse_counts,
    parse_rows,
    parse_time_ms,
    plan_sample,
    plan_slices,
)
from triage.sources.cloudwatch.session import CwSession

FAST = PollPolicy(first=0.01, factor=1.5, longest=0.05, timeout=5)


# --- queries -------------------------------------------------------------------------

def test_event_query_adds_fields_sort_and_limit_around_the_user_query():
    base = base_query("filter @message like /ERROR/", None, None)
    assert event_query(base) == (
        "fields @timestamp, @message, @logStream, @log | filter @message like /ERROR/"
        " | sort @timestamp asc | limit 10000"
    )
    assert count_query(base, 60) == "filter @message like /ERROR/ | stats count(*) as n by bin(60s)"
    assert count_query("", 300) == "stats count(*) as n by bin(300s)"


@pytest.mark.parametrize("query", ["stats count(*) by bin(5m)", "fields @message | limit 20",
                                   "filter x | display @message", "fields a |stats avg(x)"])
def test_queries_that_do_not_return_pageable_events_are_refused(query):
    with pytest.raises(SourceError) as info:
        check_user_query(query)
    assert info.value.hint


def test_stream_prefix_and_simple_filter_pattern_become_insights_filters():
    q = base_query(None, "web/1.a", 'ERROR "pool exhausted"')
    assert q == ('filter @logStream like /^web\\/1\\.a/ | filter @message like "ERROR"'
                 ' | filter @message like "pool exhausted"')
    with pytest.raises(SourceError, match="cannot translate"):
        base_query(None, None, "?ERROR ?WARN")
    with pytest.raises(SourceError, match="cannot translate"):
        base_query(None, None, '{ $.level = "error" }')


def test_bins_are_whole_minutes_and_few():
    assert bin_seconds_for(3600) == 60
    assert bin_seconds_for(7 * 86400) % 60 == 0
    assert 7 * 86400 / bin_seconds_for(7 * 86400) <= 240


# --- results -------------------------------------------------------------------------

AWS_ROWS = [  # GetQueryResults "results" as documented
    [{"field": "@timestamp", "value": "2026-11-26 10:00:00.250"}, {"field": "@message", "value": "a"},
     {"field": "@logStream", "value": "web/1"}, {"field": "@log", "value": "123456789012:/ecs/checkout"},
     {"field": "@ptr", "value": "CmAKJgoiMTIz"}],
]


def test_rows_and_times_parse_as_aws_returns_them():
    rows = parse_rows(AWS_ROWS)
    assert rows[0]["@message"] == "a" and rows[0]["@log"] == "123456789012:/ecs/checkout"
    assert parse_time_ms(["2026-11-26 10:00:00.250", "2026-11-26 10:00:01.000"]) == [1795687200250, 1795687201000]


def test_count_results_parse_and_other_shapes_are_rejected():
    rows = parse_rows([
        [{"field": "bin(60s)", "value": "2026-11-26 10:00:00.000"}, {"field": "n", "value": "12"}],
        [{"field": "bin(60s)", "value": "2026-11-26 10:01:00.000"}, {"field": "n", "value": "3"}],
    ])
    assert parse_counts(rows) == {1795687200000: 12, 1795687260000: 3}
    assert parse_counts(parse_rows(AWS_ROWS)) is None
    assert parse_counts([]) == {}


# --- planning ------------------------------------------------------------------------

def _check_cover(slices, lo, hi):
    assert slices[0].lo == lo and slices[-1].hi == hi
    assert all(a.hi == b.lo for a, b in zip(slices, slices[1:]))


def test_slices_cover_the_window_and_respect_the_budget():
    lo, hi, bin_ms = 0, 10 * 60_000, 60_000
    counts = {i * bin_ms: n for i, n in enumerate([100, 5000, 5000, 0, 20_000, 10, 10, 10, 0, 3000])}
    slices = plan_slices(counts, lo, hi, bin_ms, budget=8000)
    _check_cover(slices, lo, hi)
    assert all(s.expected <= 8000 for s in slices)
    assert sum(s.expected for s in slices) >= sum(counts.values())
    big = [s for s in slices if 4 * bin_ms <= s.lo < 5 * bin_ms]
    assert len(big) == 3  # 20,000 in one bin: cut evenly in three


def test_window_edges_inside_bins_and_empty_stretches():
    lo, hi, bin_ms = 30_000, 5 * 60_000 + 15_000, 60_000
    counts = {0: 10, 4 * 60_000: 7}
    slices = plan_slices(counts, lo, hi, bin_ms, budget=8000)
    _check_cover(slices, lo, hi)
    assert [s.expected for s in slices] == [17]


def test_sampling_takes_each_bins_share():
    bin_ms = 60_000
    counts = {0: 9000, bin_ms: 1000, 2 * bin_ms: 0, 3 * bin_ms: 50_000}
    slices, scale = plan_sample(counts, 0, 4 * bin_ms, bin_ms, 0.1)
    assert [(s.lo, s.hi, s.limit) for s in slices] == [(0, bin_ms, 900), (bin_ms, 2 * bin_ms, 100),
                                                      (3 * bin_ms, 4 * bin_ms, 5000)]
    assert scale == pytest.approx(60_000 / 6000)
    big, _ = plan_sample({0: 1_000_000}, 0, bin_ms, bin_ms, 0.5)  # 500,000 wanted in one minute
    assert len(big) == 60 and all(s.limit <= ROW_LIMIT and s.sample for s in big)
    assert big[0].lo == 0 and big[-1].hi == bin_ms


# --- against moto ----------------------------------------------------------------------

def _big_group(inc, n):
    client = logs_client()
    client.create_log_group(logGroupName="/big")
    for stream in ("a", "b"):
        client.create_log_stream(logGroupName="/big", logStreamName=stream)
    base = int(inc.start.timestamp() * 1000)
    step = int((inc.end - inc.start).total_seconds() * 1000) // (n // 2 + 1)  # spread over the window
    a = [(base + i * step, f"INFO a {i}") for i in range(n // 2)]
    b = [(base + i * step + step // 2, f"WARN b {i}") for i in range(n - n // 2)]
    put_events(client, "/big", "a", a)
    put_events(client, "/big", "b", b)
    return sorted(m for _, m in a + b)


def test_insights_fetches_everything_past_the_row_limit(cw_env):
    """25,000 events: each query returns at most 10,000 rows, so the window is split."""
    inc = make_incident(10)
    expected = _big_group(inc, 25_000)
    session = CwSession()
    starts = AwsAnswers(session.client("logs"), "StartQuery", [])
    source = CloudWatchSource(["/big"], mode="insights", session=session, poll=FAST)
    result = source.load(inc.start, inc.end, Progress())

    assert sorted(result.events["raw"].tolist()) == expected  # all, once
    assert len(starts.seen) >= 1 + 3  # count query + at least three event slices
    assert set(result.events["source"].unique()) == {"/big/a", "/big/b"}
    assert any("sort @timestamp asc | limit 10000" in q for q in source.queries())


def test_server_counts_plan_the_slices(cw_env):
    inc = make_incident(10)
    expected = _big_group(inc, 12_000)
    base_s = int(inc.start.timestamp()) // 60 * 60
    per_bin = 12_000 // 60
    counts = [[{"field": "bin(60s)", "value": _fmt(base_s + 60 * i)}, {"field": "n", "value": str(per_bin)}]
              for i in range(61)]
    session = CwSession()
    client = session.client("logs")
    starts = AwsAnswers(client, "StartQuery", [])
    AwsAnswers(client, "GetQueryResults", [(200, {"status": "Complete", "results": counts,
                                                  "statistics": {"recordsMatched": 12_000.0}})])
    source = CloudWatchSource(["/big"], mode="insights", session=session, poll=FAST)
    result = source.load(inc.start, inc.end, Progress())

    assert sorted(result.events["raw"].tolist()) == expected
    event_queries = [p for p in starts.seen if "stats" not in p["queryString"]]
    assert len(event_queries) == 2  # 12,200 planned rows in slices of at most 8,000
    assert all(p["endTime"] - p["startTime"] < 3700 for p in event_queries)


def test_over_the_cap_insights_samples_each_slice_and_labels_estimates(cw_env):
    inc = make_incident(10)
    _big_group(inc, 6000)
    base_s = int(inc.start.timestamp()) // 60 * 60
    counts = [[{"field": "bin(60s)", "value": _fmt(base_s + 60 * i)}, {"field": "n", "value": "100"}]
              for i in range(60)]
    session = CwSession()
    AwsAnswers(session.client("logs"), "GetQueryResults", [(200, {"status": "Complete", "results": counts})])
    source = CloudWatchSource(["/big"], mode="insights", session=session, max_events=600, poll=FAST)
    result = source.load(inc.start, inc.end, Progress())

    assert 500 <= len(result.events) <= 700
    assert result.report.estimated is True
    assert result.report.scale == pytest.approx(6000 / len(result.events), rel=0.05)


def _fmt(epoch_s: int) -> str:
    import datetime as dt

    return dt.datetime.fromtimestamp(epoch_s, dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S.000")


def test_cancel_while_polling_stops_the_query(cw_env):
    inc = make_incident(200)
    ingest_logs(inc)
    session = CwSession()
    client = session.client("logs")
    running = [(200, {"status": "Running", "results": []})] * 1000
    AwsAnswers(client, "GetQueryResults", running)
    stops = AwsAnswers(client, "StopQuery", [(200, {"success": True})])
    starts = AwsAnswers(client, "StartQuery", [])
    polls = []

    def on_progress(done, total, message):
        polls.append(message)
        if len(polls) >= 3:
            progress.cancel()

    progress = Progress(on_progress)
    source = CloudWatchSource(["/ecs/checkout"], insights="filter @message like /ERROR/", session=session, poll=FAST)
    with pytest.raises(Cancelled) as info:
        source.load(inc.start, inc.end, progress)
    assert info.value.partial is not None and info.value.partial.report.partial
    assert len(stops.seen) == 1 and len(starts.seen) == 1


def test_query_timeout_status_is_an_error_with_a_hint_and_stops(cw_env):
    inc = make_incident(200)
    ingest_logs(inc)
    session = CwSession()
    AwsAnswers(session.client("logs"), "GetQueryResults", [(200, {"status": "Timeout", "results": []})])
    source = CloudWatchSource(["/ecs/checkout"], mode="insights", session=session, poll=FAST)
    with pytest.raises(SourceError) as info:
        source.load(inc.start, inc.end, Progress())
    assert "timed out" in str(info.value) and "narrow" in info.value.hint


def test_client_side_timeout_stops_a_query_that_never_finishes(cw_env):
    inc = make_incident(200)
    ingest_logs(inc)
    session = CwSession()
    client = session.client("logs")
    AwsAnswers(client, "GetQueryResults", [(200, {"status": "Running", "results": []})] * 1000)
    stops = AwsAnswers(client, "StopQuery", [(200, {"success": True})])
    source = CloudWatchSource(["/ecs/checkout"], mode="insights", session=session, poll=PollPolicy(first=0.01, factor=1.0, longest=0.01, timeout=0.2))
    with pytest.raises(SourceError, match="timed out"):
        source.load(inc.start, inc.end, Progress())
    assert len(stops.seen) == 1


def test_malformed_query_names_the_problem(cw_env):
    inc = make_incident(50)
    ingest_logs(inc)
    session = CwSession()
    AwsAnswers(session.client("logs"), "StartQuery", [aws_error(
        "MalformedQueryException", "unexpected symbol found bogus at line 1 and position 8")])
    source = CloudWatchSource(["/ecs/checkout"], insights="filter bogus bogus", session=session)
    with pytest.raises(SourceError) as info:
        source.load(inc.start, inc.end, Progress())
    assert "Logs Insights rejected the query" in str(info.value) and "position 8" in str(info.value)
    assert "--insights" in info.value.hint


def test_insights_results_in_aws_shape_become_events(cw_env):
    """Rows as AWS returns them (formatted @timestamp, account-prefixed @log) end up as events."""
    inc = make_incident(10)
    logs_client().create_log_group(logGroupName="/ecs/checkout")
    stamp = _fmt(int(inc.deploy.timestamp()))
    rows = [[{"field": "@timestamp", "value": stamp}, {"field": "@message", "value": json.dumps({"level": "error", "message": "boom"})},
             {"field": "@logStream", "value": "web/1"}, {"field": "@log", "value": "123456789012:/ecs/checkout"},
             {"field": "@ptr", "value": "x"}]]
    session = CwSession()
    AwsAnswers(session.client("logs"), "GetQueryResults", [
        (200, {"status": "Complete", "results": []}),  # count query: nothing counted
        (200, {"status": "Running", "results": []}),
        (200, {"status": "Complete", "results": rows}),
    ])
    source = CloudWatchSource(["/ecs/checkout"], mode="insights", session=session, poll=FAST)
    result = source.load(inc.start, inc.end, Progress())
    assert result.events["source"].tolist() == ["/ecs/checkout/web/1"]
    assert result.events["level"].tolist() == ["error"]
    assert result.events["timestamp"].iloc[0] == inc.deploy


def test_queries_for_the_note_are_the_count_and_the_event_query(cw_env):
    inc = make_incident(200)
    ingest_logs(inc)
    source = CloudWatchSource(["/ecs/checkout"], insights="filter @message like /ERROR/", poll=FAST)
    source.load(inc.start, inc.end, Progress())
    assert source.queries() == [
        "Logs Insights [/ecs/checkout]: filter @message like /ERROR/ | stats count(*) as n by bin(60s)",
        "Logs Insights [/ecs/checkout]: fields @timestamp, @message, @logStream, @log | filter @message like /ERROR/"
        " | sort @timestamp asc | limit 10000",
    ]
