"""`triage open FILES... --deploy T`: the interactive app on local files, stdin, or any source.

`cmd | triage open - --deploy T` works: stdin is copied to a temp file first and the app
then reads keys from the terminal (/dev/tty), as toolong does.
"""

from __future__ import annotations

import argparse
import copy
import os
import shutil
import sys
import tempfile
from pathlib import Path


def add_common_arguments(p: argparse.ArgumentParser) -> None:
    """The incident options shared with `triage report` (files, deploy, windows, metrics, zone)."""
    p.add_argument("files", nargs="*", metavar="FILE", help="log files, directories, globs, or '-' for stdin")
    p.add_argument("--deploy", metavar="T", help="deploy time: ISO, epoch, '14:02', or relative like now-2h (required)")
    p.add_argument("--before", type=_duration, default=None, metavar="D", help="window before the deploy (default 30m)")
    p.add_argument("--after", type=_duration, default=None, metavar="D", help="window after the deploy (default 30m)")
    p.add_argument("--metrics", action="append", metavar="CSV", help="metric series CSV (long or wide); repeatable")
    p.add_argument("--tz", metavar="ZONE", help="zone for naive times and for display (UTC, local, Europe/Berlin)")
    p.add_argument("--version-label", metavar="V", help="the deployed version, shown in the header and note")
    p.add_argument("--title", help="incident title for the header and note")
    p.add_argument("--content", action="store_true", help="every line is a bare message (no header detection)")


def _duration(text: str):
    from triage.timeparse import parse_duration

    return parse_duration(text)


_duration.__name__ = "duration"  # argparse says "invalid duration value: 'x'"


def add_parser(subparsers) -> None:
    from triage.sources.registry import add_source_arguments

    p = subparsers.add_parser(
        "open",
        help="open the interactive triage app on logs around a deploy",
        description="Browse what changed around a deploy: signatures, details, metrics; pin findings into a note.",
    )
    add_common_arguments(p)
    add_source_arguments(p)
    p.add_argument("--export-dir", metavar="DIR", help="default folder for exported notes (default: current directory)")
    try:
        from triage.presets import add_preset_argument
    except ImportError:  # presets not in this build
        pass
    else:
        add_preset_argument(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from triage.app import make_app

    pristine = copy.copy(args)
    args = _with_preset(args)
    tz = _tz(args)
    query = {"args": copy.copy(args)}  # the query as given (stdin not yet a temp file), for "save as preset"
    stdin_dir = None
    try:
        if (args.source or "files") == "files":
            stdin_dir = _take_stdin(args)
        loader = build_loader(args, tz)
        presets, preset_loader = _preset_switching(pristine, tz, query)
        try:
            app = make_app(loader, tz=tz, export_dir=args.export_dir, presets=presets, preset_loader=preset_loader,
                           query_saver=query_saver(query))
        except ValueError as exc:  # unreadable keymap
            raise _cli_error(str(exc)) from None
        app.run()
    finally:
        if stdin_dir is not None:
            shutil.rmtree(stdin_dir, ignore_errors=True)
    return app.return_code or 0


def _cli_error(message: str, code: int = 1):
    from triage.cli import CliError

    return CliError(message, code)


def _with_preset(args):
    if getattr(args, "preset", None):
        from triage.presets import apply_preset

        return apply_preset(args)
    return args


def _tz(args):
    from triage.timeparse import resolve_tz

    try:
        return resolve_tz(args.tz)
    except ValueError as exc:
        raise _cli_error(str(exc), 2) from None


def build_loader(args, tz):
    """A function (progress -> Incident) for these arguments; bad options fail here, before the UI starts."""
    from datetime import timedelta

    from triage.pipeline import load_incident
    from triage.sources.registry import build_source
    from triage.timeparse import parse_time

    if not args.deploy:
        raise _cli_error("--deploy is required (e.g. --deploy '2026-11-26 14:02' or --deploy now-1h)", 2)
    try:
        deploy = parse_time(args.deploy, tz=tz)
    except ValueError as exc:
        raise _cli_error(f"--deploy: {exc}", 2) from None
    metric_sources = _metric_sources(args, tz)
    try:
        source = build_source(args)
    except Exception as exc:  # SourceError, ValueError, OSError: a readable line, never a traceback
        raise _cli_error(str(exc)) from None
    before = args.before or timedelta(minutes=30)
    after = args.after or timedelta(minutes=30)
    preset = getattr(args, "loaded_preset", None)

    def load(progress):
        incident = load_incident(source, deploy=deploy, before=before, after=after, metric_sources=metric_sources,
                                 version=args.version_label, title=args.title or "", progress=progress)
        if preset is not None and (preset.include or preset.exclude or preset.http_status):
            from triage.presets import filter_signatures

            incident.events = filter_signatures(incident.events, preset)
        return incident

    return load


def _metric_sources(args, tz) -> list:
    """CSV files (--metrics) plus CloudWatch metrics (--cw-metric/--cw-preset-metrics) next to
    any log source. A path typo fails here; a file or API that fails while loading only
    becomes a note in the load report (the logs stay)."""
    out = _csv_metric_sources(args, tz)
    if (getattr(args, "source", None) or "files") != "cloudwatch":  # the CloudWatch source loads its own
        try:
            from triage.sources import cloudwatch
        except ImportError:
            return out
        try:
            extra = cloudwatch.metrics_from_args(args)
        except Exception as exc:  # ValueError/SourceError: a readable line, never a traceback
            raise _cli_error(str(exc), 2) from None
        if extra is not None:
            out.append(extra)
    return out


def _csv_metric_sources(args, tz) -> list:
    paths = list(getattr(args, "metrics", None) or [])
    if not paths:
        return []
    missing = [p for p in paths if not Path(p).is_file()]
    if missing:
        raise _cli_error(f"--metrics: no such file: {', '.join(missing)}", 2)
    from triage.sources.metrics_csv import CsvMetricsSource

    try:
        return [CsvMetricsSource(p, tz=tz) for p in paths]
    except Exception as exc:  # a readable line, never a traceback
        raise _cli_error(f"--metrics: {exc}") from None


def _take_stdin(args) -> str | None:
    """Copy piped stdin to a temp file and point fd 0 at the terminal so keys still work."""
    files = list(args.files or [])
    if not files:
        if sys.stdin is None or sys.stdin.isatty():
            raise _cli_error("give log files (or '-' and pipe logs in), or --source/--preset", 2)
        files = ["-"]
    if "-" not in files:
        args.files = files
        return None
    if sys.stdin is None or sys.stdin.isatty():
        raise _cli_error("'-' reads stdin, but nothing is piped in", 2)
    tmp_dir = tempfile.mkdtemp(prefix="triage-stdin-")
    target = Path(tmp_dir) / "stdin"
    print("triage: reading stdin…", file=sys.stderr, flush=True)
    with open(target, "wb") as out:
        shutil.copyfileobj(sys.stdin.buffer, out, 1 << 20)
    _stdin_from_tty(tmp_dir)
    args.files = [str(target) if f == "-" else f for f in files]
    return tmp_dir


def _stdin_from_tty(tmp_dir: str) -> None:
    try:
        fd = os.open("/dev/tty", os.O_RDONLY)
    except OSError:
        shutil.rmtree(tmp_dir, ignore_errors=True)
        raise _cli_error("stdin was a pipe and there is no terminal to read keys from; "
                         "use `triage report` for headless runs") from None
    os.dup2(fd, 0)
    os.close(fd)
    sys.stdin = open(0, encoding="utf-8", closefd=False)


def query_saver(query: dict):
    """Save `query["args"]` (the current query, updated on preset switches) as a user preset.

    Returns the written path; raises FileExistsError (the app asks before overwriting) or
    PresetError (e.g. a literal password in a URL)."""
    try:
        from triage.presets import preset_from_args, save_preset
    except ImportError:
        return None

    def save(name: str, *, before=None, after=None, overwrite: bool = False) -> Path:
        args = copy.copy(query["args"])
        if before is not None:
            args.before = before
        if after is not None:
            args.after = after
        return save_preset(preset_from_args(args, name), overwrite=overwrite)

    return save


def _preset_switching(pristine, tz, query: dict | None = None):
    """Names for the palette's "switch preset" and a loader factory, when presets are available."""
    try:
        from triage.presets import apply_preset, list_presets
    except ImportError:
        return [], None
    try:
        names = [entry.name for entry in list_presets()]
    except Exception:  # a broken preset directory must not stop the app
        return [], None

    def loader_for(name: str):
        args = copy.copy(pristine)
        args.preset = name
        try:
            applied = apply_preset(args)
            loader = build_loader(applied, tz)
        except Exception as exc:  # CliError carries the preset's file, line and key
            raise ValueError(str(exc)) from None
        if query is not None:
            query["args"] = copy.copy(applied)
        return loader

    return names, loader_for
