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


def add_parser(subparsers) -> None:
    from triage.commands.options import add_incident_arguments

    p = subparsers.add_parser(
        "open",
        help="open the interactive triage app on logs around a deploy",
        description="Browse what changed around a deploy: signatures, details, metrics; pin findings into a note.",
    )
    add_incident_arguments(p)
    from triage.commands.parity import add_parity_arguments

    add_parity_arguments(p)
    p.add_argument("--export-dir", metavar="DIR", help="default folder for exported notes (default: current directory)")
    p.add_argument("--follow", "-f", action="store_true",
                   help="keep reading: appended lines (files, '-') or new events (remote sources, polled every 10 s) "
                        "grow the after window live; b marks a rollback")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    pristine = copy.copy(args)
    args = _with_preset(args)
    tz = _tz(args)
    query = {"args": copy.copy(args)}  # the query as given (stdin not yet a temp file), for "save as preset"
    stdin_dir = None
    try:
        if (args.source or "files") == "files":
            stdin_dir = _take_stdin(args)
        loader = build_loader(args, tz)
        from triage.commands.parity import parity_findings

        pinned = parity_findings(args)  # a bad settings file is a one-line error before the UI starts
        presets, preset_loader = _preset_switching(pristine, tz, query)
        from triage.app import make_app  # after the options are checked: a typo needs no Textual
        from triage.commands.options import app_look, set_theme

        keymap, theme = app_look(args)
        try:
            app = make_app(loader, tz=tz, export_dir=args.export_dir, keymap=keymap, presets=presets,
                           preset_loader=preset_loader, query_saver=query_saver(query), pinned=pinned)
        except ValueError as exc:  # unreadable keymap
            raise _cli_error(str(exc)) from None
        set_theme(app, args, theme)
        app.run()
    finally:
        if stdin_dir is not None:
            shutil.rmtree(stdin_dir, ignore_errors=True)
    return app.return_code or 0


def _cli_error(message: str, code: int = 1):
    from triage.cli import CliError

    return CliError(message, code)


def _with_preset(args):
    from triage.commands.options import apply_defaults

    return apply_defaults(args)


def _tz(args):
    from triage.commands.options import zone

    return zone(args)


def build_loader(args, tz):
    """A function (progress -> Incident) for these arguments; bad options fail here, before the UI starts."""
    from triage.commands import options
    from triage.pipeline import load_incident

    auto = args.deploy == "auto"
    if auto:
        if getattr(args, "follow", False) or getattr(args, "rollback", None):
            raise _cli_error("--deploy auto cannot be combined with --follow or --rollback", 2)
        from triage.commands.deploys import auto_loader

        return auto_loader(args, tz)
    deploy = options.deploy_time(args, tz, hint="; or --deploy auto to pick it from the data")
    before, after = options.windows(args)
    metric_sources = options.metric_sources(args, tz)
    rollback = options.rollback_time(args, tz, deploy)
    source = options.log_source(args)
    preset = getattr(args, "loaded_preset", None)
    follow = bool(getattr(args, "follow", False))
    if follow and getattr(source, "kind", "") == "files":
        source.follow = True

    def load(progress):
        incident = load_incident(source, deploy=deploy, before=before, after=after, metric_sources=metric_sources,
                                 version=args.version_label, title=args.title or "", progress=progress,
                                 open_end=follow, rollback=rollback)
        if preset is not None and (preset.include or preset.exclude or preset.http_status):
            from triage.presets import filter_signatures

            incident.events = filter_signatures(incident.events, preset)
        if follow:
            from triage.live import follow_incident

            incident.live = follow_incident(incident, source)
        return incident

    return load


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
    if getattr(args, "follow", False):
        _copy_in_background(target)  # the pipe keeps flowing into the file the app follows
    else:
        print("triage: reading stdin…", file=sys.stderr, flush=True)
        with open(target, "wb") as out:
            shutil.copyfileobj(sys.stdin.buffer, out, 1 << 20)
    _stdin_from_tty(tmp_dir)
    args.files = [str(target) if f == "-" else f for f in files]
    return tmp_dir


def _copy_in_background(target: Path, settle: float = 0.5) -> None:
    """Copy the pipe to `target` in a daemon thread for as long as it flows (follow mode).

    The pipe is moved off fd 0 first, so the terminal can take its place for keys. Waits
    until the pipe pauses for `settle` seconds (or ends) so the first load sees what was
    already buffered.
    """
    import threading
    import time

    pipe = os.fdopen(os.dup(0), "rb", buffering=0)
    out = open(target, "wb", buffering=0)  # noqa: SIM115 - the copy thread owns and closes it
    last = [time.monotonic()]
    ended = threading.Event()

    def pump() -> None:
        try:
            while True:
                data = pipe.read(1 << 16)
                if not data:
                    break
                out.write(data)
                last[0] = time.monotonic()
        except (OSError, ValueError):
            pass
        finally:
            ended.set()
            out.close()

    threading.Thread(target=pump, name="triage-stdin", daemon=True).start()
    print("triage: reading stdin (following)…", file=sys.stderr, flush=True)
    while not ended.wait(0.05) and time.monotonic() - last[0] < settle:
        pass


def _stdin_from_tty(tmp_dir: str) -> None:
    try:
        fd = os.open("/dev/tty", os.O_RDONLY)
    except OSError:
        shutil.rmtree(tmp_dir, ignore_errors=True)
        raise _cli_error("stdin was a pipe and there is no terminal to read keys from; "
                         "use `triage report` for headless runs") from None
    os.dup2(fd, 0)
    os.close(fd)
    sys.stdin = open(0, encoding="utf-8", closefd=False)  # noqa: SIM115  (lives as sys.stdin)


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
        from triage.presets import list_presets
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
            from triage.commands.options import apply_defaults

            applied = apply_defaults(args)
            loader = build_loader(applied, tz)
        except Exception as exc:  # CliError carries the preset's file, line and key
            raise ValueError(str(exc)) from None
        if query is not None:
            query["args"] = copy.copy(applied)
        return loader

    return names, loader_for
