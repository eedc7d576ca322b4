"""`triage report`: the headless path from logs around a deploy to a redacted incident note.

    triage report app.log --deploy 2026-11-26T14:02Z -o note.md
    triage report --demo --format json
    kubectl logs deploy/payments | triage report - --deploy now-40m --before 30m --after 30m
"""

from __future__ import annotations

import argparse
import sys
from datetime import timedelta

from triage.cli import one_line_errors
from triage.events import Cancelled, SourceError


MAX_WINDOW = timedelta(days=366)


def add_common_arguments(p: argparse.ArgumentParser) -> None:
    """Options shared with `triage open` (the app engineer mirrors these)."""
    p.add_argument("files", nargs="*", metavar="FILE", help="log files, directories, globs, or '-' for stdin")
    p.add_argument("--deploy", metavar="T", help="deploy time: ISO/RFC time, epoch, or relative like now-45m")
    p.add_argument("--before", metavar="D", default="30m", help="window before the deploy (default 30m)")
    p.add_argument("--after", metavar="D", default="30m", help="window after the deploy (default 30m)")
    p.add_argument("--metrics", metavar="CSV", action="append", default=[], help="metric series CSV (long or wide); repeatable")
    p.add_argument("--tz", metavar="ZONE", default=None, help="zone for times without one, and for display (default UTC)")
    p.add_argument("--version-label", metavar="V", default=None, help="the deployed version, for the note")
    p.add_argument("--title", default=None, help="note title (default: derived from the deploy)")
    p.add_argument("--content", action="store_true", help="every line is a bare message: no header detection or folding")


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "report",
        help="write a redacted incident note: what changed around the deploy",
        description="Compare the windows before and after a deploy and write the top findings as a Markdown or JSON note.",
    )
    add_common_arguments(p)
    p.add_argument("--demo", action="store_true", help="use the built-in demo incident instead of real logs")
    p.add_argument("-o", "--output", metavar="PATH", help="write the note here (default: stdout); never overwrites without --force")
    p.add_argument("--force", action="store_true", help="overwrite an existing --output file")
    p.add_argument("--format", choices=("md", "json"), default="md", help="md: Markdown note (default); json: the full analysis")
    p.add_argument("--top", type=int, default=5, metavar="N", help="how many changed signatures to include (default 5)")
    from triage.sources.registry import add_source_arguments

    add_source_arguments(p)
    _add_preset_argument(p)
    one_line_errors(p)
    p.set_defaults(func=run)


def _add_preset_argument(p) -> None:
    """--preset NAME, when the presets module is present (it fills options the user left out)."""
    try:
        from triage.presets import add_preset_argument
    except ImportError:
        return
    add_preset_argument(p)


def _apply_preset(args):
    try:
        from triage.presets import apply_preset
    except ImportError:
        return args
    return apply_preset(args)


def run(args) -> int:
    from triage.cli import CliError

    args = _apply_preset(args)
    _check_output(args)
    incident = _load(args)
    from triage.analysis import analyze
    from triage.note import NoteDraft, auto_findings, dumps_json, render_json, render_markdown, write_note

    analysis = analyze(incident, tz=args.tz)
    _warn(incident, analysis)
    draft = NoteDraft(title=args.title or "", findings=auto_findings(analysis, limit=args.top))
    if args.format == "json":
        text = dumps_json(render_json(incident, analysis, draft))
    else:
        text = render_markdown(incident, analysis, draft, tz=_tz(args))
    if args.output and args.output != "-":
        try:
            path = write_note(args.output, text, force=args.force)
        except FileExistsError:
            raise CliError(f"{args.output} already exists; use --force to overwrite it") from None
        except OSError as exc:
            raise CliError(f"cannot write {args.output}: {exc.strerror or exc}") from None
        print(f"triage: wrote {path} ({len(draft.findings)} findings)", file=sys.stderr)
    else:
        _write_stdout(text)
    return 0


def _check_output(args) -> None:
    """Fail before a long load when the note could not be written anyway (write_note re-checks)."""
    from pathlib import Path

    from triage.cli import CliError

    if args.output is None or args.output == "-":
        return
    if not args.output.strip():
        raise CliError("-o/--output needs a file name (or '-' for standard output)", code=2)
    target = Path(args.output)
    if target.is_dir():
        raise CliError(f"{args.output} is a directory; give a file name", code=2)
    if target.exists() and not args.force:
        raise CliError(f"{args.output} already exists; use --force to overwrite it")
    parent = target.parent if str(target.parent) else Path(".")
    if not parent.is_dir():
        raise CliError(f"cannot write {args.output}: directory {parent} does not exist")


def _tz(args):
    from triage.cli import CliError
    from triage.timeparse import resolve_tz

    try:
        return resolve_tz(args.tz)
    except ValueError as exc:
        raise CliError(str(exc), code=2) from None


def _windows(args) -> tuple[timedelta, timedelta]:
    from triage.cli import CliError
    from triage.timeparse import parse_duration

    for name in ("before", "after"):
        if str(getattr(args, name)).strip().startswith("-"):
            raise CliError(f"--{name} is a length, longer than zero (got {getattr(args, name)!r}); "
                           "the windows always extend away from the deploy", code=2)
    try:
        before, after = parse_duration(args.before), parse_duration(args.after)
    except ValueError as exc:
        raise CliError(f"bad window length: {exc}", code=2) from None
    if before <= timedelta(0) or after <= timedelta(0):
        raise CliError("--before and --after must be longer than zero", code=2)
    if max(before, after) > MAX_WINDOW:
        raise CliError(f"--before and --after can be at most {MAX_WINDOW.days} days (a deploy's effect is compared "
                       "over minutes to hours)", code=2)
    return before, after


def _load(args):
    from triage.cli import CliError
    from triage.pipeline import load_incident

    before, after = _windows(args)
    tz = _tz(args)
    if args.top < 1:
        raise CliError("--top must be at least 1", code=2)
    if args.demo:
        if args.files or args.source:
            raise CliError("--demo takes no FILEs or --source", code=2)
        from triage.demo import DEMO_DEPLOY, DEMO_VERSION, DemoSource

        source, deploy = DemoSource(), DEMO_DEPLOY
        if args.deploy:
            deploy = _deploy(args.deploy, tz)
        version = args.version_label or (DEMO_VERSION if not args.deploy else None)
        title = args.title or ""
    else:
        if not args.deploy:
            raise CliError("--deploy is required (e.g. --deploy 2026-11-26T14:02Z or --deploy now-45m); try --demo", code=2)
        deploy = _deploy(args.deploy, tz)
        source = _source(args)
        version, title = args.version_label, args.title or ""
    metric_sources = _metric_sources(args, tz)
    try:
        incident = load_incident(source, deploy=deploy, before=before, after=after, metric_sources=metric_sources,
                                 version=version, title=title)
    except SourceError as exc:
        raise CliError(str(exc)) from None
    except Cancelled:
        raise CliError("cancelled", code=130) from None
    if getattr(args, "loaded_preset", None) is not None:  # the preset's signature include/exclude/status
        from triage.presets import filter_incident

        filter_incident(incident, args.loaded_preset)
    if len(incident.events) == 0 and len(incident.metrics) == 0:
        hint = incident.report.warning()
        if hint and "left out" in hint:
            raise CliError(f"no events near the deploy time: {hint}. Check --deploy, --before/--after and --tz")
        raise CliError("no events found in the input" + (f" ({hint})" if hint else ""))
    return incident


def _deploy(text: str, tz):
    from triage.cli import CliError
    from triage.pipeline import EARLIEST, LATEST
    from triage.timeparse import parse_time

    try:
        deploy = parse_time(text, tz=tz)
    except (ValueError, OverflowError) as exc:
        raise CliError(f"bad --deploy: {exc}", code=2) from None
    if not EARLIEST + MAX_WINDOW * 2 <= deploy <= LATEST - MAX_WINDOW * 2:
        raise CliError(f"bad --deploy: {text!r} reads as {deploy.date().isoformat()}, outside the years log times can hold", code=2)
    return deploy


def _source(args):
    from triage.cli import CliError
    from triage.sources.registry import build_source

    if not args.files and not args.source and _interactive_stdin():
        raise CliError("no input: give log FILEs, '-' to read stdin, --source, or --demo", code=2)

    try:
        return build_source(args)
    except SourceError as exc:
        raise CliError(str(exc)) from None
    except ValueError as exc:
        raise CliError(str(exc), code=2) from None


def _interactive_stdin() -> bool:
    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except (AttributeError, ValueError):
        return False


def _metric_sources(args, tz) -> list:
    from triage.cli import CliError
    from triage.sources.metrics_csv import CsvMetricsSource

    out = [CsvMetricsSource(path, tz=tz) for path in args.metrics]
    if getattr(args, "source", None) != "cloudwatch":
        try:
            from triage.sources import cloudwatch
        except ImportError:
            return out
        try:
            extra = cloudwatch.metrics_from_args(args)
        except (ValueError, SourceError) as exc:
            raise CliError(str(exc), code=2) from None
        if extra is not None:
            out.append(extra)
    return out


def _warn(incident, analysis) -> None:
    from triage.note import inert

    messages = []
    load = incident.report.warning()
    if load:
        messages.append(load)
    messages += [w for w in analysis.warnings if w not in messages]
    for m in messages:
        print(f"triage: warning: {inert(m)}", file=sys.stderr)


def _write_stdout(text: str) -> None:
    from triage.cli import CliError

    if sys.stdout is None:  # started with stdout closed (`>&-`)
        raise CliError("standard output is closed; write the note with -o FILE")
    try:
        sys.stdout.reconfigure(errors="replace")  # type: ignore[union-attr]
    except (AttributeError, ValueError):
        pass
    sys.stdout.write(text)
    sys.stdout.flush()
