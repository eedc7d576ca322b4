"""`triage deploys FILE...`: deploy-time candidates from the data; `--deploy auto` uses the first.

    triage deploys app.log                      # list candidates (version change, rollout lines, change point)
    triage report app.log --deploy auto         # the strongest candidate, said on stderr
    triage deploys --source cloudwatch --log-group /ecs/payments --format json

Files are read whole; a remote source is asked for the last AUTO_LOOKBACK (24 h).
"""

from __future__ import annotations

import json
import sys
from datetime import datetime, timedelta, timezone

from triage.cli import CliError, one_line_errors

AUTO_LOOKBACK = timedelta(hours=24)


def add_parser(subparsers) -> None:
    from triage.commands import options

    p = subparsers.add_parser(
        "deploys",
        help="suggest deploy times from the data (version field changes, Kubernetes/ECS rollout lines, change point)",
        description="List deploy-time candidates found in the logs, strongest evidence first. "
                    "`--deploy auto` on report/gate/open uses the first one.",
    )
    options.add_incident_arguments(p)
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--limit", type=int, default=5, metavar="N", help="how many candidates (default 5)")
    one_line_errors(p)
    p.set_defaults(func=run)


class PreloadedSource:
    """A source whose load already happened (to find the deploy); a load keeps [start, end] of it."""

    def __init__(self, source, result):
        self._source, self._result = source, result
        self.kind = getattr(source, "kind", "preloaded")
        self.paths = getattr(source, "paths", None) or []

    def load(self, start=None, end=None, progress=None):
        from dataclasses import replace

        from triage.events import LoadReport
        from triage.pipeline import clip_to_range

        if start is None or end is None:
            return self._result
        report = LoadReport()
        report.merge(self._result.report)
        events = clip_to_range(self._result.events, start, end, report)
        return replace(self._result, events=events, report=report)

    def describe(self) -> str:
        return self._result.description or self._source.describe()

    def queries(self):
        try:
            return list(self._source.queries())
        except Exception:
            return []


def load_all(source):
    """Everything a file source holds, or the last AUTO_LOOKBACK of a remote one."""
    from triage.events import Cancelled, SourceError

    try:
        if getattr(source, "kind", "") == "files":
            return source.load(None, None)
        now = datetime.now(timezone.utc)
        return source.load(now - AUTO_LOOKBACK, now)
    except SourceError as exc:
        raise CliError(str(exc)) from None
    except Cancelled:
        raise CliError("cancelled", code=130) from None


def candidates(result, limit: int = 5):
    from triage.deploys import suggest_deploys

    return suggest_deploys(result.events, limit=limit)


def auto_deploy(args, source):
    """Resolve `--deploy auto`: set args.deploy to the strongest candidate; return a preloaded source."""
    from triage.note import inert

    result = load_all(source)
    found = candidates(result)
    if not found:
        raise CliError("--deploy auto: no deploy candidate in the data (no version change, rollout line or clear "
                       "change point); give --deploy", code=1)
    best = found[0]
    args.deploy = best.time.isoformat()
    others = "; ".join(f"{s.time:%H:%M:%S}Z {inert(s.label)}" for s in found[1:3])
    print(f"triage: deploy time from the data: {best.time:%Y-%m-%d %H:%M:%S}Z ({inert(best.label)})"
          + (f"; other candidates: {others}" if others else ""), file=sys.stderr)
    return PreloadedSource(source, result)


def auto_loader(args, tz):
    """`triage open --deploy auto`: load everything once, take the strongest candidate, keep all events
    (the picker may move the deploy anywhere in the data); the candidates travel on the incident."""
    from triage.commands import options
    from triage.events import SourceError
    from triage.pipeline import load_incident

    before, after = options.windows(args)
    metric_sources = options.metric_sources(args, tz)
    source = options.log_source(args)

    def load(progress):
        try:
            result = source.load(None, None, progress) if getattr(source, "kind", "") == "files" else load_all(source)
        except CliError as exc:
            raise SourceError(str(exc)) from None
        found = candidates(result, limit=8)
        ts = result.events["timestamp"].dropna()
        if found:
            deploy = found[0].time
        elif len(ts):
            deploy = ts.min() + (ts.max() - ts.min()) / 2
        else:
            raise SourceError("no event has a timestamp, so no deploy time can be found; give --deploy")
        margin = max(deploy - ts.min(), ts.max() - deploy).to_pytimedelta() if len(ts) else None
        incident = load_incident(PreloadedSource(source, result), deploy=deploy.to_pydatetime(), before=before,
                                 after=after, metric_sources=metric_sources, version=args.version_label,
                                 title=args.title or "", progress=progress, margin=margin)
        incident.deploy_candidates = found
        return incident

    return load


def run(args) -> int:
    from triage.commands import options
    from triage.commands.report import _apply_preset, _source, _write_stdout
    from triage.note import inert
    from triage.timeparse import format_time

    args = _apply_preset(args)
    if args.limit < 1:
        raise CliError("--limit must be at least 1", code=2)
    tz = options.zone(args)
    found = candidates(load_all(_source(args)), args.limit)
    if args.format == "json":
        _write_stdout(json.dumps({"schema": "triage.deploys/1", "candidates": [s.to_dict() for s in found]}, indent=2) + "\n")
        return 0
    if not found:
        print("triage: no deploy candidate found (no version change, rollout line or clear change point)", file=sys.stderr)
        return 1
    lines = [f"{format_time(s.time, tz)}  {s.kind:<12} {inert(s.label)}" for s in found]
    _write_stdout("\n".join(lines) + "\n")
    return 0
