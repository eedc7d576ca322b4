"""Per-signature counts per time bin for every table row at once (one bincount, not a loop)."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd


class TimelineIndex:
    """Event times and signature codes prepared once per load, binned per window change."""

    def __init__(self, events: pd.DataFrame):
        ts = events["timestamp"]
        valid = ts.notna().to_numpy()
        self.times = ts.to_numpy(dtype="datetime64[ns]")[valid].astype("int64")
        codes, uniques = pd.factorize(events["signature"].astype(object).to_numpy()[valid])
        self.codes = codes
        self.index = {sig: i for i, sig in enumerate(uniques)}

    def counts(self, start: datetime, end: datetime, bins: int) -> np.ndarray:
        """Array (n_signatures, bins) of event counts in [start, end)."""
        lo, hi = pd.Timestamp(start).value, pd.Timestamp(end).value
        n = len(self.index)
        if hi <= lo or n == 0:
            return np.zeros((n, bins), dtype=np.int64)
        keep = (self.times >= lo) & (self.times < hi)
        b = ((self.times[keep] - lo) * bins // (hi - lo)).astype(np.int64)
        flat = np.bincount(self.codes[keep] * bins + b, minlength=n * bins)
        return flat.reshape(n, bins)

    def row(self, table: np.ndarray, signature: str) -> np.ndarray | None:
        i = self.index.get(signature)
        return None if i is None else table[i]


class SignatureRows:
    """Row positions of each signature's events, so the detail pane slices instead of scanning 1M rows."""

    def __init__(self, events: pd.DataFrame):
        codes, uniques = pd.factorize(events["signature"].astype(object).to_numpy())
        self.order = np.argsort(codes, kind="stable")
        self.sorted_codes = codes[self.order]
        self.index = {sig: i for i, sig in enumerate(uniques)}
        ts = events["timestamp"]
        self.start = ts.min() if ts.notna().any() else None
        self.end = ts.max() if ts.notna().any() else None

    def rows(self, signature: str) -> np.ndarray:
        code = self.index.get(signature)
        if code is None:
            return np.zeros(0, dtype=np.int64)
        lo = np.searchsorted(self.sorted_codes, code, "left")
        hi = np.searchsorted(self.sorted_codes, code, "right")
        return self.order[lo:hi]


def metric_series_bins(metrics: pd.DataFrame, start: datetime, end: datetime, bins: int) -> dict[tuple[str, str], np.ndarray]:
    """Mean per bin for every (metric, dimensions) series in [start, end); NaN where a bin is empty.

    Per series, so `cpu host=a` and `cpu host=b` each get their own sparkline."""
    if metrics is None or not len(metrics):
        return {}
    lo, hi = pd.Timestamp(start).value, pd.Timestamp(end).value
    ts = metrics["timestamp"].to_numpy(dtype="datetime64[ns]").astype("int64")
    values = metrics["value"].to_numpy(dtype="float64")
    keep = (ts >= lo) & (ts < hi) & np.isfinite(values) & metrics["timestamp"].notna().to_numpy()
    if hi <= lo or not keep.any():
        return {}
    names = metrics["metric"].astype(object).to_numpy()[keep]
    dims = metrics["dimensions"].astype(object).fillna("").to_numpy()[keep]
    codes, keys = pd.factorize(pd.Series(list(zip(names, dims)), dtype=object))
    b = ((ts[keep] - lo) * bins // (hi - lo)).astype(np.int64)
    flat = codes * bins + b
    size = len(keys) * bins
    sums = np.bincount(flat, weights=values[keep], minlength=size).reshape(len(keys), bins)
    counts = np.bincount(flat, minlength=size).reshape(len(keys), bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
    return {(str(k[0]), str(k[1])): means[i] for i, k in enumerate(keys)}


class Prepared:
    """Per-load indexes (built in the load worker) so window changes and filters never rescan the events."""

    def __init__(self, incident):
        events = incident.events
        self.timelines = TimelineIndex(events)
        self.rows = SignatureRows(events)
        self.by_service = _pairs(events, "service")
        self.by_host = _pairs(events, "host")
        self.services = sorted(set(self.by_service["service"].astype(object)))
        self.hosts = sorted(set(self.by_host["host"].astype(object)))


def _pairs(events: pd.DataFrame, column: str) -> pd.DataFrame:
    pairs = events[["signature", column]].dropna().drop_duplicates()
    return pairs.reset_index(drop=True)
