"""The Elasticsearch/OpenSearch Source itself (re-exported by the package, loaded on first use)."""

from __future__ import annotations

import argparse
import os
from datetime import datetime

import pandas as pd

from triage.events import Cancelled, LoadReport, LoadResult, Progress, SourceError, empty_metrics
from triage.sources.elasticsearch.connect import (
    ENV_CLOUD_ID,
    ENV_URL,
    Cluster,
    ConnectionSettings,
    Credentials,
    connect,
)
from triage.sources.elasticsearch.counting import signature_counts
from triage.sources.elasticsearch.metrics import Buckets, count_series, field_series, parse_metric_spec
from triage.sources.elasticsearch.options import DEFAULT_MAX_DOCS, add_arguments  # noqa: F401  (re-exported)
from triage.sources.elasticsearch.query import (
    FetchPlan,
    build_filters,
    fetch_events,
    overview,
    parse_field_overrides,
    parse_filters,
    resolve_fields,
    sampled_query,
)

DEFAULT_PAGE_SIZE = 5000


class ElasticsearchSource:
    """Logs from an index pattern on Elasticsearch or OpenSearch (flavor detected from GET /)."""

    def __init__(self, settings: ConnectionSettings, index: str, *, query: str | None = None,
                 filters: list[tuple[str, list[str]]] | None = None, field_overrides: dict[str, str] | None = None,
                 metrics: list[str] | None = None, max_docs: int = DEFAULT_MAX_DOCS,
                 page_size: int = DEFAULT_PAGE_SIZE, kind: str = "elasticsearch", count_in_cluster: bool = True):
        if not index:
            raise SourceError("no index given", "pass --index PATTERN, e.g. --index 'logs-*' or 'filebeat-*'")
        if max_docs < 1 or page_size < 1:
            raise SourceError("--es-max-docs must be a positive number", "e.g. --es-max-docs 200000")
        self.settings = settings
        self.index = index
        self.query = query
        self.filters = filters or []
        self.field_overrides = field_overrides or {}
        self.metrics = metrics or []
        for spec in self.metrics:
            parse_metric_spec(spec, index)
        self.max_docs = max_docs
        self.count_in_cluster = count_in_cluster
        self.page_size = min(page_size, 10_000)
        self.kind = settings.flavor if settings.flavor != "auto" else kind

    def describe(self) -> str:
        return f"{self.kind} {self.index} @ {self.settings.where()}"

    def queries(self) -> list[str]:
        text = f"{self.index}: {self.query.strip() if self.query and self.query.strip() else '*'}"
        for name, values in self.filters:
            text += f" AND {name}:({' OR '.join(values)})"
        return [text]

    def load(self, start: datetime | None, end: datetime | None, progress: Progress) -> LoadResult:
        progress.update(done=0, total=None, message=f"connecting to {self.settings.where()}")
        cluster = connect(self.settings)
        self.kind = cluster.flavor
        try:
            return self._load(cluster, start, end, progress)
        finally:
            cluster.close()

    def _load(self, cluster: Cluster, start, end, progress: Progress) -> LoadResult:
        report = LoadReport()
        fields = resolve_fields(cluster, self.index, self.field_overrides)
        report.notes.extend(fields.notes)
        clauses = build_filters(fields.timestamp, start, end, self.query, self.filters)
        progress.update(message=f"counting matching documents in {self.index}")
        total, first, last = overview(cluster, self.index, fields, clauses)
        progress.update(total=min(total, self.max_docs))
        progress.check()
        metrics = self._metrics(cluster, fields, clauses, start, end, first, last, report)
        progress.check()
        plan = self._plan(fields, clauses, total)
        events, cancelled = fetch_events(cluster, plan, progress, report)
        counts = None
        if plan.expected < total and len(events):
            report.estimated = True
            report.scale = total / max(1, len(events) + report.skipped.get("documents without a message", 0))
            report.notes.append(f"sampled {len(events):,} of {total:,} documents evenly over time; "
                                f"exact per-minute totals are in the 'log events' metrics")
            if self.count_in_cluster and not cancelled:
                events, counts = self._count(cluster, events, fields, clauses, start, end, first, last, progress, report)
        result = LoadResult(events=events, metrics=metrics, report=report, description=self.describe(), counts=counts)
        if cancelled:
            raise Cancelled(result)
        progress.update(done=len(events), message=f"loaded {len(events):,} events from {self.index}")
        return result

    def _count(self, cluster, events, fields, clauses, start, end, first, last, progress, report):
        """Group the sample here (the filters need its signatures), then count each one in the cluster."""
        from triage.pipeline import with_signatures

        progress.update(message="grouping the sample into signatures")
        events = with_signatures(events)
        buckets = _count_buckets(start, end, first, last)
        if buckets is None:
            return events, None
        try:
            counts, _ = signature_counts(cluster, self.index, events, fields, clauses, buckets, progress, report)
        except SourceError as exc:
            report.notes.append(f"signatures could not be counted in the cluster, counts are sampled: {exc}")
            return events, None
        return events, counts

    def _plan(self, fields, clauses: list[dict], total: int) -> FetchPlan:
        """Everything matching, or above the cap a uniform sample of about max_docs documents."""
        if total <= self.max_docs:
            return FetchPlan(self.index, {"bool": {"filter": clauses}}, fields, total, self.page_size)
        fraction = self.max_docs / total
        return FetchPlan(self.index, sampled_query(clauses, fraction), fields, int(total * fraction), self.page_size)

    def _metrics(self, cluster, fields, clauses, start, end, first, last, report) -> pd.DataFrame:
        lo = int(start.timestamp() * 1000) if start else first
        hi = int(end.timestamp() * 1000) if end else (last + 1 if last is not None else None)
        if lo is None or hi is None or hi <= lo:
            return empty_metrics()
        buckets = Buckets.over(lo, hi)
        frames = []
        try:
            frames.append(count_series(cluster, self.index, clauses, fields, buckets))
        except SourceError as exc:
            report.notes.append(f"exact totals unavailable: {exc}")
        frames.append(field_series(cluster, self.metrics, self.index, fields.timestamp, buckets, report))
        frames = [f for f in frames if len(f)]
        return pd.concat(frames, ignore_index=True) if frames else empty_metrics()


def _count_buckets(start, end, first, last) -> Buckets | None:
    """Buckets from the load start (so windows a whole number of minutes from it add up exactly):
    one minute, coarser only when the range is too long for one-minute buckets."""
    lo = int(start.timestamp() * 1000) if start else first
    hi = int(end.timestamp() * 1000) if end else (last + 1 if last is not None else None)
    if lo is None or hi is None or hi <= lo:
        return None
    return Buckets.over(lo, hi)


def from_args(args: argparse.Namespace) -> ElasticsearchSource:
    env = os.environ
    urls = [u for u in (getattr(args, "es_url", None) or []) if u]
    cloud_id = getattr(args, "es_cloud_id", None) or (None if urls else env.get(ENV_CLOUD_ID))
    if not urls and not cloud_id and env.get(ENV_URL):
        urls = [u.strip() for u in env[ENV_URL].split(",") if u.strip()]
    kind = getattr(args, "source", None) or "elasticsearch"
    settings = ConnectionSettings(
        urls=urls, cloud_id=cloud_id, flavor=getattr(args, "es_flavor", None) or "auto",
        ca_certs=getattr(args, "es_ca", None), insecure=bool(getattr(args, "es_insecure", False)),
        timeout=float(getattr(args, "es_timeout", None) or 30.0), credentials=Credentials.from_env(),
        default_flavor="opensearch" if kind == "opensearch" else "elasticsearch",
        aws_sigv4=bool(getattr(args, "es_aws_sigv4", False)),
        aws_region=getattr(args, "region", None), aws_profile=getattr(args, "profile", None),
    )
    settings.credentials.aws = settings.aws_sigv4
    if not urls and not cloud_id:
        raise SourceError(f"no {kind} address given",
                          f"pass --es-url URL (or set {ENV_URL}), or --es-cloud-id (or {ENV_CLOUD_ID})")
    return ElasticsearchSource(
        settings, getattr(args, "index", None) or "",
        query=getattr(args, "query", None),
        filters=parse_filters(getattr(args, "es_filter", None)),
        field_overrides=parse_field_overrides(getattr(args, "es_field", None)),
        metrics=getattr(args, "es_metric", None) or [],
        max_docs=getattr(args, "es_max_docs", None) or DEFAULT_MAX_DOCS,
        kind=kind,
        count_in_cluster=(getattr(args, "es_count", None) or "cluster") == "cluster",
    )
