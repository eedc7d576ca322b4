"""Metric series computed by the cluster: exact event counts per time bucket, and numeric fields.

Counts come from aggregations over every matching document (no documents pulled), so
they stay exact even when the document fetch is sampled. Numeric fields (metricbeat's
`system.cpu.total.norm.pct`, latencies ...) become mean and p95 series per bucket.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from triage.events import LoadReport, SourceError, empty_metrics, metrics_frame
from triage.parsing.levels import level_of
from triage.sources.elasticsearch.connect import Cluster
from triage.sources.elasticsearch.query import Fields

_INTERVALS = [("1m", 60), ("2m", 120), ("5m", 300), ("10m", 600), ("15m", 900), ("30m", 1800),
              ("1h", 3600), ("3h", 10800), ("6h", 21600), ("12h", 43200), ("1d", 86400)]
MAX_BUCKETS = 360
TOP_TERMS = 10


@dataclass
class Buckets:
    """The time bucketing shared by every series of one load."""

    start_ms: int
    end_ms: int
    name: str
    seconds: int

    @classmethod
    def over(cls, start_ms: int, end_ms: int) -> Buckets:
        span = max(1, (end_ms - start_ms) // 1000)
        for name, seconds in _INTERVALS:
            if span / seconds <= MAX_BUCKETS:
                return cls(start_ms, end_ms, name, seconds)
        name, seconds = _INTERVALS[-1]
        return cls(start_ms, end_ms, name, seconds)

    def histogram(self, ts_field: str) -> dict:
        return {"date_histogram": {
            "field": ts_field, "fixed_interval": self.name, "min_doc_count": 0,
            "extended_bounds": {"min": self.start_ms, "max": max(self.start_ms, self.end_ms - 1)},
        }}


def count_series(cluster: Cluster, index: str, clauses: list[dict], fields: Fields, buckets: Buckets) -> pd.DataFrame:
    """Exact events per minute over time: overall, by level, top services and hosts, HTTP 4xx/5xx."""
    hist = buckets.histogram(fields.timestamp)
    aggs: dict = {"all": hist}
    if fields.agg.get("level"):
        aggs["levels"] = {"terms": {"field": fields.agg["level"], "size": 20}, "aggs": {"t": hist}}
    for name in ("service", "host"):
        if fields.agg.get(name):
            aggs[name] = {"terms": {"field": fields.agg[name], "size": TOP_TERMS}, "aggs": {"t": hist}}
    status = fields.agg.get("http_status")
    if status and fields.status_numeric:
        ranges = [{"key": "4xx", "from": 400, "to": 500}, {"key": "5xx", "from": 500, "to": 600}]
        aggs["status"] = {"range": {"field": status, "ranges": ranges, "keyed": True}, "aggs": {"t": hist}}
    elif status:  # status stored as a string: bucket the distinct codes, classify here
        aggs["codes"] = {"terms": {"field": status, "size": 200}, "aggs": {"t": hist}}
    body = {"size": 0, "track_total_hits": False, "query": {"bool": {"filter": clauses}}, "aggs": aggs}
    res = cluster.search(body, index=index, what="counting events per time bucket")
    out = res.get("aggregations") or {}
    per_min = 60.0 / buckets.seconds
    rows: list[tuple] = []
    _rows(rows, "log events", "", out.get("all"), per_min)
    levels = _merge(out.get("levels"), lambda key: level_of(key) or str(key))
    for level, hist_ in sorted(levels.items()):
        _rows(rows, "log events", f"level={level}", hist_, per_min)
    for name in ("service", "host"):
        for key, hist_ in sorted(_merge(out.get(name), str).items()):
            _rows(rows, "log events", f"{name}={key}", hist_, per_min)
    for key, b in ((out.get("status") or {}).get("buckets") or {}).items():
        _rows(rows, f"http {key}", "", b.get("t"), per_min)
    classes = _merge(out.get("codes"), lambda key: f"{str(key).strip()[:1]}xx")
    for key in ("4xx", "5xx"):
        if key in classes:
            _rows(rows, f"http {key}", "", classes[key], per_min)
    return _frame(rows, "per min")


def _merge(terms: dict | None, name) -> dict[str, dict]:
    """Terms buckets with sub-histograms -> {name(key): summed histogram}; spellings merge."""
    merged: dict[str, dict] = {}
    for b in (terms or {}).get("buckets", []):
        counts = merged.setdefault(name(b.get("key")), {})
        for tb in (b.get("t") or {}).get("buckets", []):
            counts[tb["key"]] = counts.get(tb["key"], 0) + tb.get("doc_count", 0)
    return {k: {"buckets": [{"key": t, "doc_count": n} for t, n in sorted(c.items())]} for k, c in merged.items()}


def _rows(rows: list, metric: str, dims: str, hist: dict | None, per_min: float) -> None:
    for b in (hist or {}).get("buckets", []):
        rows.append((b["key"], metric, b.get("doc_count", 0) * per_min, dims))


def _frame(rows: list[tuple], unit: str | list[str]) -> pd.DataFrame:
    if not rows:
        return empty_metrics()
    ts, metric, value, dims = zip(*rows)
    units = unit if isinstance(unit, list) else [unit] * len(rows)
    return metrics_frame({"timestamp": pd.to_datetime(list(ts), unit="ms", utc=True), "metric": list(metric),
                          "value": list(value), "unit": units, "dimensions": list(dims)})


def parse_metric_spec(spec: str, default_index: str) -> tuple[str, str]:
    """--es-metric FIELD or FIELD@INDEX (metrics often live in metricbeat-*, not the log index)."""
    name, at, index = spec.partition("@")
    if not name.strip() or (at and not index.strip()):
        raise SourceError(f"bad --es-metric {spec!r}", "use FIELD or FIELD@INDEX, e.g. system.cpu.total.norm.pct@metricbeat-*")
    return name.strip(), (index.strip() if at else default_index)


def field_series(cluster: Cluster, specs: list[str], default_index: str, ts_field: str, buckets: Buckets,
                 report: LoadReport) -> pd.DataFrame:
    """Mean and p95 per bucket of each numeric field; a missing field is a note, not a failure."""
    frames = []
    for spec in specs:
        name, index = parse_metric_spec(spec, default_index)
        try:
            frame = _one_field(cluster, name, index, ts_field, buckets)
        except SourceError as exc:
            report.notes.append(f"metric {name} unavailable: {exc}")
            continue
        if not len(frame):
            report.notes.append(f"metric {name}: no numeric values in {index} over the loaded range")
        frames.append(frame)
    frames = [f for f in frames if len(f)]
    return pd.concat(frames, ignore_index=True) if frames else empty_metrics()


def _one_field(cluster: Cluster, name: str, index: str, ts_field: str, buckets: Buckets) -> pd.DataFrame:
    hist = buckets.histogram(ts_field)
    hist["aggs"] = {"mean": {"avg": {"field": name}},
                    "pct": {"percentiles": {"field": name, "percents": [95]}}}
    rng = {"range": {ts_field: {"gte": buckets.start_ms, "lt": buckets.end_ms, "format": "epoch_millis"}}}
    body = {"size": 0, "track_total_hits": False, "query": {"bool": {"filter": [rng, {"exists": {"field": name}}]}},
            "aggs": {"t": hist}}
    res = cluster.search(body, index=index, what=f"reading metric {name}")
    unit = _unit(name)
    rows = []
    for b in ((res.get("aggregations") or {}).get("t") or {}).get("buckets", []):
        mean = (b.get("mean") or {}).get("value")
        if mean is None:
            continue
        rows.append((b["key"], name, float(mean), ""))
        p95 = _p95(b.get("pct"))
        if p95 is not None:
            rows.append((b["key"], f"{name} p95", p95, ""))
    return _frame(rows, unit)


def _p95(agg: dict | None) -> float | None:
    values = (agg or {}).get("values") or {}
    if isinstance(values, list):  # keyed=false shape
        values = {str(v.get("key")): v.get("value") for v in values}
    for key, value in values.items():
        if float(key) == 95.0 and value is not None:
            return float(value)
    return None


def _unit(name: str) -> str:
    for suffix, unit in ((".pct", "ratio"), (".bytes", "bytes"), (".ms", "ms"), (".us", "us"), (".sec", "s")):
        if name.endswith(suffix):
            return unit
    return ""
