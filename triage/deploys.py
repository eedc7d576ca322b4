"""Deploy detection: when nobody knows the deploy time, suggest it from the data.

Three kinds of evidence, strongest first:

- **version**: a version-like field (`service.version`, `version`, `release`, `image`,
  `image.tag`, `git_sha`, ... in the structured `fields`, or `version=...` in the message)
  takes a new value for a service: the suggestion is the first event with that value;
- **rollout**: Kubernetes or ECS rollout lines (`Scaled up replica set X to N`,
  `deployment "X" successfully rolled out`, `Pulling image "..."`, ECS `(service X) has
  started N tasks`, `(deployment ecs-svc/...) deployment completed`): the first line of a burst;
- **change point**: the minute where the error rate (all events when there are no errors)
  changes most (two-rate Poisson likelihood ratio over per-minute counts).

Engine only; vectorised over Arrow strings so a million events cost well under a second
when few lines match.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from triage.events import arrow_strings

VERSION_KEY = re.compile(
    r"(?i)(?:^|[._/-])(version|app[_.]?version|service[_.]version|release|image|image[_.]tag|tag|build(?:[_.]id)?|"
    r"git[_.]?(?:sha|commit)|commit|revision|sha)$")
_FIELD_HINT = r"(?i)version|release|image|tag\"|build|commit|sha\"|revision"
_MESSAGE_VERSION = re.compile(r"(?i)\b(version|app_version|release|image)[=:]\s*\"?([A-Za-z0-9][\w.:/@+-]{0,120})")
_MESSAGE_VERSION_HINT = r"(?i)\b(version|app_version|release|image)[=:]"
ROLLOUT_PATTERNS: tuple[tuple[str, str], ...] = (
    ("Kubernetes", r"Scaled (?:up|down) replica set \S+ to \d+"),
    ("Kubernetes", r"deployment \"?[\w.-]+\"? successfully rolled out"),
    ("Kubernetes", r"Waiting for deployment \"?[\w.-]+\"? rollout to finish"),
    ("Kubernetes", r"Pulling image \"?[^\s\"]+"),
    ("Kubernetes", r"rollout restart|Rolling update|RollingUpdate"),
    ("ECS", r"\(service [\w.-]+\) has started \d+ tasks?"),
    ("ECS", r"\(service [\w.-]+\) has stopped \d+ running tasks?"),
    ("ECS", r"\(deployment ecs-svc/\d+\) deployment completed"),
    ("ECS", r"\(service [\w.-]+\) registered \d+ targets"),
)
BURST_GAP = pd.Timedelta(minutes=10)  # rollout lines closer than this are one rollout
MIN_VERSION_EVENTS = 3  # a new version value needs this many events to count
MIN_SEGMENT_BINS = 5  # change point: at least this many minutes on each side
MERGE_WITHIN = pd.Timedelta(minutes=3)


@dataclass
class DeploySuggestion:
    time: pd.Timestamp  # UTC
    kind: str  # "version" | "rollout" | "change_point"
    label: str  # what the user reads in the picker (untrusted text inside: show inert)
    score: float  # ordering within a kind
    evidence: int  # events behind it

    def to_dict(self) -> dict:
        return {"time": self.time.isoformat().replace("+00:00", "Z"), "kind": self.kind, "label": self.label,
                "score": round(float(self.score), 3), "evidence": int(self.evidence)}


KIND_ORDER = {"version": 0, "rollout": 1, "change_point": 2}


def suggest_deploys(events: pd.DataFrame, limit: int = 5) -> list[DeploySuggestion]:
    """Deploy-time candidates, strongest evidence first; [] when the data has no timestamps."""
    if len(events) == 0 or "timestamp" not in events.columns:
        return []
    ts = events["timestamp"]
    timed = ts.notna().to_numpy()
    if not timed.any():
        return []
    out = _version_changes(events, timed) + _rollouts(events, timed)
    cp = _change_point(events, timed)
    if cp is not None:
        near = [s for s in out if abs(s.time - cp.time) <= MERGE_WITHIN]
        if near:
            near[0].label += f"; {cp.label.split(': ', 1)[-1]} at the same time"
        else:
            out.append(cp)
    out.sort(key=lambda s: (KIND_ORDER[s.kind], -s.score, s.time))
    return _dedupe(out)[:limit]


def _dedupe(items: list[DeploySuggestion]) -> list[DeploySuggestion]:
    kept: list[DeploySuggestion] = []
    for s in items:
        if any(k.kind == s.kind and abs(k.time - s.time) <= MERGE_WITHIN for k in kept):
            continue
        kept.append(s)
    return kept


def _matching_rows(series: pd.Series, pattern: str, timed: np.ndarray) -> np.ndarray:
    hit = pc.match_substring_regex(arrow_strings(series), pattern).fill_null(False).to_numpy(zero_copy_only=False)
    return np.flatnonzero(np.asarray(hit, dtype=bool) & timed)


# ------------------------------------------------------------------ version fields


def _version_values(events: pd.DataFrame, timed: np.ndarray) -> pd.DataFrame:
    """(row, key, value) for every version-like field or message key=value."""
    rows, keys, values = [], [], []
    if "fields" in events.columns:
        fields = events["fields"]
        for i in _matching_rows(fields, _FIELD_HINT, timed):
            try:
                obj = json.loads(fields.iat[i])
            except (TypeError, ValueError):
                continue
            if not isinstance(obj, dict):
                continue
            for k, v in obj.items():
                if isinstance(v, (str, int, float)) and not isinstance(v, bool) and VERSION_KEY.search(str(k)):
                    rows.append(i)
                    keys.append(str(k))
                    values.append(str(v)[:120])
    if "message" in events.columns:
        msg = events["message"]
        for i in _matching_rows(msg, _MESSAGE_VERSION_HINT, timed):
            m = _MESSAGE_VERSION.search(str(msg.iat[i]))
            if m:
                rows.append(i)
                keys.append(m.group(1).lower())
                values.append(m.group(2))
    return pd.DataFrame({"row": np.asarray(rows, dtype=np.int64), "key": keys, "value": values})


def _version_changes(events: pd.DataFrame, timed: np.ndarray) -> list[DeploySuggestion]:
    found = _version_values(events, timed)
    if found.empty:
        return []
    found["time"] = events["timestamp"].to_numpy()[found["row"].to_numpy()]
    service = events["service"].astype(object).to_numpy()[found["row"].to_numpy()] if "service" in events.columns else None
    found["service"] = ["" if s is None or (isinstance(s, float) and math.isnan(s)) or s is pd.NA else str(s)
                        for s in (service if service is not None else [None] * len(found))]
    out = []
    for (svc, key), group in found.groupby(["service", "key"], sort=False):
        out += _changes_in(group, svc, key)
    return out


def _changes_in(group: pd.DataFrame, service: str, key: str) -> list[DeploySuggestion]:
    """Each value that appears after another one was in use, with enough events, is a change."""
    stats = group.groupby("value")["time"].agg(["min", "max", "size"]).sort_values("min")
    if len(stats) < 2:
        return []
    out = []
    first_value = stats.index[0]
    for value, row in stats.iloc[1:].iterrows():
        if row["size"] < MIN_VERSION_EVENTS:
            continue
        earlier = group[group["time"] < row["min"]]
        if earlier.empty:
            continue
        previous = earlier["value"].iloc[-1] if len(earlier) else first_value
        if previous == value:
            continue
        where = f" ({service})" if service else ""
        label = f"{key} {previous} → {value}{where}"
        out.append(DeploySuggestion(pd.Timestamp(row["min"]), "version", label, float(row["size"]), int(row["size"])))
    return out


# ------------------------------------------------------------------ rollout lines


def _rollouts(events: pd.DataFrame, timed: np.ndarray) -> list[DeploySuggestion]:
    if "message" not in events.columns:
        return []
    msg = events["message"]
    pattern = "|".join(f"(?:{p})" for _, p in ROLLOUT_PATTERNS)
    rows = _matching_rows(msg, pattern, timed)
    if rows.size == 0:
        return []
    times = events["timestamp"].to_numpy()[rows]
    order = np.argsort(times, kind="stable")
    rows, times = rows[order], pd.to_datetime(times[order], utc=True)
    out, start = [], 0
    for i in range(1, len(rows) + 1):
        if i == len(rows) or times[i] - times[i - 1] > BURST_GAP:
            first = str(msg.iat[rows[start]])
            platform = next((name for name, p in ROLLOUT_PATTERNS if re.search(p, first)), "rollout")
            line = re.search(pattern, first)
            text = line.group(0) if line else first[:100]
            n = i - start
            out.append(DeploySuggestion(pd.Timestamp(times[start]), "rollout",
                                        f"{platform} rollout: {text}" + (f" (+{n - 1} lines)" if n > 1 else ""), float(n), n))
            start = i
    return out


# ------------------------------------------------------------------ change point


def _change_point(events: pd.DataFrame, timed: np.ndarray) -> DeploySuggestion | None:
    """The minute boundary that best splits per-minute counts into two Poisson rates."""
    ts = events["timestamp"].to_numpy(dtype="datetime64[ns]")[timed].view(np.int64)
    errors = _error_mask(events)[timed]
    what = "error rate"
    if errors.sum() >= 10:
        ts = ts[errors]
    else:
        what = "event rate"
    if ts.size < 20:
        return None
    minute = 60_000_000_000
    lo = ts.min() // minute
    counts = np.bincount((ts // minute - lo).astype(np.int64))
    n = counts.size
    if n < 2 * MIN_SEGMENT_BINS:
        return None
    csum = np.cumsum(counts).astype(float)
    total = csum[-1]
    k = np.arange(MIN_SEGMENT_BINS, n - MIN_SEGMENT_BINS + 1)
    left, right = csum[k - 1], total - csum[k - 1]
    llr = _xlogx(left) - left * np.log(k) + _xlogx(right) - right * np.log(n - k) - (_xlogx(total) - total * math.log(n))
    best = int(np.argmax(llr))
    if llr[best] < 10.0:  # weaker than ~e^10 odds: no clear change
        return None
    split = int(k[best])
    before, after = left[best] / split, right[best] / (n - split)
    when = pd.Timestamp((lo + split) * minute, tz="UTC")
    label = f"strongest change point: {what} {before:.1f}/min → {after:.1f}/min"
    return DeploySuggestion(when, "change_point", label, float(llr[best]), int(total))


def _xlogx(x):
    x = np.asarray(x, dtype=float)
    return np.where(x > 0, x * np.log(np.where(x > 0, x, 1.0)), 0.0)


def _error_mask(events: pd.DataFrame) -> np.ndarray:
    level = events["level"].astype(object).to_numpy() if "level" in events.columns else np.full(len(events), None)
    is_err = np.isin(level, ["error", "fatal"])
    if "http_status" in events.columns:
        status = events["http_status"].to_numpy(dtype="float64", na_value=np.nan)
        is_err |= np.nan_to_num(status, nan=0) >= 500
    return is_err
