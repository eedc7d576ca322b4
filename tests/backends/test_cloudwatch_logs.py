"""CloudWatch Logs through FilterLogEvents: real boto3 over HTTP to a moto server."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cw_support import AwsAnswers, aws_error, ingest_logs, logs_client, make_incident, put_events
from triage.events import EVENT_COLUMNS, Cancelled, Progress
from triage.sources.cloudwatch import CloudWatchSource
from triage.sources.cloudwatch.insights import PollPolicy
from triage.sources.cloudwatch.session import CwSession


def _pairs(inc, group=None, streams=None):
    out = []
    for g, by_stream in inc.groups.items():
        if group not in (None, g):
            continue
        for stream, events in by_stream.items():
            if streams is None or stream in streams:
                out.extend((t, f"{g}/{stream}") for t, _ in events)
    return sorted(out)


def _loaded_pairs(events):
    ms = events["timestamp"].astype("int64") // 1_000_000
    return sorted(zip(ms.tolist(), events["source"].tolist()))


def test_two_groups_are_merged_by_time_and_every_event_arrives(cw_env):
    inc = make_incident(3000)
    ingest_logs(inc)
    messages = []
    source = CloudWatchSource(["/ecs/checkout", "/aws/lambda/payments"])
    result = source.load(inc.start, inc.end, Progress(lambda d, t, m: messages.append((d, m, t))))

    events = result.events
    assert list(events.columns)[: len(EVENT_COLUMNS)] == list(EVENT_COLUMNS)
    assert str(events["timestamp"].dtype) == "datetime64[ns, UTC]"
    assert events["timestamp"].is_monotonic_increasing
    assert set(events["source"].unique()) == {"/ecs/checkout/web/1", "/ecs/checkout/web/2",
                                              "/aws/lambda/payments/2026/11/26/[$LATEST]a1"}
    # the KeyError lines of the lambda group all arrive, with the CloudWatch times
    keyerrors = events[events["message"].str.contains("KeyError", regex=False)]
    assert len(keyerrors) == inc.gone_before
    assert (keyerrors["timestamp"] < inc.deploy).all()
    assert result.report.partial is False
    assert messages[-1][0] == messages[-1][2] == len(events)
    assert any("/ecs/checkout" in m for _, m, _ in messages)


def test_prefix_groups_and_stream_prefix(cw_env):
    inc = make_incident(1200)
    ingest_logs(inc)
    logs_client().create_log_group(logGroupName="/other/app")

    client = logs_client()
    client.create_log_group(logGroupName="/ecsx/other")  # no trailing *: not a prefix match of "/ecs/"
    client.create_log_stream(logGroupName="/ecsx/other", logStreamName="web/1")
    put_events(client, "/ecsx/other", "web/1", [(int(inc.deploy.timestamp() * 1000), "INFO elsewhere")])

    everything = CloudWatchSource(["/ecs/*"]).load(inc.start, inc.end, Progress())
    assert everything.events["source"].str.startswith("/ecs/checkout/").all()
    # moto ignores logStreamNamePrefix, so check the request we send
    session = CwSession()
    spy = AwsAnswers(session.client("logs"), "FilterLogEvents", [])
    CloudWatchSource(["/ecs/*"], stream_prefix="web/1", session=session).load(inc.start, inc.end, Progress())
    assert [(p["logGroupName"], p["logStreamNamePrefix"]) for p in spy.seen] == [("/ecs/checkout", "web/1")]


def test_events_outside_the_window_are_not_fetched(cw_env):
    inc = make_incident(1200)
    ingest_logs(inc)
    start, end = inc.deploy - timedelta(minutes=5), inc.deploy + timedelta(minutes=5)
    result = CloudWatchSource(["/aws/lambda/payments"]).load(start, end, Progress())
    expected = [p for p in _pairs(inc, "/aws/lambda/payments") if start.timestamp() * 1000 <= p[0] <= end.timestamp() * 1000]
    assert _loaded_pairs(result.events) == expected


def test_filter_pattern_term_is_sent_and_applied(cw_env):
    inc = make_incident(1200)
    ingest_logs(inc)
    session = CwSession()
    spy = AwsAnswers(session.client("logs"), "FilterLogEvents", [])
    result = CloudWatchSource(["/ecs/checkout"], filter_pattern="WARN", session=session).load(inc.start, inc.end, Progress())
    assert spy.seen and all(p["filterPattern"] == "WARN" for p in spy.seen)
    assert len(result.events) > 0
    assert result.events["raw"].str.contains("WARN", regex=False).all()


def test_pages_are_followed_without_loss_or_duplicates(cw_env):
    """25,000 events in one stream: FilterLogEvents returns at most 10,000 per page."""
    client = logs_client()
    inc = make_incident(10)
    client.create_log_group(logGroupName="/big")
    client.create_log_stream(logGroupName="/big", logStreamName="s")
    base = int(inc.start.timestamp() * 1000)
    events = [(base + i * 144, f"INFO item {i}") for i in range(25_000)]  # spread over the hour
    put_events(client, "/big", "s", events)

    session = CwSession()
    spy = AwsAnswers(session.client("logs"), "FilterLogEvents", [])
    totals = []
    result = CloudWatchSource(["/big"], session=session).load(
        inc.start, inc.end, Progress(lambda d, t, m: totals.append((d, t, m))))
    assert len(spy.seen) >= 3
    assert len(result.events) == 25_000
    # pages come in time order, so the covered share of the window estimates the total
    assert all(abs(t - 25_000) < 2_500 for d, t, _ in totals if d >= 10_000)
    assert sorted(result.events["raw"].tolist()) == sorted(m for _, m in events)


def test_throttling_on_a_later_page_resumes_from_that_page(cw_env):
    """The paginator stops at a throttle that outlasts botocore's retries; the fetch waits and
    resumes with the last page's nextToken: nothing fetched twice, nothing lost."""
    client = logs_client()
    inc = make_incident(10)
    client.create_log_group(logGroupName="/big")
    client.create_log_stream(logGroupName="/big", logStreamName="s")
    base = int(inc.start.timestamp() * 1000)
    events = [(base + i * 144, f"INFO item {i}") for i in range(25_000)]
    put_events(client, "/big", "s", events)

    session = CwSession(max_attempts=1, retry_mode="standard", throttle_wait=0.02)
    throttle = aws_error("ThrottlingException", "Rate exceeded")
    spy = AwsAnswers(session.client("logs"), "FilterLogEvents", [throttle, throttle], when=lambda p: "nextToken" in p)
    messages = []
    result = CloudWatchSource(["/big"], session=session).load(inc.start, inc.end,
                                                              Progress(lambda d, t, m: messages.append(m)))
    assert sum(m.startswith("throttled, waiting") for m in messages) == 2
    tokens = [p.get("nextToken") for p in spy.seen]
    assert tokens[0] is None and tokens[1] == tokens[2] == tokens[3]  # the throttled page, asked again
    assert len(result.events) == 25_000 and not result.report.partial
    assert sorted(result.events["raw"].tolist()) == sorted(m for _, m in events)


def test_event_cap_keeps_what_was_fetched_and_says_so(cw_env):
    client = logs_client()
    inc = make_incident(10)
    client.create_log_group(logGroupName="/big")
    client.create_log_stream(logGroupName="/big", logStreamName="s")
    base = int(inc.start.timestamp() * 1000)
    put_events(client, "/big", "s", [(base + i * 100, f"INFO item {i}") for i in range(15_000)])

    result = CloudWatchSource(["/big"], max_events=5_000, mode="filter").load(inc.start, inc.end, Progress())
    assert len(result.events) == 10_000  # the cap is checked between pages
    assert result.report.partial is True
    assert "cap" in result.report.warning()


def test_auto_mode_over_the_cap_samples_the_whole_window_with_insights(cw_env):
    """FilterLogEvents would keep only the first part of the window; auto switches to Insights,
    whose server-side counts (answered AWS-shaped: moto has no stats) drive an even sample."""
    from datetime import datetime, timezone

    client = logs_client()
    inc = make_incident(10)
    client.create_log_group(logGroupName="/big")
    client.create_log_stream(logGroupName="/big", logStreamName="s")
    base = int(inc.start.timestamp() * 1000)
    put_events(client, "/big", "s", [(base + i * 240, f"INFO item {i}") for i in range(15_000)])
    bins = [[{"field": "bin(60s)", "value": datetime.fromtimestamp(base // 1000 + 60 * i, timezone.utc).strftime(
        "%Y-%m-%d %H:%M:%S.000")}, {"field": "n", "value": "250"}] for i in range(60)]
    session = CwSession()
    AwsAnswers(session.client("logs"), "GetQueryResults", [(200, {"status": "Complete", "results": bins})])
    fast = PollPolicy(first=0.01, factor=1.5, longest=0.05, timeout=5)
    source = CloudWatchSource(["/big"], max_events=3_000, session=session, poll=fast)
    result = source.load(inc.start, inc.end, Progress())

    assert source.fetch_mode() == "filter" and source._insights is not None
    assert 2_500 <= len(result.events) <= 3_000
    assert result.report.estimated and result.report.scale == pytest.approx(15_000 / len(result.events), rel=0.05)
    assert result.events["timestamp"].min() < inc.deploy - timedelta(minutes=25)
    assert result.events["timestamp"].max() > inc.deploy + timedelta(minutes=25)
    assert "Logs Insights" in result.report.warning()
    assert any("Logs Insights" in q for q in source.queries())


def test_cancel_between_pages_returns_partial_result(cw_env):
    client = logs_client()
    inc = make_incident(10)
    client.create_log_group(logGroupName="/big")
    client.create_log_stream(logGroupName="/big", logStreamName="s")
    base = int(inc.start.timestamp() * 1000)
    put_events(client, "/big", "s", [(base + i * 100, f"INFO item {i}") for i in range(20_000)])

    progress = Progress()
    progress._callback = lambda done, total, msg: progress.cancel() if done >= 10_000 else None
    with pytest.raises(Cancelled) as info:
        CloudWatchSource(["/big"]).load(inc.start, inc.end, progress)
    partial = info.value.partial
    assert partial is not None and partial.report.partial is True
    assert len(partial.events) == 10_000


def test_untrusted_text_stays_verbatim_and_huge_messages_are_clipped(cw_env):
    client = logs_client()
    inc = make_incident(10)
    client.create_log_group(logGroupName="/weird")
    client.create_log_stream(logGroupName="/weird", logStreamName="s")
    base = int(inc.start.timestamp() * 1000)
    nasty = "[bold red]boom[/] \x1b[31mred\x1b[0m \x07 [link=http://x]y[/link] \ufffd"
    huge = "ERROR " + "x" * 200_000
    put_events(client, "/weird", "s", [(base, nasty), (base + 1000, huge)])

    result = CloudWatchSource(["/weird"]).load(inc.start, inc.end, Progress())
    raws = result.events["raw"].tolist()
    assert any("[bold red]boom[/]" in r and "\x1b[31m" in r for r in raws)
    assert max(len(r) for r in raws) <= 65536


def test_folding_stays_within_a_stream_and_a_short_time_gap():
    import numpy as np
    import pyarrow as pa

    from triage.sources.cloudwatch.logs import fold_records

    records = pa.array([
        "ERROR boom Traceback (most recent call last):",  # 0 stream 0
        '  File "a.py", line 1, in f',                     # 1 stream 0, +1 ms: folds
        "ValueError: bad",                                  # 2 stream 0, +2 ms: exception line after a frame, folds
        '  File "b.py", line 2, in g',                     # 3 stream 1: a new stream never folds
        '  File "c.py", line 3, in h',                     # 4 stream 1, 5 s later: too late to fold
        "INFO ok",                                          # 5 stream 1
    ], type=pa.large_string())
    streams = np.array([0, 0, 0, 1, 1, 1])
    times = np.array([0, 1, 2, 10, 5010, 5011])
    first, texts = fold_records(records, streams, times)
    assert first.tolist() == [0, 3, 4, 5]
    assert texts[0].as_py().splitlines() == records.to_pylist()[:3]
    assert texts.to_pylist()[1:] == records.to_pylist()[3:]


def test_folded_records_are_clipped():
    import numpy as np
    import pyarrow as pa

    from triage.sources.cloudwatch.logs import fold_records

    records = pa.array(["Traceback (most recent call last):"] + ["  " + "x" * 30_000] * 4, type=pa.large_string())
    first, texts = fold_records(records, np.zeros(5, dtype=int), np.arange(5))
    assert first.tolist() == [0] and len(texts[0].as_py()) == 65536


def test_cloudwatch_time_wins_over_a_naive_local_time_in_the_text(cw_env):
    client = logs_client()
    inc = make_incident(10)
    client.create_log_group(logGroupName="/tz")
    client.create_log_stream(logGroupName="/tz", logStreamName="s")
    at = int(inc.deploy.timestamp() * 1000)
    local = (inc.deploy + timedelta(hours=5, minutes=30)).strftime("%Y-%m-%d %H:%M:%S")  # e.g. a host in IST
    put_events(client, "/tz", "s", [(at, f"{local} ERROR payments refused")])
    result = CloudWatchSource(["/tz"]).load(inc.start, inc.end, Progress())
    assert result.events["timestamp"].tolist() == [inc.deploy]
    assert result.events["level"].tolist() == ["error"]
