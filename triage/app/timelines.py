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

    def extended(self, new: pd.DataFrame) -> TimelineIndex:
        """This index plus appended events (follow mode): new signatures take the next codes."""
        out = TimelineIndex.__new__(TimelineIndex)
        ts = new["timestamp"]
        valid = ts.notna().to_numpy()
        out.index = dict(self.index)
        codes = _extend_codes(new["signature"].astype(object).to_numpy()[valid], out.index)
        out.times = np.concatenate([self.times, ts.to_numpy(dtype="datetime64[ns]")[valid].astype("int64")])
        out.codes = np.concatenate([self.codes, codes])
        return out

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

    def extended(self, new: pd.DataFrame, start: int) -> SignatureRows:
        """These positions plus those of events appended at `start` (a stable merge, as a fresh sort gives)."""
        out = SignatureRows.__new__(SignatureRows)
        out.index = dict(self.index)
        codes = _extend_codes(new["signature"].astype(object).to_numpy(), out.index)
        all_codes = np.concatenate([self.sorted_codes, codes])
        order = np.argsort(all_codes, kind="stable")
        out.order = np.concatenate([self.order, start + np.arange(len(new))])[order]
        out.sorted_codes = all_codes[order]
        ts = new["timestamp"]
        lo, hi = (ts.min(), ts.max()) if ts.notna().any() else (None, None)
        out.start = lo if self.start is None else (self.start if lo is None else min(self.start, lo))
        out.end = hi if self.end is None else (self.end if hi is None else max(self.end, hi))
        return out

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


def _extend_codes(values: np.ndarray, index: dict) -> np.ndarray:
    """Codes of `values` in `index`, which unseen values join in order of first appearance (-1: missing)."""
    codes, uniques = pd.factorize(values)
    if not len(uniques):
        return codes.astype(np.int64)
    mapping = np.array([index.setdefault(u, len(index)) for u in uniques], dtype=np.int64)
    return np.where(codes >= 0, mapping[np.maximum(codes, 0)], -1)


class Prepared:
    """Per-load indexes (built in the load worker) so window changes and filters never rescan the events."""

    def __init__(self, incident):
        events = incident.events
        self.size = len(events)
        self.timelines = TimelineIndex(events)
        self.rows = SignatureRows(events)
        self.by_service = _pairs(events, "service")
        self.by_host = _pairs(events, "host")
        self.services = sorted(set(self.by_service["service"].astype(object)))
        self.hosts = sorted(set(self.by_host["host"].astype(object)))

    def extended(self, incident) -> Prepared:
        """The indexes of `incident`, whose events are these plus appended ones (follow mode)."""
        events = incident.events
        if len(events) < self.size:
            return Prepared(incident)
        new = events.iloc[self.size:]
        out = Prepared.__new__(Prepared)
        out.size = len(events)
        out.timelines = self.timelines.extended(new)
        out.rows = self.rows.extended(new, self.size)
        out.by_service = _more_pairs(self.by_service, new, "service")
        out.by_host = _more_pairs(self.by_host, new, "host")
        out.services = sorted(set(out.by_service["service"].astype(object)))
        out.hosts = sorted(set(out.by_host["host"].astype(object)))
        return out


def _more_pairs(pairs: pd.DataFrame, new: pd.DataFrame, column: str) -> pd.DataFrame:
    more = _pairs(new, column)
    if not len(more):
        return pairs
    return pd.concat([pairs, more], ignore_index=True).drop_duplicates().reset_index(drop=True)


def _pairs(events: pd.DataFrame, column: str) -> pd.DataFrame:
    pairs = events[["signature", column]].dropna().drop_duplicates()
    return pairs.reset_index(drop=True)
