"""`--compare KEY=VALUE` and `--baseline 1d|7d|PATH` for report and gate (see triage.baselines).

`--compare` and `--baseline PATH` replace the before window by another baseline (other
versions in the same minutes; another environment's logs), so the whole note is about
that contrast. `--baseline 1d|7d` keeps the before-deploy analysis and adds the same
window a day/week earlier next to it: the note gets a section, JSON a `day_baseline` key,
and the gate stops failing groups that were as high then (daily traffic shape).
"""

from __future__ import annotations

import re

from triage.cli import CliError

_DAYS = re.compile(r"^\s*(\d{1,3})\s*([dw])\s*$", re.I)


def add_baseline_arguments(p) -> None:
    p.add_argument("--compare", metavar="KEY=VALUE", default=None,
                   help="canary: events with KEY=VALUE (version=v2.4.0, host=pay-1,pay-2, pod=web-7d9f*) against the "
                        "other values in the same minutes after the deploy")
    p.add_argument("--baseline", metavar="1d|7d|PATH", default=None,
                   help="1d/7d: also compare with the same window a day/week earlier; PATH: another environment's "
                        "logs (e.g. staging) as the baseline for the same windows")


def day_count(text: str | None) -> int | None:
    m = _DAYS.match(text or "")
    if not m:
        return None
    n = int(m.group(1)) * (7 if m.group(2).lower() == "w" else 1)
    if not 1 <= n <= 365:
        raise CliError("--baseline takes 1d..365d (or 1w..52w)", code=2)
    return n


def check(args) -> None:
    """Option mistakes before any load (exit 2)."""
    if args.compare and args.baseline and day_count(args.baseline) is None:
        raise CliError("--compare and --baseline PATH both replace the baseline; give one", code=2)
    if args.compare:
        from triage.baselines import DimensionSpec

        try:
            DimensionSpec.parse(args.compare)
        except ValueError as exc:
            raise CliError(str(exc), code=2) from None
    if args.baseline and day_count(args.baseline) is None:
        import glob
        import os

        if not (os.path.exists(args.baseline) or glob.glob(args.baseline)):
            raise CliError(f"--baseline {args.baseline!r}: not 1d/7d and no such file or directory", code=2)
    if args.baseline and day_count(args.baseline) and (not args.files and not args.source or "-" in args.files):
        raise CliError("--baseline 1d/7d reads the source twice: give FILEs or --source, not stdin", code=2)


def replace_baseline(args, incident):
    """The incident to analyse: as loaded, or the --compare / --baseline PATH pair."""
    from triage.baselines import DimensionSpec, compare_dimension, compare_environments

    if args.compare:
        try:
            return compare_dimension(incident, DimensionSpec.parse(args.compare))
        except ValueError as exc:
            raise CliError(str(exc)) from None
    if args.baseline and day_count(args.baseline) is None:
        base = _load_other(args, incident, files=[args.baseline])
        return compare_environments(base, incident, f"{args.baseline} (baseline) vs the target, same windows")
    return incident


def day_analysis(args, incident):
    """(label, analysis) of the after window vs the same window N days earlier, or None."""
    days = day_count(args.baseline)
    if not days:
        return None
    from datetime import timedelta

    from triage.analysis import analyze
    from triage.baselines import day_baseline

    earlier = _load_other(args, incident, deploy=incident.deploy - timedelta(days=days))
    pair = day_baseline(earlier, incident, days)
    return pair.queries[-1].removeprefix("baseline: "), analyze(pair, tz=args.tz)


def _load_other(args, incident, *, files=None, deploy=None):
    """A second load with the same windows: other files (another environment) or another deploy time."""
    import argparse

    from triage.commands import options
    from triage.events import SourceError
    from triage.pipeline import load_incident

    other = argparse.Namespace(**vars(args))
    if files is not None:
        other.files, other.source = files, None
    source = options.log_source(other)
    try:
        return load_incident(source, deploy=deploy or incident.deploy, before=incident.before, after=incident.after)
    except SourceError as exc:
        raise CliError(f"baseline: {exc}") from None


def markdown_section(label: str, main, day) -> str:
    """Signatures that changed at the deploy, with their status against the earlier day too."""
    from triage.note.format import code_span, fmt_count, short_template

    changed = main.signatures[main.signatures["status"] != "STEADY"].head(15)
    day_rows = day.signatures.set_index("signature")
    lines = [f"## Baseline: {label}", "",
             "A change that is also there against the same window on an earlier day is daily traffic shape, "
             "not necessarily the deploy.", "",
             "| Signature | vs before the deploy | vs the earlier day | Earlier day → After |", "|---|---|---|---:|"]
    if changed.empty:
        lines.append("| – | no change around the deploy | – | – |")
    for _, r in changed.iterrows():
        d = day_rows.loc[r["signature"]] if r["signature"] in day_rows.index else None
        status = d["status"] if d is not None else "–"
        counts = f"{fmt_count(d['before'])} → {fmt_count(d['after'])}" if d is not None else "–"
        lines.append(f"| {code_span(short_template(r['template'], 70), 70)} | {r['status']} | {status} | {counts} |")
    return "\n".join(lines) + "\n"


def daily_pattern(day, signature: str) -> bool:
    """Is this signature NOT a NEW/SPIKE against the earlier day (so the gate should not blame the deploy)?"""
    rows = day.signatures[day.signatures["signature"] == signature]
    return rows.empty or rows["status"].iloc[0] not in ("NEW", "SPIKE")
