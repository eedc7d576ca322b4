"""Metric series from a CSV export: long (`timestamp,metric,value[,unit][,dimension...]`) or wide.

Wide means a timestamp column plus one numeric column per metric, the shape most
dashboards export. Unreadable rows are skipped and counted, never fatal.
"""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

import pandas as pd

from triage.events import LoadReport, LoadResult, Progress, SourceError, empty_events, metrics_frame
from triage.parsing import logtime
from triage.parsing.linereader import NotText, decode, looks_binary, read_bytes

TIME_NAMES = ("timestamp", "time", "ts", "@timestamp", "date", "datetime", "period", "t")
UNIT_NAMES = ("unit", "units")


def _find(columns, names) -> str | None:
    lower = {str(c).strip().lower(): c for c in columns}
    for name in names:
        if name in lower:
            return lower[name]
    return None


def _times(values: pd.Series, tz) -> pd.Series:
    return logtime.parse_any(values.astype(object).where(values.notna(), None).reset_index(drop=True), tz=tz)


def _long(df: pd.DataFrame, ts_col, tz) -> pd.DataFrame:
    metric_col, value_col = _find(df.columns, ("metric", "name", "metric_name")), _find(df.columns, ("value", "val"))
    unit_col = _find(df.columns, UNIT_NAMES)
    dims = [c for c in df.columns if c not in (ts_col, metric_col, value_col, unit_col)]
    dimensions = pd.Series([""] * len(df))
    if dims:
        parts = df[sorted(dims, key=str)].astype(str).apply(lambda col: f"{col.name}=" + col)
        dimensions = parts.apply(lambda row: ",".join(v for v in row if not v.endswith("=nan")), axis=1).reset_index(drop=True)
    return metrics_frame(
        {
            "timestamp": _times(df[ts_col], tz),
            "metric": df[metric_col].astype(str).str.strip().reset_index(drop=True),
            "value": pd.to_numeric(df[value_col], errors="coerce").reset_index(drop=True),
            "unit": (df[unit_col].astype(str) if unit_col is not None else pd.Series([pd.NA] * len(df))).reset_index(drop=True),
            "dimensions": dimensions,
        }
    )


def _wide(df: pd.DataFrame, ts_col, tz) -> pd.DataFrame:
    ts = _times(df[ts_col], tz)
    frames = []
    for col in df.columns:
        if col == ts_col:
            continue
        values = pd.to_numeric(df[col], errors="coerce").reset_index(drop=True)
        if values.notna().sum() == 0:
            continue
        name, unit = _split_unit(str(col))
        frames.append(metrics_frame({"timestamp": ts, "metric": [name] * len(df), "value": values, "unit": [unit] * len(df), "dimensions": [""] * len(df)}))
    return pd.concat(frames, ignore_index=True) if frames else metrics_frame({"timestamp": []})


def _split_unit(header: str) -> tuple[str, str | None]:
    """`latency_p95 (ms)` or `latency_p95[ms]` -> ("latency_p95", "ms")."""
    for open_, close in (("(", ")"), ("[", "]")):
        if header.endswith(close) and open_ in header:
            name, _, unit = header[:-1].rpartition(open_)
            return name.strip(), unit.strip() or None
    return header.strip(), None


def read_metrics_csv(text: str, *, tz=None, report: LoadReport | None = None) -> pd.DataFrame:
    """Metric table (triage.events.METRIC_COLUMNS) from CSV text; raises ValueError when there is no time column."""
    report = report if report is not None else LoadReport()
    try:
        df = pd.read_csv(io.StringIO(text), dtype=str, skipinitialspace=True, on_bad_lines="skip", engine="python")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        raise ValueError(f"not a readable CSV ({exc.__class__.__name__})") from None
    if df.empty:
        raise ValueError("no rows")
    ts_col = _find(df.columns, TIME_NAMES) or df.columns[0]
    is_long = _find(df.columns, ("metric", "name", "metric_name")) is not None and _find(df.columns, ("value", "val")) is not None
    out = _long(df, ts_col, tz) if is_long else _wide(df, ts_col, tz)
    if out["timestamp"].notna().sum() == 0:
        raise ValueError(f"no readable times in column {ts_col!r}")
    bad = out["timestamp"].isna() | out["value"].isna()
    report.skip("metric rows without a readable time or value", int(bad.sum()))
    return out[~bad.to_numpy()].reset_index(drop=True)


class CsvMetricsSource:
    """Metric series from one CSV file (long or wide), for the Metrics panel and deltas."""

    kind = "csv"

    def __init__(self, path: str, *, tz=None):
        self.path = path
        self.tz = tz

    def describe(self) -> str:
        return f"csv: {Path(self.path).name}"

    def queries(self) -> list[str]:
        return []

    def load(self, start: datetime | None = None, end: datetime | None = None, progress: Progress | None = None) -> LoadResult:
        progress = progress or Progress()
        progress.update(message=f"reading metrics {self.path}")
        report = LoadReport()
        try:
            data = read_bytes(self.path)
        except (OSError, NotText) as exc:
            raise SourceError(f"cannot read metrics file {self.path}", hint=getattr(exc, "strerror", None) or str(exc)) from None
        if looks_binary(data):
            raise SourceError(f"metrics file {self.path} is not text", hint="give a CSV export")
        try:
            metrics = read_metrics_csv(decode(data, report), tz=self.tz, report=report)
        except ValueError as exc:
            raise SourceError(f"cannot use metrics file {self.path}: {exc}", hint="expected timestamp,metric,value[,unit] or a timestamp column plus one column per metric") from None
        if start is not None:
            metrics = metrics[(metrics["timestamp"] >= pd.Timestamp(start)).to_numpy()]
        if end is not None:
            metrics = metrics[(metrics["timestamp"] <= pd.Timestamp(end)).to_numpy()]
        return LoadResult(events=empty_events(), metrics=metrics.reset_index(drop=True), report=report, description=self.describe())
