"""Event tables with explicit signatures for analysis tests (each test controls the grouping)."""

from datetime import datetime, timedelta, timezone

import numpy as np
import pandas as pd

from triage.events import events_frame, metrics_frame
from triage.pipeline import Incident

DEPLOY = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)


class Log:
    """Builds an event table with explicit signatures, so each test controls the grouping."""

    def __init__(self, seed=7):
        self.rng = np.random.default_rng(seed)
        self.rows = []

    def add(self, sig, n, lo_min, hi_min, *, level="error", service="api", host="h1", status=None, source="app.log"):
        for t in np.sort(self.rng.uniform(lo_min, hi_min, n)):
            self.rows.append(dict(timestamp=DEPLOY + timedelta(minutes=float(t)), level=level, service=service,
                                  host=host, message=f"{sig} happened", http_status=status, source=source,
                                  signature=sig, template=f"{sig} <*>"))
        return self

    def even(self, sig, per_min, lo_min, hi_min, **kw):
        """Exactly `per_min` events each minute (no sampling noise)."""
        for m in range(lo_min, hi_min):
            for j in range(per_min):
                self.add_at(sig, m + (j + 0.5) / per_min, **kw)
        return self

    def add_at(self, sig, minute, *, level="error", service="api", host="h1", status=None, source="app.log"):
        self.rows.append(dict(timestamp=DEPLOY + timedelta(minutes=minute), level=level, service=service, host=host,
                              message=f"{sig} happened", http_status=status, source=source, signature=sig,
                              template=f"{sig} <*>"))
        return self

    def incident(self, metrics=None, **kw):
        cols = {k: [r[k] for r in self.rows] for k in self.rows[0]} if self.rows else {"message": []}
        ev = events_frame({k: v for k, v in cols.items() if k not in ("signature", "template")})
        ev["signature"] = pd.Series(cols.get("signature", []), dtype=ev["message"].dtype)
        ev["template"] = pd.Series(cols.get("template", []), dtype=ev["message"].dtype)
        return Incident(events=ev, metrics=metrics if metrics is not None else metrics_frame({}), deploy=DEPLOY, **kw)


def row(analysis, sig):
    s = analysis.signatures
    return s[s["signature"] == sig].iloc[0]
