"""One-minute metric series for the demo, consistent with the logs' story."""

from __future__ import annotations

import numpy as np
import pandas as pd

from triage.demo import scenario as sc
from triage.demo.streams import NS_MIN, deploy_ns
from triage.events import metrics_frame


def demo_metrics(seed: int = sc.SEED) -> pd.DataFrame:
    rng = np.random.default_rng(seed + 1)
    minutes = np.arange(-sc.SPAN_MINUTES, sc.SPAN_MINUTES)
    after = minutes >= 0
    ramp = np.clip(minutes / sc.SPAN_MINUTES, 0, 1) ** 1.5
    ts = deploy_ns() + minutes.astype(np.int64) * NS_MIN
    series = []

    def add(metric, unit, dims, values):
        series.append((metric, unit, dims, np.asarray(values, dtype=float)))

    n = minutes.size
    for host in sc.HOSTS["checkout"] + sc.HOSTS["payments"]:
        add("cpu", "%", f"host={host}", 40 + rng.normal(0, 3, n))
        add("memory", "MiB", f"host={host}", 1850 + np.cumsum(rng.normal(0.2, 2, n)))
    add("latency_p95", "ms", "service=gateway",
        np.where(after, 880 + rng.normal(0, 60, n), 210 + rng.normal(0, 15, n)))
    add("http_5xx", "count/min", "service=gateway",
        rng.poisson(np.where(after, sc.MOCK_FAILURES_RPM * 3 * sc.PAY_FAIL_TO_502 + 0.3, 0.3)))
    add("db_connections", "count", "service=checkout",
        np.minimum(100, 52 + rng.normal(0, 2, n) + np.where(after, 45 * ramp, 0)))
    frames: dict[str, list] = {"timestamp": [], "metric": [], "value": [], "unit": [], "dimensions": []}
    for metric, unit, dims, values in series:
        frames["timestamp"].append(pd.to_datetime(ts, utc=True))
        frames["metric"] += [metric] * n
        frames["value"].append(values)
        frames["unit"] += [unit] * n
        frames["dimensions"] += [dims] * n
    return metrics_frame({
        "timestamp": np.concatenate([t.to_numpy() for t in frames["timestamp"]]),
        "metric": frames["metric"], "value": np.concatenate(frames["value"]),
        "unit": frames["unit"], "dimensions": frames["dimensions"],
    })
