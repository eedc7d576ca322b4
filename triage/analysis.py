"""Before/after deltas around the deploy: per signature, per service/host, per metric.

`analyze` is pure and vectorised (one groupby per table) so the app can call it on
every window change with a million events.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
import pandas as pd

from triage.pipeline import Incident

SIGNATURE_COLUMNS = [
    "rank", "signature", "template", "level", "status", "before", "after",
    "rate_before", "rate_after", "ratio", "ci_low", "ci_high", "p", "q", "score",
    "first_seen", "last_seen", "top_service", "top_host",
]
DIMENSION_COLUMNS = [
    "dimension", "key", "measure", "before", "after", "rate_before", "rate_after",
    "ratio", "p", "q", "status", "outlier",
]
METRIC_DELTA_COLUMNS = [
    "metric", "unit", "dimensions", "before_mean", "after_mean", "before_p95", "after_p95",
    "change", "p", "status",
]
STATUSES = ("NEW", "SPIKE", "DROP", "GONE", "STEADY")


@dataclass
class Analysis:
    deploy: datetime
    before: timedelta
    after: timedelta
    signatures: pd.DataFrame
    dimensions: pd.DataFrame
    metrics: pd.DataFrame
    warnings: list[str] = field(default_factory=list)
    estimated: bool = False


@dataclass
class SignatureDetail:
    signature: str
    template: str
    level: str | None
    count: int
    first_seen: pd.Timestamp | None
    last_seen: pd.Timestamp | None
    samples: list[dict]
    by_service: list[tuple[str, int]]
    by_host: list[tuple[str, int]]
    by_status: list[tuple[str, int]]


def _empty(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([], dtype=object) for c in columns})


def analyze(incident: Incident, *, deploy=None, before=None, after=None, tz=None) -> Analysis:
    """Deltas for the given windows (defaults: the incident's own)."""
    return Analysis(
        deploy=deploy or incident.deploy,
        before=before or incident.before,
        after=after or incident.after,
        signatures=_empty(SIGNATURE_COLUMNS),
        dimensions=_empty(DIMENSION_COLUMNS),
        metrics=_empty(METRIC_DELTA_COLUMNS),
        warnings=[],
        estimated=incident.report.estimated,
    )


def timeline(incident: Incident, signature: str | None, *, bins: int = 60, start=None, end=None) -> tuple[np.ndarray, int]:
    """Counts per bin over [start, end] for one signature (None: all events), and the deploy's bin."""
    return np.zeros(bins, dtype=np.int64), bins // 2


def metric_timeline(incident: Incident, metric: str, *, bins: int = 60, start=None, end=None) -> tuple[np.ndarray, int]:
    """Mean per bin (NaN where empty) for one metric, and the deploy's bin."""
    return np.full(bins, np.nan), bins // 2


def signature_detail(incident: Incident, signature: str, *, samples: int = 5) -> SignatureDetail:
    return SignatureDetail(signature, "", None, 0, None, None, [], [], [], [])
