"""Metric shifts around the deploy: mean and p95 before/after, a rank test, UP/DOWN/STEADY."""

from __future__ import annotations

import numpy as np
import pandas as pd

from triage.stats import benjamini_hochberg, mann_whitney

METRIC_DELTA_COLUMNS = [
    "metric", "unit", "dimensions", "before_mean", "after_mean", "before_p95", "after_p95",
    "change", "p", "status",
]
ALPHA = 0.05
MIN_CHANGE = 0.10  # relative change of the mean below which a shift is not worth calling
MIN_POINTS = 3  # per window, for a rank test to say anything


def metric_deltas(metrics: pd.DataFrame, start_ns: int, deploy_ns: int, end_ns: int, *, comparable: bool = True) -> pd.DataFrame:
    """One row per (metric, dimensions) series with data in either window.

    UP/DOWN needs both a Mann-Whitney rank test (robust to spikes and skew; BH across
    series) and a relative change of the mean of at least MIN_CHANGE.
    """
    if metrics is None or len(metrics) == 0:
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in METRIC_DELTA_COLUMNS})
    ts = metrics["timestamp"].to_numpy(dtype="datetime64[ns]", na_value=np.datetime64("NaT")).view(np.int64)
    values = metrics["value"].to_numpy(dtype=float, na_value=np.nan)
    side = np.full(len(metrics), -1, dtype=np.int8)
    valid = ~np.isnan(values) & ~pd.isna(metrics["timestamp"]).to_numpy()
    side[valid & (ts >= start_ns) & (ts < deploy_ns)] = 0
    side[valid & (ts >= deploy_ns) & (ts < end_ns)] = 1
    frame = pd.DataFrame({
        "metric": metrics["metric"].astype(object).fillna("").to_numpy(),
        "unit": metrics["unit"].astype(object).fillna("").to_numpy(),
        "dimensions": metrics["dimensions"].astype(object).fillna("").to_numpy(),
        "value": values, "side": side,
    })
    frame = frame[frame["side"] >= 0]
    rows = []
    for (metric, dims), grp in frame.groupby(["metric", "dimensions"], sort=True):
        before = grp["value"].to_numpy()[grp["side"].to_numpy() == 0]
        after = grp["value"].to_numpy()[grp["side"].to_numpy() == 1]
        rows.append(_row(metric, str(grp["unit"].iloc[0]), dims, before, after))
    if not rows:
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in METRIC_DELTA_COLUMNS})
    out = pd.DataFrame(rows)
    q = benjamini_hochberg(out["p"].fillna(1.0).to_numpy())
    change = out["change"].to_numpy(dtype=float)
    enough = (out.pop("n_before") >= MIN_POINTS) & (out.pop("n_after") >= MIN_POINTS)
    sig = enough.to_numpy() & (q < ALPHA) & comparable
    status = np.full(len(out), "STEADY", dtype=object)
    status[sig & (change >= MIN_CHANGE)] = "UP"
    status[sig & (change <= -MIN_CHANGE)] = "DOWN"
    out["status"] = status
    order = np.lexsort((out["metric"].to_numpy(), -np.nan_to_num(np.abs(change), nan=0.0, posinf=1e18), status == "STEADY"))
    return out.iloc[order].reset_index(drop=True)[METRIC_DELTA_COLUMNS]


def _row(metric, unit, dims, before: np.ndarray, after: np.ndarray) -> dict:
    bm = float(before.mean()) if before.size else float("nan")
    am = float(after.mean()) if after.size else float("nan")
    if before.size and after.size:
        if bm != 0:
            change = (am - bm) / abs(bm)
        else:
            change = 0.0 if am == 0 else float("inf") * np.sign(am)
    else:
        change = float("nan")
    return {
        "metric": metric, "unit": unit, "dimensions": dims, "before_mean": bm, "after_mean": am,
        "before_p95": float(np.percentile(before, 95)) if before.size else float("nan"),
        "after_p95": float(np.percentile(after, 95)) if after.size else float("nan"),
        "change": change, "p": mann_whitney(before, after), "n_before": before.size, "n_after": after.size,
    }
