"""Baselines other than "the minutes before the deploy": by dimension, by environment, by day.

Each function builds two event sets (baseline, target) and places them in a synthetic
Incident as its "before" and "after" windows, so the one analysis entry point
(`triage.analysis.analyze`) judges them with the same tests, statuses and note:

- `compare_dimension`: canary. Events of the new version (`version=v2.4.0`, or a host/pod
  set) against the others **in the same minutes** (the after window). Exposure is event
  volume, not minutes: a canary with 10 % of the traffic is judged per event.
- `compare_environments`: staging vs production, two loads of the same windows; exposure
  is event volume too.
- `day_baseline`: the same clock window `days` earlier (yesterday / last week) against the
  after window, both by minutes, so daily traffic shape is not mistaken for the deploy.
"""

from __future__ import annotations

import fnmatch
import json
import re
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from triage.pipeline import Incident

HOST_ALIASES = {"host", "hosts", "pod", "pods", "node", "instance", "container"}
SERVICE_ALIASES = {"service", "services", "app", "application"}
_SPEC = re.compile(r"^\s*([A-Za-z0-9_.@/-]+)\s*=\s*(.+?)\s*$")
SYNTH_MINUTES = 60.0  # the larger side of a volume-exposure pair spans this many minutes


@dataclass(frozen=True)
class DimensionSpec:
    key: str
    values: tuple[str, ...]  # exact values or globs (pay-1, payments-7d9f*)

    @classmethod
    def parse(cls, text: str) -> DimensionSpec:
        m = _SPEC.match(text or "")
        if not m:
            raise ValueError(f"--compare takes KEY=VALUE[,VALUE...] (e.g. version=v2.4.0 or host=pay-1,pay-2), got {text!r}")
        values = tuple(v.strip() for v in m.group(2).split(",") if v.strip())
        if not values:
            raise ValueError(f"--compare {text!r}: no value")
        return cls(m.group(1), values)

    def label(self) -> str:
        return f"{self.key}={','.join(self.values)}"


def dimension_values(events: pd.DataFrame, key: str) -> pd.Series:
    """The value of `key` per event: a column (host/pod, service) or a structured field."""
    low = key.lower()
    if low in HOST_ALIASES:
        return events["host"].astype(object)
    if low in SERVICE_ALIASES:
        return events["service"].astype(object)
    if key in events.columns and key not in ("fields", "raw", "message"):
        return events[key].astype(object)
    fields = events["fields"].astype(object) if "fields" in events.columns else pd.Series([None] * len(events))
    return fields.map(lambda f: _field(f, key))


def _field(text, key: str):
    if not isinstance(text, str) or key not in text and key.rsplit(".", 1)[-1] not in text:
        return None
    try:
        obj = json.loads(text)
    except ValueError:
        return None
    if not isinstance(obj, dict):
        return None
    if key in obj:
        return None if obj[key] is None else str(obj[key])
    leaf = [v for k, v in obj.items() if k.rsplit(".", 1)[-1] == key]
    return str(leaf[0]) if len(leaf) == 1 and leaf[0] is not None else None


def _matches(values: pd.Series, patterns: tuple[str, ...]) -> np.ndarray:
    uniq = {v for v in values.dropna().unique()}
    hits = {v for v in uniq if any(fnmatch.fnmatchcase(str(v), p) for p in patterns)}
    return values.isin(hits).to_numpy(dtype=bool)


def compare_dimension(incident: Incident, spec: DimensionSpec) -> Incident:
    """Canary: target = events matching `spec` in the after window, baseline = the rest of those minutes.

    Raises ValueError when either side is empty (the message says which values exist).
    """
    ev = incident.events
    d = pd.Timestamp(incident.deploy)
    ts = ev["timestamp"]
    in_after = ((ts >= d) & (ts < d + pd.Timedelta(incident.after))).to_numpy(dtype=bool, na_value=False)
    values = dimension_values(ev, spec.key)
    known = values.notna().to_numpy()
    target = _matches(values, spec.values) & in_after
    base = in_after & known & ~target
    if not target.any() or not base.any():
        seen = sorted(map(str, values[in_after & known].dropna().unique()))[:8]
        which = "no event matches it" if not target.any() else "every event with that key matches it"
        raise ValueError(f"--compare {spec.label()}: {which} in the after window "
                         f"(values of {spec.key} there: {', '.join(seen) if seen else 'none'})")
    label = f"{spec.label()} vs other {spec.key} values, same minutes"
    return paired(ev[base], ev[target], incident, label, by_volume=True)


def compare_environments(baseline: Incident, target: Incident, label: str) -> Incident:
    """Staging vs production: both windows of each, judged per event."""
    def windowed(inc):
        d, ts = pd.Timestamp(inc.deploy), inc.events["timestamp"]
        keep = (ts >= d - pd.Timedelta(inc.before)) & (ts < d + pd.Timedelta(inc.after))
        return inc.events[keep.to_numpy(dtype=bool, na_value=False)]

    out = paired(windowed(baseline), windowed(target), target, label, by_volume=True)
    out.sources = [f"baseline: {s}" for s in baseline.sources] + [f"target: {s}" for s in target.sources]
    return out


def day_baseline(earlier: Incident, incident: Incident, days: int) -> Incident:
    """The after window `days` earlier (from a load around deploy - days) against today's after window."""
    d, after = pd.Timestamp(incident.deploy), pd.Timedelta(incident.after)
    then = d - pd.Timedelta(days=days)
    ets, ts = earlier.events["timestamp"], incident.events["timestamp"]
    base = earlier.events[((ets >= then) & (ets < then + after)).to_numpy(dtype=bool, na_value=False)]
    target = incident.events[((ts >= d) & (ts < d + after)).to_numpy(dtype=bool, na_value=False)]
    word = {1: "1 day", 7: "1 week"}.get(days, f"{days} days")
    return paired(base, target, incident, f"after window vs the same window {word} earlier", by_volume=False,
                  base_start=then, target_start=d, length=after)


def paired(base: pd.DataFrame, target: pd.DataFrame, like: Incident, label: str, *, by_volume: bool,
           base_start=None, target_start=None, length=None) -> Incident:
    """A synthetic incident: `base` fills the before window, `target` the after window.

    by_volume: each side's window length is proportional to its event count, so rates are
    per event; else both keep their clock length (`length`) and are shifted in time.
    """
    deploy = pd.Timestamp(like.deploy)
    if by_volume:
        nb, nt = max(len(base), 1), max(len(target), 1)
        scale = SYNTH_MINUTES / max(nb, nt)
        before, after = pd.Timedelta(minutes=nb * scale), pd.Timedelta(minutes=nt * scale)
        b = _spread(base, deploy - before, before)
        t = _spread(target, deploy, after)
    else:
        before = after = pd.Timedelta(length)
        b = _shift(base, deploy - before - pd.Timestamp(base_start))
        t = _shift(target, deploy - pd.Timestamp(target_start))
    events = pd.concat([b, t], ignore_index=True)
    return replace(like, events=events, before=before.to_pytimedelta(), after=after.to_pytimedelta(),
                   title=like.title or "", queries=list(like.queries) + [f"baseline: {label}"],
                   key=f"{like.key}:{label}")


def _shift(frame: pd.DataFrame, delta) -> pd.DataFrame:
    out = frame.copy()
    out["timestamp"] = out["timestamp"] + pd.Timedelta(delta)
    return out


def _spread(frame: pd.DataFrame, start: pd.Timestamp, length: pd.Timedelta) -> pd.DataFrame:
    """Place events evenly over [start, start+length) in their time order (exposure = count)."""
    out = frame.sort_values("timestamp", kind="stable").copy()
    n = len(out)
    if n:
        step = length.value / n
        out["timestamp"] = pd.to_datetime(start.value + (np.arange(n) * step).astype(np.int64), utc=True)
    return out
