"""The CloudWatch Source itself (re-exported by the package, loaded on first use)."""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from triage.events import Cancelled, LoadReport, LoadResult, Progress, SourceError, empty_events, empty_metrics
from triage.sources.cloudwatch.insights import InsightsFetch, PollPolicy, event_query
from triage.sources.cloudwatch.logs import FilterFetch, RecordBuffer, resolve_groups
from triage.sources.cloudwatch.metrics import (
    MetricFetch,
    MetricSpec,
    parse_dimensions,
    parse_spec,
    preset_specs,
    spec_error,
)
from triage.sources.cloudwatch.options import DEFAULT_MAX_EVENTS, MODES, add_arguments  # noqa: F401  (re-exported)
from triage.sources.cloudwatch.session import CwSession

DEFAULT_SPAN = timedelta(hours=1)


@dataclass
class CloudWatchSource:
    """Log groups (and optional metric specs) in one AWS region; kind "cloudwatch"."""

    log_groups: list[str]
    region: str | None = None
    profile: str | None = None
    stream_prefix: str | None = None
    filter_pattern: str | None = None
    insights: str | None = None
    mode: str = "auto"
    metrics: list[MetricSpec] = field(default_factory=list)
    max_events: int = DEFAULT_MAX_EVENTS
    session: CwSession | None = None
    poll: PollPolicy = field(default_factory=PollPolicy)  # how Insights queries are polled
    kind: str = "cloudwatch"
    count_signatures: bool = True  # a sampled Insights load counts its signatures with one query each

    def __post_init__(self) -> None:
        if not self.log_groups:
            raise SourceError("no log group given", "pass --log-group NAME (repeatable; PREFIX* for a prefix)")
        if self.mode not in MODES:
            raise SourceError(f"unknown --cw-mode '{self.mode}'", "use auto, filter or insights")
        if self.mode == "filter" and self.insights:
            raise SourceError("--insights needs Logs Insights", "drop --cw-mode filter, or drop --insights")
        if self.session is None:
            self.session = CwSession(region=self.region, profile=self.profile)
        self._resolved: list[str] | None = None
        self._insights: InsightsFetch | None = None
        if self.fetch_mode() == "insights":  # validate the query before any network call
            self._insights = InsightsFetch(self.cw, self.insights, self.stream_prefix, self.filter_pattern,
                                           max_events=self.max_events, poll=self.poll)

    @property
    def cw(self) -> CwSession:
        """The AWS session (made in __post_init__ when none was given)."""
        assert self.session is not None
        return self.session

    def fetch_mode(self) -> str:
        """Insights when asked for (or when a query is given), else FilterLogEvents."""
        if self.mode != "auto":
            return self.mode
        return "insights" if self.insights else "filter"

    def describe(self) -> str:
        groups = self._resolved or self.log_groups
        more = f" (+{len(groups) - 1})" if len(groups) > 1 else ""
        where = self.cw.region_label()
        endpoint = " via custom endpoint" if os.environ.get("AWS_ENDPOINT_URL") else ""
        return f"cloudwatch {groups[0]}{more} @ {where}{endpoint}"

    def queries(self) -> list[str]:
        groups = ", ".join(self._resolved or self.log_groups)
        out: list[str] = []
        if self._insights is not None:
            run = self._insights.queries_run or [event_query(self._insights.base)]
            out.extend(f"Logs Insights [{groups}]: {q}" for q in run)
        else:
            bits = [f"FilterLogEvents [{groups}]"]
            if self.filter_pattern:
                bits.append(f"pattern {self.filter_pattern!r}")
            if self.stream_prefix:
                bits.append(f"streams {self.stream_prefix}*")
            out.append(" ".join(bits))
        out.extend(f"GetMetricData {spec.spec_text()}" for spec in self.metrics)
        return out

    def load(self, start: datetime | None, end: datetime | None, progress: Progress) -> LoadResult:
        start, end = window(start, end)
        got = Fetched()
        try:
            got = self._fetch_logs(start, end, progress, got)
        except Cancelled:
            raise Cancelled(self._result(got, empty_metrics(), partial=True)) from None
        try:
            metrics = MetricFetch(self.cw, self.metrics).run(start, end, progress, got.report)
        except Cancelled:
            raise Cancelled(self._result(got, empty_metrics(), partial=True)) from None
        except SourceError as exc:
            got.report.partial = True
            got.report.notes.append(f"CloudWatch metrics not loaded: {exc}")
            metrics = empty_metrics()
        result = self._result(got, metrics)
        if self.count_signatures and result.report.estimated and self._insights is not None and len(result.events):
            try:
                self._count(result, start, end, progress)
            except Cancelled:
                raise Cancelled(result) from None
        n = len(result.events)
        progress.update(done=n, total=n, message=f"{n:,} events from CloudWatch")
        return result

    def _fetch_logs(self, start, end, progress, got: Fetched) -> Fetched:
        """Fetch into `got`; a failure after some data keeps it, labelled partial."""
        try:
            self._resolved = resolve_groups(self.cw, self.log_groups, progress)
            if self._insights is not None:
                self._insights.run(self._resolved, start, end, progress, got.buffer, got.report)
                return got
            fetch = FilterFetch(self.cw, self.stream_prefix, self.filter_pattern, self.max_events)
            fetch.run(self._resolved, start, end, progress, got.buffer, got.report)
            if fetch.capped and self.mode == "auto":
                return self._switch_to_insights(start, end, progress, got)
        except SourceError as exc:
            if not got.buffer.count:
                raise
            got.report.partial = True
            got.report.notes.append(f"stopped after {got.buffer.count:,} events: {exc}")
        return got

    def _switch_to_insights(self, start, end, progress, capped: Fetched) -> Fetched:
        """Over the cap, FilterLogEvents keeps only the start of the window (biasing the after
        window); Logs Insights counts on the server and samples the whole window instead.
        If Insights cannot run the same filter or fails, the capped fetch stands."""
        try:
            insights = InsightsFetch(self.cw, None, self.stream_prefix, self.filter_pattern,
                                     max_events=self.max_events, poll=self.poll)
        except SourceError:
            return capped
        progress.update(message=f"more than {self.max_events:,} events: switching to Logs Insights to sample the window")
        got = Fetched()
        try:
            insights.run(self._resolved or [], start, end, progress, got.buffer, got.report)
        except SourceError as exc:
            capped.report.notes.append(f"Logs Insights fallback failed: {exc}")
            return capped
        self._insights = insights
        got.report.notes.insert(0, f"over {self.max_events:,} events: fetched with Logs Insights instead of FilterLogEvents")
        return got

    def _count(self, result: LoadResult, start, end, progress: Progress) -> None:
        """Group the sample, then count each signature over the window with Logs Insights."""
        from triage.pipeline import with_signatures
        from triage.sources.cloudwatch import counting
        from triage.sources.cloudwatch.logs import to_ms

        progress.update(message="grouping the sample into signatures")
        result.events = with_signatures(result.events)
        insights = self._insights
        assert insights is not None  # only called after an Insights fetch
        lo, hi = to_ms(start), to_ms(end) + 1
        groups = self._resolved or []

        def run(query: str, label: str):
            insights.queries_run.append(query)
            return insights.run_query(groups, query, lo, hi, progress, label)

        try:
            result.counts = counting.signature_counts(run, insights.base, result.events, 60, progress, result.report)
        except SourceError as exc:
            result.report.notes.append(f"signatures could not be counted with Logs Insights, counts are sampled: {exc}")

    def _result(self, got: Fetched, metrics, partial=False) -> LoadResult:
        got.report.partial = got.report.partial or partial
        events = got.buffer.to_events(got.report) if got.buffer.count else empty_events()
        return LoadResult(events=events, metrics=metrics, report=got.report, description=self.describe())


@dataclass
class Fetched:
    """The log records fetched so far and what the fetch had to say about them."""

    buffer: RecordBuffer = field(default_factory=RecordBuffer)
    report: LoadReport = field(default_factory=LoadReport)


@dataclass
class CloudWatchMetricsSource:
    """CloudWatch metrics alone, e.g. next to logs from files or Elasticsearch; kind "cloudwatch"."""

    specs: list[MetricSpec]
    region: str | None = None
    profile: str | None = None
    session: CwSession | None = None
    kind: str = "cloudwatch"

    def __post_init__(self) -> None:
        if self.session is None:
            self.session = CwSession(region=self.region, profile=self.profile)

    @property
    def cw(self) -> CwSession:
        assert self.session is not None
        return self.session

    def describe(self) -> str:
        return f"cloudwatch metrics ({len(self.specs)} series) @ {self.cw.region_label()}"

    def queries(self) -> list[str]:
        return [f"GetMetricData {spec.spec_text()}" for spec in self.specs]

    def load(self, start: datetime | None, end: datetime | None, progress: Progress) -> LoadResult:
        start, end = window(start, end)
        report = LoadReport()
        metrics = MetricFetch(self.cw, self.specs).run(start, end, progress, report)
        return LoadResult(events=empty_events(), metrics=metrics, report=report, description=self.describe())


def window(start: datetime | None, end: datetime | None) -> tuple[datetime, datetime]:
    """CloudWatch needs a bounded range: missing ends default to now and an hour before."""
    end = end or datetime.now(timezone.utc)
    start = start or (end - DEFAULT_SPAN)
    if start >= end:
        raise SourceError("the time window is empty", "check --deploy, --before and --after")
    return start, end


def metric_specs(args: argparse.Namespace) -> list[MetricSpec]:
    """Specs from --cw-metric and --cw-preset-metrics/--cw-dim; SourceError on a bad spec."""
    try:
        specs = [parse_spec(s) for s in (getattr(args, "cw_metric", None) or [])]
        preset = getattr(args, "cw_preset_metrics", None)
        dims_text = ",".join(getattr(args, "cw_dim", None) or [])
        if preset:
            specs.extend(preset_specs(preset, parse_dimensions(dims_text)))
        elif dims_text:
            raise ValueError("--cw-dim only applies to --cw-preset-metrics")
    except ValueError as exc:
        raise spec_error(exc) from None
    return list(dict.fromkeys(specs))


def from_args(args: argparse.Namespace) -> CloudWatchSource:
    max_events = getattr(args, "cw_max_events", None)
    max_events = DEFAULT_MAX_EVENTS if max_events is None else max_events
    if max_events < 1:
        raise SourceError("--cw-max-events must be positive", "e.g. --cw-max-events 500000")
    return CloudWatchSource(
        log_groups=list(getattr(args, "log_group", None) or []),
        region=getattr(args, "region", None),
        profile=getattr(args, "profile", None),
        stream_prefix=getattr(args, "log_stream_prefix", None),
        filter_pattern=getattr(args, "filter_pattern", None),
        insights=getattr(args, "insights", None),
        mode=getattr(args, "cw_mode", None) or "auto",
        metrics=metric_specs(args),
        max_events=max_events,
    )


def metrics_from_args(args: argparse.Namespace) -> CloudWatchMetricsSource | None:
    """A metrics-only source when CloudWatch metrics are asked for next to another log source."""
    specs = metric_specs(args)
    if not specs:
        return None
    return CloudWatchMetricsSource(specs, region=getattr(args, "region", None), profile=getattr(args, "profile", None))


__all__ = [
    "CloudWatchSource", "CloudWatchMetricsSource", "add_arguments", "from_args", "metrics_from_args",
    "metric_specs",
]
