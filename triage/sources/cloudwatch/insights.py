"""CloudWatch Logs Insights: building the queries, running them, and fetching every row.

An Insights query returns at most 10,000 rows. We first ask the server for counts per
time bin (`stats count(*) by bin(...)`), cut the window into slices that each fit, and
run the slices a few at a time. A slice that still comes back full is continued from its
last timestamp until nothing is truncated. When the total is over the event cap, each
slice fetches a proportional share and the load is marked as a scaled estimate.
"""

from __future__ import annotations

import math
import re
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime

import pandas as pd

from triage.events import LoadReport, Progress, SourceError
from triage.sources.cloudwatch.logs import RecordBuffer, to_ms
from triage.sources.cloudwatch.session import CwSession, sleep

ROW_LIMIT = 10_000  # rows one Insights query can return
SLICE_BUDGET = 8_000  # planned rows per slice, leaving room for late-arriving events
MAX_GROUPS = 50  # log groups one StartQuery accepts
EVENT_FIELDS = "fields @timestamp, @message, @logStream, @log"
DONE_STATES = ("Complete", "Failed", "Cancelled", "Timeout")
_FORBIDDEN = re.compile(r"(?:^|\|)\s*(stats|limit|display|dedup)\b", re.IGNORECASE)
_ACCOUNT = re.compile(r"^\d{12}:")


def check_user_query(query: str) -> str:
    """The user's query, or a SourceError if it cannot return raw events we can page through."""
    query = query.strip().strip("|").strip()
    m = _FORBIDDEN.search(query)
    if m:
        raise SourceError(
            f"the --insights query uses '{m.group(1)}'",
            "give a query that returns events (fields/filter/parse); triage adds sort, limit and counting itself",
        )
    return query


def base_query(user_query: str | None, stream_prefix: str | None, filter_pattern: str | None) -> str:
    """The filtering part shared by the count query and the event query."""
    parts = []
    if user_query:
        parts.append(check_user_query(user_query))
    if stream_prefix:
        parts.append(f"filter @logStream like /^{_regex_escape(stream_prefix)}/")
    if filter_pattern:
        parts.extend(_pattern_filters(filter_pattern))
    return " | ".join(parts)


def event_query(base: str, limit: int = ROW_LIMIT) -> str:
    head = f"{EVENT_FIELDS} | {base}" if base else EVENT_FIELDS
    return f"{head} | sort @timestamp asc | limit {limit}"


def count_query(base: str, bin_seconds: int) -> str:
    stats = f"stats count(*) as n by bin({bin_seconds}s)"
    return f"{base} | {stats}" if base else stats


def bin_seconds_for(span_s: float) -> int:
    """Whole minutes, at most about 240 bins over the window (each bin is a query when sampling)."""
    return max(60, math.ceil(span_s / 240 / 60) * 60)


def _regex_escape(text: str) -> str:
    return re.sub(r"([\\/.^$|?*+()\[\]{}-])", r"\\\1", text)


def _pattern_filters(pattern: str) -> list[str]:
    """Plain terms and quoted phrases of a filter pattern as Insights filters (AND)."""
    terms = re.findall(r'"((?:[^"\\]|\\.)*)"|(\S+)', pattern)
    out = []
    for quoted, bare in terms:
        term = quoted or bare
        if bare and (bare[0] in "?-{[%" or "=" in bare):
            raise SourceError(
                f"cannot translate filter pattern '{pattern}' to Logs Insights",
                "use the filter path (--cw-mode filter) or write the filter in --insights",
            )
        out.append(f"filter @message like {_quote(term)}")
    return out


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def parse_rows(results: list[list[dict]]) -> list[dict[str, str]]:
    """GetQueryResults rows ([{field, value}, ...]) as plain dicts."""
    return [{c.get("field", ""): c.get("value", "") for c in row} for row in results]


def parse_time_ms(values: list[str]) -> list[int]:
    """Insights times ("2024-05-01 12:00:00.000", UTC) as epoch milliseconds."""
    if not values:
        return []
    s = pd.Series(values, dtype=object)
    digits = s.str.fullmatch(r"\d+").fillna(False).astype(bool)
    out = pd.Series(0, index=s.index, dtype="int64")
    if digits.any():
        out[digits] = s[digits].astype("int64")
    if (~digits).any():
        ts = pd.to_datetime(s[~digits], utc=True, format="mixed", errors="coerce")
        if ts.isna().any():
            raise SourceError("Logs Insights returned an unreadable @timestamp", "report this; the query may rename @timestamp")
        out[~digits] = ts.astype("datetime64[ms, UTC]").astype("int64")
    return out.tolist()


def parse_counts(rows: list[dict[str, str]]) -> dict[int, int] | None:
    """{bin start (epoch ms): count} from a `stats count(*) as n by bin(..)` result, None if not that shape."""
    counts: dict[int, int] = {}
    for row in rows:
        key = next((k for k in row if k.startswith("bin(")), None)
        if key is None or "n" not in row:
            return None
        try:
            n = int(float(row["n"]))
        except ValueError:
            return None
        counts[parse_time_ms([row[key]])[0]] = n
    return counts


@dataclass
class Slice:
    lo: int  # epoch ms, inclusive
    hi: int  # epoch ms, exclusive
    limit: int = ROW_LIMIT  # rows to fetch
    expected: int | None = None
    sample: bool = False  # a share of a sample: a full result is not a truncation


def plan_slices(counts: dict[int, int], lo: int, hi: int, bin_ms: int, budget: int = SLICE_BUDGET) -> list[Slice]:
    """Cut [lo, hi) at bin edges so each slice's expected rows stay within `budget`;
    a bin over budget is cut evenly in time. Empty stretches join their neighbours."""
    slices: list[Slice] = []
    cur_lo, cur_n = lo, 0
    edge = lo - lo % bin_ms
    while edge < hi:
        b_lo, b_hi = max(edge, lo), min(edge + bin_ms, hi)
        n = counts.get(edge, 0)
        if cur_n + n > budget and cur_lo < b_lo:
            slices.append(Slice(cur_lo, b_lo, expected=cur_n))
            cur_lo, cur_n = b_lo, 0
        if n > budget:
            parts = min(math.ceil(n / budget), max(1, (b_hi - b_lo) // 1000))
            step = (b_hi - b_lo) / parts
            cuts = [b_lo + round(i * step) for i in range(parts)] + [b_hi]
            slices.extend(Slice(a, b, expected=math.ceil(n / parts)) for a, b in zip(cuts, cuts[1:]))
            cur_lo, cur_n = b_hi, 0
        else:
            cur_n += n
        edge += bin_ms
    if cur_lo < hi:
        slices.append(Slice(cur_lo, hi, expected=cur_n))
    return [s for s in slices if s.expected != 0] if counts else slices


def plan_sample(counts: dict[int, int], lo: int, hi: int, bin_ms: int, fraction: float) -> tuple[list[Slice], float]:
    """Slices for a time-stratified sample: one per non-empty bin, each fetching its share.

    Insights cannot sort randomly, so a slice yields its first rows in time; keeping slices
    as small as the count bins keeps that bias within one bin. Returns the slices and the
    scale (real count / fetched count).
    """
    slices: list[Slice] = []
    fetched = 0
    for edge, n in sorted(counts.items()):
        b_lo, b_hi = max(edge, lo), min(edge + bin_ms, hi)
        if n <= 0 or b_lo >= b_hi:
            continue
        want = max(1, round(n * fraction))
        parts = min(math.ceil(want / SLICE_BUDGET), max(1, (b_hi - b_lo) // 1000))
        cuts = [b_lo + round(i * (b_hi - b_lo) / parts) for i in range(parts)] + [b_hi]
        for a, b in zip(cuts, cuts[1:]):
            limit = min(ROW_LIMIT, math.ceil(want / parts))
            slices.append(Slice(a, b, limit=limit, expected=math.ceil(n / parts), sample=True))
            fetched += min(limit, math.ceil(n / parts))
    return slices, sum(counts.values()) / max(1, fetched)


@dataclass
class PollPolicy:
    first: float = 0.5
    factor: float = 1.5
    longest: float = 5.0
    timeout: float = 900.0  # client-side limit per query, seconds


@dataclass
class InsightsFetch:
    """Runs the count query, then the event slices (`parallel` at a time), into a RecordBuffer."""

    session: CwSession
    user_query: str | None = None
    stream_prefix: str | None = None
    filter_pattern: str | None = None
    max_events: int = 2_000_000
    parallel: int = 4
    poll: PollPolicy = field(default_factory=PollPolicy)
    queries_run: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.base = base_query(self.user_query, self.stream_prefix, self.filter_pattern)

    def run(self, groups: list[str], start: datetime, end: datetime, progress: Progress,
            buffer: RecordBuffer, report: LoadReport) -> None:
        if len(groups) > MAX_GROUPS:
            raise SourceError(
                f"{len(groups)} log groups match; Logs Insights queries at most {MAX_GROUPS}",
                "narrow the --log-group prefix",
            )
        lo, hi = to_ms(start), to_ms(end) + 1
        slices, total, scale = self._plan(groups, lo, hi, progress)
        shown = event_query(self.base) if scale == 1.0 else event_query(self.base).replace(
            f"limit {ROW_LIMIT}", "limit <share of the sample per time bin>")
        self.queries_run.append(shown)
        if scale > 1.0:
            report.estimated = True
            report.scale = max(report.scale, scale)
            report.notes.append(f"Logs Insights sampled about {self.max_events:,} of {total:,} events evenly over the window")
        if total is not None:
            progress.update(total=min(total, self.max_events))
        self._fetch(groups, slices, progress, buffer, report)

    def _plan(self, groups, lo, hi, progress) -> tuple[list[Slice], int | None, float]:
        bin_s = bin_seconds_for((hi - lo) / 1000)
        self.queries_run[:] = [count_query(self.base, bin_s)]
        rows = self.run_query(groups, self.queries_run[0], lo, hi, progress,
                               "Logs Insights: counting events per time bin")
        counts = parse_counts(rows)
        if counts is None:  # not a stats result: fetch blind and split on truncation
            return [Slice(lo, hi)], None, 1.0
        total = sum(counts.values())
        if total > self.max_events:
            slices, scale = plan_sample(counts, lo, hi, bin_s * 1000, self.max_events / total)
            return slices, total, scale
        return plan_slices(counts, lo, hi, bin_s * 1000), total, 1.0

    def _fetch(self, groups, slices, progress, buffer, report) -> None:
        queue = deque(slices)
        active: dict[str, Slice] = {}
        wait = self.poll.first
        started: dict[str, float] = {}
        try:
            while queue or active:
                while queue and len(active) < self.parallel:
                    s = queue.popleft()
                    qid = self._start(groups, event_query(self.base, s.limit), s.lo, s.hi, progress)
                    active[qid], started[qid] = s, time.monotonic()
                progress.update(message=f"Logs Insights: {buffer.count:,} events, {len(active) + len(queue)} slices left")
                sleep(wait, progress)
                wait = min(wait * self.poll.factor, self.poll.longest)
                for qid in list(active):
                    rows = self._poll(qid, started[qid], progress)
                    if rows is None:
                        continue
                    s = active.pop(qid)
                    follow = self._take(s, rows, groups, buffer, report)
                    if follow is not None and buffer.count >= self.max_events:
                        report.partial = True
                        report.notes.append(f"stopped at {buffer.count:,} events (cap); later events missing")
                        queue.clear()
                    elif follow is not None:
                        queue.appendleft(follow)
                    progress.update(done=buffer.count)
                    wait = self.poll.first
        except BaseException:
            for qid in active:
                self._stop(qid)
            raise

    def _take(self, s: Slice, rows, groups, buffer, report) -> Slice | None:
        """Keep the rows inside the slice; the continuation slice when the result was cut off."""
        times = parse_time_ms([r.get("@timestamp", "") for r in rows])
        truncated = len(rows) >= s.limit and not s.sample
        keep_below = s.hi
        follow = None
        if truncated:
            last = max(times)
            if last > s.lo:
                keep_below, follow = last, Slice(last, s.hi)
            else:
                report.partial = True
                report.notes.append(f"more than {ROW_LIMIT:,} events in one millisecond at {_iso(last)}; some are missing")
        picked = [(t, r) for t, r in zip(times, rows) if s.lo <= t < keep_below]
        buffer.add(
            [t for t, _ in picked],
            [r.get("@message", "") for _, r in picked],
            [f"{_group_of(r, groups)}/{r.get('@logStream', '')}" for _, r in picked],
        )
        return follow

    def run_query(self, groups, query, lo, hi, progress, label) -> list[dict[str, str]]:
        qid = self._start(groups, query, lo, hi, progress)
        begun, wait = time.monotonic(), self.poll.first
        try:
            while True:
                progress.update(message=f"{label} ({time.monotonic() - begun:.0f}s)")
                rows = self._poll(qid, begun, progress)
                if rows is not None:
                    return rows
                sleep(wait, progress)
                wait = min(wait * self.poll.factor, self.poll.longest)
        except BaseException:
            self._stop(qid)
            raise

    def _start(self, groups, query, lo, hi, progress) -> str:
        response = self.session.call(
            "logs", "StartQuery", progress, what="Logs Insights query",
            logGroupNames=groups, startTime=lo // 1000, endTime=math.ceil(hi / 1000), queryString=query,
        )
        return response["queryId"]

    def _poll(self, qid: str, begun: float, progress: Progress) -> list[dict[str, str]] | None:
        """Rows when the query finished, None while it runs; SourceError when it failed."""
        response = self.session.call("logs", "GetQueryResults", progress, what="Logs Insights query", queryId=qid)
        status = response.get("status", "Unknown")
        if status == "Complete":
            return parse_rows(response.get("results", []))
        if status == "Timeout" or (status not in DONE_STATES and time.monotonic() - begun > self.poll.timeout):
            raise SourceError("the Logs Insights query timed out", "narrow the window or the query, or add filters")
        if status in ("Failed", "Cancelled"):
            raise SourceError(f"the Logs Insights query ended as {status}", "check the --insights query and the log groups")
        return None

    def _stop(self, qid: str) -> None:
        """Best effort: a query left running keeps costing money and a concurrency slot."""
        try:
            self.session.client("logs").stop_query(queryId=qid)
        except Exception:  # noqa: BLE001 - already finished, or we are failing anyway
            pass


def _group_of(row: dict[str, str], groups: list[str]) -> str:
    log = row.get("@log")
    return _ACCOUNT.sub("", log) if log else groups[0]


def _iso(ms: int) -> str:
    return pd.Timestamp(ms, unit="ms", tz="UTC").strftime("%Y-%m-%dT%H:%M:%S.%fZ")
