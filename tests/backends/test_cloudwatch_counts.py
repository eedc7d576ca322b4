"""Per-signature counts with Logs Insights after a sampled load.

The events live in moto (real HTTP); moto runs `fields`/`sort`/`limit` but not `stats`, so the
`stats count(*) ... by bin(60s)` queries are answered AWS-shaped (StartQuery -> queryId,
GetQueryResults -> status/results rows as in the API reference) by a stand-in that evaluates
the query string we built (`@message like "..."`, `and`, `not (...)`) on the ingested events.
That tests the strings we send and how we read the answers, not a mock of our own code.
"""

from __future__ import annotations

import datetime as dt
import json
import re

import pandas as pd
import pytest

from cw_support import AwsAnswers, logs_client, put_events
from triage.analysis import analyze
from triage.events import events_frame
from triage.pipeline import load_incident, with_signatures
from triage.sources.cloudwatch import CloudWatchSource
from triage.sources.cloudwatch.counting import InsightsSignature, count_query, label, learn, literals
from triage.sources.cloudwatch.insights import PollPolicy
from triage.sources.cloudwatch.session import CwSession

FAST = PollPolicy(first=0.01, factor=1.5, longest=0.05, timeout=5)
DEPLOY = dt.datetime.now(dt.timezone.utc).replace(second=0, microsecond=0) - dt.timedelta(hours=1)
TEMPLATES = {
    "get": "GET /api/items/{n} served in {ms}ms",
    "slow": "GET /api/items/{n} served in {ms}ms after upstream retry",
    "new": "payment provider rejected card token tok{n}",
    "ids": "{n} {ms}",
}


def make_events(n: int = 3000) -> list[tuple[int, str, str]]:
    """(epoch ms, message, template name) evenly over DEPLOY +- 30 min."""
    start = DEPLOY - dt.timedelta(minutes=30)
    out = []
    for i in range(n):
        t = start + dt.timedelta(hours=1) * i / n
        name = "new" if t >= DEPLOY and i % 7 == 0 else ("get", "get", "slow", "ids")[i % 4]
        out.append((int(t.timestamp() * 1000), TEMPLATES[name].format(n=1000 + i * 37 % 9000, ms=i % 300 + 1), name))
    return out


EVENTS = make_events()


# --- the query strings ------------------------------------------------------------------

def test_literals_are_template_text_every_member_holds():
    members = ["GET /a/1 served in 3ms", "GET /b/2 served in 9ms"]
    assert literals("GET <PATH> served in <DUR>", members) == ["served in"]  # "GET" is shorter than MIN_CHARS
    assert literals("<NUM> <NUM>", ["1 2"]) == []


def test_count_query_filters_each_signature_and_bins_by_minute():
    sigs = [InsightsSignature("a", ["served in"], 5, excludes=[1]), InsightsSignature("b", ["after upstream \"retry\""], 2)]
    assert count_query("filter @logStream like /^web/", sigs[0], sigs, 60) == (
        'filter @logStream like /^web/ | filter @message like "served in" and not '
        '(@message like "after upstream \\"retry\\"") | stats count(*) as n by bin(60s)')


def test_labels_follow_the_substring_test_on_the_sample():
    ev = events_frame({"timestamp": [DEPLOY] * 4, "message": ["GET /a served in 3ms", "GET /b served in 4ms after upstream retry",
                                                              "12 34", "GET /c served in 5ms"]})
    ev["raw"] = ev["message"]
    ev = with_signatures(ev)
    sigs = learn(ev)
    label(ev, sigs)
    kinds = {tuple(s.literals): s.kind for s in sigs}
    # the generic GET takes the retry line too, so it subtracts the more specific signature
    assert kinds == {("served in", "GET /"): "exact", ("after upstream retry", "GET /b served in"): "exact", (): "sampled"}
    get = next(s for s in sigs if s.literals == ["served in", "GET /"])
    assert [sigs[j].literals for j in get.excludes] == [["after upstream retry", "GET /b served in"]]


# --- against moto, with AWS-shaped answers for the stats queries -------------------------

_LIKE = re.compile(r'@message like "((?:[^"\\]|\\.)*)"')


def _matches(flt: str, message: str) -> bool:
    """Evaluate `like "x" and ... and not (like "y" and ...)` the way Logs Insights does (substrings)."""
    head, *nots = flt.split(" and not (")
    ok = all(json.loads(f'"{x}"') in message for x in _LIKE.findall(head))
    return ok and not any(all(json.loads(f'"{x}"') in message for x in _LIKE.findall(n)) for n in nots)


class InsightsStats:
    """Answers StartQuery/GetQueryResults for `stats ... by bin(60s)` queries with results computed
    from the ingested events; every other query goes to moto."""

    def __init__(self, client, events):
        self.events, self.queries = events, {}
        self.start = AwsAnswers(client, "StartQuery", [])
        self.results = AwsAnswers(client, "GetQueryResults", [])
        self.start.answers, self.results.answers = _Pending(self._start), _Pending(self._results)
        self.start.when = lambda p: "stats" in p["queryString"]
        self.results.when = lambda p: p["queryId"] in self.queries

    def _start(self):
        p = self.start._last
        qid = f"stats-{len(self.queries)}"
        self.queries[qid] = p
        return 200, {"queryId": qid}

    def _results(self):
        p = self.queries[self.results._last["queryId"]]
        m = re.search(r"(?:^|\| )filter (@message like .*?) \| stats", p["queryString"])
        lo, hi = p["startTime"] * 1000, p["endTime"] * 1000
        bins: dict[int, int] = {}
        for t, msg, _ in self.events:
            if lo <= t < hi and (m is None or _matches(m.group(1), msg)):
                bins[t // 60000 * 60000] = bins.get(t // 60000 * 60000, 0) + 1
        rows = [[{"field": "bin(60s)", "value": pd.Timestamp(k, unit="ms").strftime("%Y-%m-%d %H:%M:%S.000")},
                 {"field": "n", "value": str(v)}] for k, v in sorted(bins.items())]
        return 200, {"status": "Complete", "results": rows, "statistics": {"recordsMatched": float(sum(bins.values()))}}


class _Pending(list):
    """An answer list that never runs out: each answer is made when asked."""

    def __init__(self, make):
        super().__init__([None])
        self.make = make

    def pop(self, index=-1):
        return self.make()


@pytest.fixture
def loaded(cw_env):
    client = logs_client()
    client.create_log_group(logGroupName="/shop")
    client.create_log_stream(logGroupName="/shop", logStreamName="web-1")
    put_events(client, "/shop", "web-1", [(t, m) for t, m, _ in EVENTS])
    session = CwSession()
    stand_in = InsightsStats(session.client("logs"), EVENTS)
    source = CloudWatchSource(["/shop"], mode="insights", session=session, max_events=600, poll=FAST)
    inc = load_incident(source, deploy=DEPLOY, before=dt.timedelta(minutes=20), after=dt.timedelta(minutes=20),
                        margin=dt.timedelta(minutes=10))
    return inc, stand_in


def test_sampled_insights_load_counts_each_signature_over_the_window(loaded):
    inc, stand_in = loaded
    assert inc.report.estimated and len(inc.events) <= 700 and inc.counts is not None
    counted = [p["queryString"] for p in stand_in.queries.values() if "@message like" in p["queryString"]]
    assert len(counted) == 3  # one query per signature with constant text
    a = analyze(inc)
    sigs = a.signatures
    name_of = {}
    for sig, msg in zip(inc.events["signature"].astype(object), inc.events["message"].astype(object)):
        name_of[sig] = next(k for k, t in TEMPLATES.items() if re.fullmatch(re.escape(t).replace(r"\{n\}", r"\d+").replace(r"\{ms\}", r"\d+"), msg))
    lo, hi = int((DEPLOY - dt.timedelta(minutes=20)).timestamp() * 1000), int((DEPLOY + dt.timedelta(minutes=20)).timestamp() * 1000)
    mid = int(DEPLOY.timestamp() * 1000)
    for _, r in sigs.iterrows():
        name = name_of[r["signature"]]
        if name == "ids":
            assert r["counts"] == "sampled"
            continue
        assert r["counts"] == "exact", name
        want = (sum(1 for t, _, k in EVENTS if k == name and lo <= t < mid), sum(1 for t, _, k in EVENTS if k == name and mid <= t < hi))
        assert (r["before"], r["after"]) == want, name
    assert sigs.set_index("signature")["status"][[s for s, n in name_of.items() if n == "new"][0]] == "NEW"
    assert any("signature counts from Logs Insights: 3 exact, 1 sampled" in n for n in inc.report.notes)
