"""Load one incident: events around the deploy, their signatures, and metric series.

The load window is wider than the analysis windows (`margin`) so the app can widen
or shift the windows without reloading.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import pandas as pd

from triage.events import (
    EVENT_COLUMNS,
    STR,
    Cancelled,
    LoadReport,
    Progress,
    SignatureCounts,
    SourceError,
    empty_metrics,
)
from triage.timeparse import EARLIEST, LATEST  # noqa: F401  (re-exported)

DEFAULT_WINDOW = timedelta(minutes=30)


@dataclass
class Incident:
    """Everything the analysis needs; produced once per load, analysed many times."""

    events: pd.DataFrame  # event table + `signature`, `template`
    metrics: pd.DataFrame  # metric series (triage.events.METRIC_COLUMNS)
    deploy: datetime  # aware UTC
    before: timedelta = DEFAULT_WINDOW
    after: timedelta = DEFAULT_WINDOW
    version: str | None = None
    title: str = ""
    sources: list[str] = field(default_factory=list)  # descriptions, never credentials
    queries: list[str] = field(default_factory=list)
    report: LoadReport = field(default_factory=LoadReport)
    key: str = ""  # stable id (hash of sources + deploy), for draft autosave
    rollback: datetime | None = None  # aware UTC; statistics add a third window "since rollback"
    live: object | None = None  # triage.live.LiveIncident while following, else None
    deploy_candidates: list = field(default_factory=list)  # triage.deploys suggestions when the deploy was found in the data
    counts: SignatureCounts | None = None  # per-signature counts over every document, when the source made them


def incident_key(sources: Iterable[str], deploy: datetime) -> str:
    """Same sources and deploy time -> same key, so a draft note is found again."""
    text = "\n".join(sorted(sources)) + "\n" + deploy.isoformat()
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _utc(dt: datetime) -> datetime:
    ts = pd.Timestamp(dt)
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    return ts.to_pydatetime()


def with_signatures(events: pd.DataFrame) -> pd.DataFrame:
    """Add `signature`/`template` (via triage.signatures) unless already present."""
    if "signature" in events.columns and "template" in events.columns:
        return events
    from triage.signatures import add_signatures

    if len(events) == 0:
        out = events.copy()
        out["signature"] = pd.Series([], dtype=STR)
        out["template"] = pd.Series([], dtype=STR)
        return out
    return add_signatures(events)


def clip_to_range(events: pd.DataFrame, start: datetime, end: datetime, report: LoadReport) -> pd.DataFrame:
    """Keep events in [start, end] (and untimed ones); name files that miss the range entirely.

    A file whose every event falls outside while other files have events inside is the
    classic symptom of a skewed clock or a wrong time zone.
    """
    if len(events) == 0:
        return events
    ts = events["timestamp"]
    inside = (ts >= pd.Timestamp(start)) & (ts <= pd.Timestamp(end))
    keep = (inside | ts.isna()).to_numpy(dtype=bool)
    if keep.all():
        return events
    frame = pd.DataFrame({"source": events["source"].astype(object).fillna("-"), "inside": inside.fillna(False), "ts": ts})
    per = frame[ts.notna()].groupby("source").agg(inside=("inside", "sum"), n=("inside", "size"), lo=("ts", "min"), hi=("ts", "max"))
    if (per["inside"] > 0).any():
        for name, r in per[per["inside"] == 0].iterrows():
            report.notes.append(
                f"{name}: none of its {int(r['n']):,} events fall between {start:%H:%M} and {end:%H:%M}Z "
                f"(they span {r['lo']:%Y-%m-%d %H:%M} .. {r['hi']:%H:%M}Z): clock or time-zone skew? try --tz"
            )
    dropped = int((~keep).sum())
    lo, hi = ts.min(), ts.max()
    report.notes.append(f"{dropped:,} events outside {_span(start, end)} were left out; the data spans {_span(lo, hi)}")
    return events[keep].reset_index(drop=True)


def _load_range(deploy: datetime, back: timedelta, ahead: timedelta) -> tuple[datetime, datetime]:
    """[deploy-back, deploy+ahead], clamped to the times an event table can hold (no OverflowError)."""
    if not EARLIEST <= deploy <= LATEST:
        raise ValueError(f"deploy time {deploy.date().isoformat()} is outside {EARLIEST:%Y}..{LATEST:%Y}")
    start = EARLIEST if back >= deploy - EARLIEST else deploy - back
    end = LATEST if ahead >= LATEST - deploy else deploy + ahead
    return start, end


def _span(lo, hi) -> str:
    """`2026-11-26 13:32..14:32Z`, with the second date only when it differs."""
    lo, hi = pd.Timestamp(lo), pd.Timestamp(hi)
    end = f"{hi:%H:%M}" if lo.date() == hi.date() else f"{hi:%Y-%m-%d %H:%M}"
    return f"{lo:%Y-%m-%d %H:%M}..{end}Z"


def _identity(source) -> list[str]:
    """What tells two same-looking sources apart (absolute file paths), for the incident key."""
    paths = getattr(source, "paths", None) or []
    return [p if p == "-" else os.path.abspath(p) for p in paths if isinstance(p, str)]


def _describe(source) -> str:
    try:
        return source.describe()
    except Exception:  # a description must never stop a load
        return getattr(source, "kind", "source")


def _queries(source) -> list[str]:
    try:
        return list(source.queries())
    except Exception:
        return []


def _load_metrics(ms, start, end, progress: Progress, report: LoadReport):
    """One metric source's series, or None after noting why it failed.

    Metrics are supporting evidence: a missing CSV or a CloudWatch error must not throw
    away logs that loaded fine. The load is marked partial because asked-for data is missing.
    """
    try:
        return ms.load(start, end, progress)
    except Cancelled:
        raise
    except (SourceError, OSError, ValueError) as exc:
        reason = str(exc) or type(exc).__name__
    except Exception as exc:  # a metric back end's own error type; still only supporting data
        reason = f"{type(exc).__name__}: {exc}"
    from triage.redact import redact

    report.notes.append(f"metrics from {_describe(ms)} could not be loaded (logs unaffected): {redact(reason)}")
    report.partial = True
    return None


def load_incident(
    source,
    *,
    deploy: datetime,
    before: timedelta = DEFAULT_WINDOW,
    after: timedelta = DEFAULT_WINDOW,
    metric_sources=(),
    version: str | None = None,
    title: str = "",
    progress: Progress | None = None,
    margin: timedelta | None = None,
    open_end: bool = False,
    rollback: datetime | None = None,
) -> Incident:
    """Load events and metrics over [deploy-before-margin, deploy+after+margin] and group them.

    `open_end` (follow mode): load everything after the deploy too and stretch the after
    window to the newest event, which is where a follower goes on from.

    Raises Cancelled / SourceError from the sources unchanged.
    """
    deploy = _utc(deploy)
    progress = progress or Progress()
    margin = max(before, after) if margin is None else margin
    start, end = _load_range(deploy, before + margin, after + margin)
    metrics_end = end
    if open_end:  # logs to their end; metric APIs are asked up to now, not to the year 2262
        end = LATEST
        metrics_end = max(metrics_end, datetime.now(timezone.utc))
    # Every source keeps only [start, end]; local files also name files that miss it (clock skew).
    result = source.load(start, end, progress)
    report = LoadReport()
    report.merge(result.report)
    events = result.events
    missing = [c for c in EVENT_COLUMNS if c not in events.columns]
    if missing:
        raise ValueError(f"source returned an event table without columns {missing}")
    progress.check()
    progress.update(message="grouping signatures")
    events = with_signatures(events)
    metrics = [result.metrics] if len(result.metrics) else []
    sources = [result.description or _describe(source)]
    queries = _queries(source)
    for ms in metric_sources:
        progress.check()
        mres = _load_metrics(ms, start, metrics_end, progress, report)
        if mres is None:
            continue
        report.merge(mres.report)
        if len(mres.metrics):
            metrics.append(mres.metrics)
        sources.append(mres.description or _describe(ms))
        queries.extend(_queries(ms))
    metric_table = pd.concat(metrics, ignore_index=True) if metrics else empty_metrics()
    if open_end and len(events) and events["timestamp"].notna().any():
        after = max(after, events["timestamp"].max().to_pydatetime() - deploy + timedelta(seconds=1))
    return Incident(
        events=events,
        metrics=metric_table,
        deploy=deploy,
        before=before,
        after=after,
        rollback=_utc(rollback) if rollback is not None else None,
        version=version,
        title=title,
        sources=sources,
        queries=queries,
        report=report,
        key=incident_key(sources + queries + _identity(source), deploy),
        counts=result.counts,
    )
