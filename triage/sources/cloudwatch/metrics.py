"""CloudWatch metrics: compact metric specs, ready-made presets, and GetMetricData.

Spec syntax (one `--cw-metric` each):

    NAMESPACE:METRIC[:STAT][:DIM=VALUE[,DIM=VALUE...]][@PERIOD]

e.g. `AWS/ApplicationELB:HTTPCode_Target_5XX_Count:Sum:LoadBalancer=app/web/50dc6c495c0c9188`
or `AWS/ECS:CPUUtilization:Average:ClusterName=prod,ServiceName=checkout@60s`.
STAT is any CloudWatch statistic (Sum, Average, Minimum, Maximum, SampleCount, p95,
p99.9, tm99 ...), default Average. PERIOD defaults to one CloudWatch allows for the age
of the window (60 s within 15 days, 300 s within 63 days, else 3600 s).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import pandas as pd

from triage.events import LoadReport, Progress, SourceError, empty_metrics, metrics_frame
from triage.sources.cloudwatch.options import PRESETS
from triage.sources.cloudwatch.session import CwSession

MAX_QUERIES = 500  # MetricDataQueries per GetMetricData call
_STAT = re.compile(r"^(Sum|Average|Minimum|Maximum|SampleCount|IQM|(p|tm|wm|tc|ts|PR|TM|WM|TC|TS)[0-9.:()%]+)$")
_PERIOD = re.compile(r"^(\d+)(s|m|h)?$")


@dataclass(frozen=True)
class MetricSpec:
    namespace: str
    name: str
    stat: str = "Average"
    dimensions: tuple[tuple[str, str], ...] = ()
    period: int | None = None  # seconds; None = chosen from the window's age
    unit: str = ""  # display unit when known (GetMetricData does not return one)

    def label(self) -> str:
        return f"{self.name} {self.stat}"

    def dims_text(self) -> str:
        return ",".join(f"{k}={v}" for k, v in sorted(self.dimensions))

    def spec_text(self) -> str:
        dims = f":{self.dims_text()}" if self.dimensions else ""
        period = f"@{self.period}s" if self.period else ""
        return f"{self.namespace}:{self.name}:{self.stat}{dims}{period}"


def parse_spec(text: str) -> MetricSpec:
    """A MetricSpec from `NAMESPACE:METRIC[:STAT][:DIMS][@PERIOD]`; ValueError says what is wrong."""
    body, period = text.strip(), None
    if "@" in body:
        head, tail = body.rsplit("@", 1)
        m = _PERIOD.match(tail.strip())
        if m:
            body, period = head, int(m.group(1)) * {"s": 1, None: 1, "m": 60, "h": 3600}[m.group(2)]
    parts = body.split(":", 3)
    if len(parts) < 2 or not parts[0] or not parts[1]:
        raise ValueError(f"metric spec '{text}' needs at least NAMESPACE:METRIC (e.g. AWS/ECS:CPUUtilization)")
    namespace, name, rest = parts[0], parts[1], parts[2:]
    stat = "Average"
    if rest and "=" not in rest[0]:
        stat = rest.pop(0)
        if not _STAT.match(stat):
            raise ValueError(f"metric spec '{text}': unknown statistic '{stat}' (Sum, Average, Maximum, p95, p99 ...)")
    dims = parse_dimensions(":".join(rest)) if rest else ()
    if period is not None and (period < 1 or (period < 60 and period not in (1, 5, 10, 30))):
        raise ValueError(f"metric spec '{text}': period must be 1, 5, 10, 30 or a multiple of 60 seconds")
    return MetricSpec(namespace, name, stat, dims, period)


def parse_dimensions(text: str) -> tuple[tuple[str, str], ...]:
    """`K=V,K2=V2` (values may contain ':' and '/') as sorted pairs."""
    pairs = []
    for item in filter(None, (p.strip() for p in text.split(","))):
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise ValueError(f"dimension '{item}' should look like Name=Value")
        pairs.append((key.strip(), value.strip()))
    return tuple(sorted(pairs))


def preset_specs(name: str, dims: tuple[tuple[str, str], ...]) -> list[MetricSpec]:
    """The preset's specs with the given dimensions; ValueError names the dimensions it needs."""
    if name not in PRESETS:
        raise ValueError(f"unknown metric preset '{name}' (choose from {', '.join(PRESETS)})")
    metrics, accepted = PRESETS[name]
    keys = tuple(sorted(k for k, _ in dims))
    if keys not in {tuple(sorted(a)) for a in accepted}:
        need = " or ".join("+".join(a) for a in accepted)
        example = " ".join(f"--cw-dim {k}=..." for k in accepted[0])
        raise ValueError(f"--cw-preset-metrics {name} needs dimensions {need} (e.g. {example})")
    return [MetricSpec(ns, metric, stat, dims, None, unit) for ns, metric, stat, unit in metrics]


def default_period(start: datetime, now: datetime | None = None) -> int:
    """The finest period CloudWatch still keeps for data that old."""
    age = (now or datetime.now(timezone.utc)) - start
    if age <= timedelta(days=15):
        return 60
    if age <= timedelta(days=63):
        return 300
    return 3600


@dataclass
class MetricFetch:
    """GetMetricData for many specs: batches of 500 queries, each followed through NextToken."""

    session: CwSession
    specs: list[MetricSpec]
    calls: int = field(default=0, init=False)

    def run(self, start: datetime, end: datetime, progress: Progress, report: LoadReport) -> pd.DataFrame:
        if not self.specs:
            return empty_metrics()
        period = default_period(start)
        names = _display_names(self.specs)
        queries = [self._query(i, spec, period) for i, spec in enumerate(self.specs)]
        start_al = _floor(start, period)  # aligned starts get whole, comparable periods
        end_al = max(_ceil(end, period), start_al + timedelta(seconds=period))
        cols: dict[str, list] = {"timestamp": [], "metric": [], "value": [], "unit": [], "dimensions": []}
        for b in range(0, len(queries), MAX_QUERIES):
            batch = queries[b:b + MAX_QUERIES]
            progress.update(message=f"CloudWatch metrics: {b + len(batch)}/{len(queries)} series")
            for result in self._pages(batch, start_al, end_al, progress):
                spec = self.specs[int(result["Id"][1:])]
                status = result.get("StatusCode", "Complete")
                if status in ("InternalError", "Forbidden"):
                    report.partial = True
                    report.notes.append(f"metric {spec.label()} ({spec.namespace}): {status}")
                stamps = result.get("Timestamps", [])
                cols["timestamp"].extend(stamps)
                cols["value"].extend(result.get("Values", []))
                cols["metric"].extend([names[spec]] * len(stamps))
                cols["unit"].extend([spec.unit or None] * len(stamps))
                cols["dimensions"].extend([spec.dims_text()] * len(stamps))
        frame = metrics_frame(cols)
        return frame.sort_values(["metric", "dimensions", "timestamp"], kind="stable").reset_index(drop=True)

    def _pages(self, batch, start, end, progress):
        params = {"MetricDataQueries": batch, "StartTime": start, "EndTime": end, "ScanBy": "TimestampAscending"}
        for page in self.session.pages("cloudwatch", "GetMetricData", progress, token="NextToken",
                                       what="CloudWatch metrics", **params):
            self.calls += 1
            yield from page.get("MetricDataResults", [])

    @staticmethod
    def _query(i: int, spec: MetricSpec, period: int) -> dict:
        metric = {"Namespace": spec.namespace, "MetricName": spec.name,
                  "Dimensions": [{"Name": k, "Value": v} for k, v in spec.dimensions]}
        return {"Id": f"m{i}", "MetricStat": {"Metric": metric, "Period": spec.period or period, "Stat": spec.stat},
                "ReturnData": True}


def _display_names(specs: list[MetricSpec]) -> dict[MetricSpec, str]:
    """`METRIC STAT`, with the namespace only where two specs would otherwise collide."""
    plain = {s: s.label() for s in specs}
    seen: dict[tuple[str, str], set[str]] = {}
    for s in specs:
        seen.setdefault((plain[s], s.dims_text()), set()).add(s.namespace)
    return {s: (f"{s.namespace.split('/')[-1]} {plain[s]}" if len(seen[(plain[s], s.dims_text())]) > 1 else plain[s])
            for s in specs}


def _floor(dt: datetime, step: int) -> datetime:
    ts = int(dt.timestamp())
    return datetime.fromtimestamp(ts - ts % step, tz=timezone.utc)


def _ceil(dt: datetime, step: int) -> datetime:
    ts = dt.timestamp()
    up = int(-(-ts // step) * step)
    return datetime.fromtimestamp(up, tz=timezone.utc)


def spec_error(exc: ValueError) -> SourceError:
    return SourceError(str(exc), "see `triage report --help` for the --cw-metric syntax")
