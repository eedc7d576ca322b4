"""`triage group FILE... | -`: the top error signatures of some logs, headless.

Text output is a ranked table (count, share, id, level, template, one example);
`--format jsonl` prints one JSON object per event for scripts. Log text is untrusted:
secrets are masked in the table (and in jsonl with --redact); control and bidi characters
are shown escaped (triage.textsafe), never sent to the terminal.
"""

from __future__ import annotations

import shutil
import sys

from triage.severity import LEVELS


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "group",
        help="print the top log signatures of files or stdin",
        description="Group log events by signature (template or stack-trace fingerprint) and print the most frequent.",
    )
    p.add_argument("files", nargs="*", metavar="FILE", help="log files, directories, globs or '-' for stdin (.gz is fine)")
    p.add_argument("--format", choices=("text", "jsonl"), default="text", help="text: ranked table (default); jsonl: one JSON object per event")
    p.add_argument("--top", type=int, default=20, metavar="N", help="how many signatures to show (text format; default 20, 0 = all)")
    p.add_argument("--level", choices=LEVELS, default=None, help="only events at this level or more severe (events without a level are left out)")
    p.add_argument("--content", action="store_true", help="every line is a bare message: no header detection, no multi-line folding")
    p.add_argument("--tz", default=None, metavar="ZONE", help="zone of timestamps that carry none (default UTC; 'local' or an IANA name)")
    p.add_argument("--redact", action="store_true", help="mask secrets (tokens, keys, passwords) in jsonl messages too; the table always masks them")
    p.set_defaults(func=run)


def run(args) -> int:
    from triage.cli import CliError
    from triage.commands.group_output import at_least, redacted, render_table, safe, write_jsonl
    from triage.commands.options import config_defaults
    from triage.events import SourceError
    from triage.signatures import add_signatures
    from triage.sources.files import FileSource
    from triage.timeparse import resolve_tz

    if args.top < 0:
        raise CliError("--top must be 0 or more", code=2)
    args = config_defaults(args)  # the config file's zone, unless --tz
    try:
        tz = resolve_tz(args.tz)
    except ValueError as exc:
        raise CliError(str(exc), code=2) from None
    files = args.files or ["-"]
    if files == ["-"] and _stdin_is_terminal():
        raise CliError("no input: give log files, a directory or a glob, or pipe logs in (triage group - < app.log)", code=2)
    source = FileSource(files, content=args.content, tz=tz)
    from triage.commands.progress_line import ProgressLine
    from triage.events import Progress

    line = ProgressLine()
    try:
        result = source.load(None, None, Progress(line))
    except SourceError as exc:
        raise CliError(str(exc)) from None
    finally:
        line.close()
    warning = result.report.warning()
    if warning:
        from triage.redact import redact

        print(f"triage: warning: {safe(redact(warning))}", file=sys.stderr)
    events = result.events
    if events.empty:
        raise CliError("no events found in the input")
    events = add_signatures(events)
    if args.level:
        events = at_least(events, args.level)
    if sys.stdout is None:
        raise CliError("standard output is closed; redirect it to a file (e.g. `> groups.txt`)")
    _reconfigure_stdout()
    if args.format == "jsonl":
        if args.redact:
            events = redacted(events)
        write_jsonl(events, sys.stdout)
    else:
        sys.stdout.write(render_table(events, top=args.top, width=shutil.get_terminal_size((120, 24)).columns))
    sys.stdout.flush()
    return 0


def _stdin_is_terminal() -> bool:
    try:
        return sys.stdin is None or sys.stdin.isatty()
    except (AttributeError, ValueError):
        return False


def _reconfigure_stdout() -> None:
    try:
        sys.stdout.reconfigure(errors="replace")  # type: ignore[union-attr]
    except (AttributeError, ValueError):
        pass
