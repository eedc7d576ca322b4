"""`triage report`: the headless path from logs around a deploy to a redacted incident note.

    triage report app.log --deploy 2026-11-26T14:02Z -o note.md
    triage report --demo --format json
    kubectl logs deploy/payments | triage report - --deploy now-40m --before 30m --after 30m
"""

from __future__ import annotations

import sys

from triage.cli import one_line_errors
from triage.commands import options


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "report",
        help="write a redacted incident note: what changed around the deploy",
        description="Compare the windows before and after a deploy and write the top findings as a Markdown or JSON note.",
    )
    options.add_incident_arguments(p)
    p.add_argument("--demo", action="store_true", help="use the built-in demo incident instead of real logs")
    p.add_argument("-o", "--output", metavar="PATH", help="write the note here (default: stdout); never overwrites without --force")
    p.add_argument("--force", action="store_true", help="overwrite an existing --output file")
    p.add_argument("--format", choices=("md", "json"), default="md", help="md: Markdown note (default); json: the full analysis")
    p.add_argument("--top", type=int, default=5, metavar="N", help="how many changed signatures to include (default 5)")
    from triage.commands.parity import add_parity_arguments

    add_parity_arguments(p)
    from triage.commands.baselines import add_baseline_arguments

    add_baseline_arguments(p)
    one_line_errors(p)
    p.set_defaults(func=run)


def _apply_preset(args):
    """The preset, then the config file, fill what the command line left out."""
    return options.apply_defaults(args)


def run(args) -> int:
    from triage.cli import CliError
    from triage.commands import baselines
    from triage.commands.parity import parity_findings

    args = _apply_preset(args)
    _check_output(args)
    baselines.check(args)
    pinned = parity_findings(args)  # before the load: a bad settings file fails fast
    incident = baselines.replace_baseline(args, _load(args))
    from triage.analysis import analyze
    from triage.note import NoteDraft, auto_findings, dumps_json, render_json, render_markdown, write_note

    analysis = analyze(incident, tz=args.tz)
    _warn(incident, analysis)
    day = baselines.day_analysis(args, incident)
    draft = NoteDraft(title=args.title or "", findings=auto_findings(analysis, limit=args.top) + pinned)
    if args.format == "json":
        doc = render_json(incident, analysis, draft)
        if day is not None:
            from triage.note.jsondoc import _records
            from triage.redact import redact_obj

            doc["day_baseline"] = redact_obj({"label": day[0], "signatures": _records(day[1].signatures)})
        text = dumps_json(doc)
    else:
        text = render_markdown(incident, analysis, draft, tz=options.zone(args))
        if day is not None:
            from triage.redact import redact

            section = redact(baselines.markdown_section(day[0], analysis, day[1]))
            text = text.replace("\n## Checklist\n", "\n" + section + "\n## Checklist\n", 1)
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


def _load(args):
    from triage.cli import CliError
    before, after = options.windows(args)
    tz = options.zone(args)
    if args.top < 1:
        raise CliError("--top must be at least 1", code=2)
    if args.demo:
        if args.files or args.source:
            raise CliError("--demo takes no FILEs or --source", code=2)
        from triage.demo import DEMO_DEPLOY, DEMO_VERSION, DemoSource

        source, deploy = DemoSource(), DEMO_DEPLOY
        if args.deploy:
            deploy = options.deploy_time(args, tz)
        version = args.version_label or (DEMO_VERSION if not args.deploy else None)
        title = args.title or ""
    else:
        if args.deploy == "auto":  # suggested from the data (triage.deploys); the load is reused
            from triage.commands.deploys import auto_deploy

            source = auto_deploy(args, _source(args))
        else:
            options.deploy_time(args, tz, hint="; try --demo, or --deploy auto to take it from the data")
            source = _source(args)
        deploy = options.deploy_time(args, tz)
        version, title = args.version_label, args.title or ""
    metric_sources = options.metric_sources(args, tz)
    from triage.commands.progress_line import ProgressLine
    from triage.events import Cancelled, Progress, SourceError
    from triage.pipeline import load_incident

    line = ProgressLine()
    try:
        incident = load_incident(source, deploy=deploy, before=before, after=after, metric_sources=metric_sources,
                                 version=version, title=title, progress=Progress(line),
                                 rollback=options.rollback_time(args, tz, deploy))
    except SourceError as exc:
        raise CliError(str(exc)) from None
    except Cancelled:
        raise CliError("cancelled", code=130) from None
    finally:
        line.close()
    if getattr(args, "loaded_preset", None) is not None:  # the preset's signature include/exclude/status
        from triage.presets import filter_incident

        filter_incident(incident, args.loaded_preset)
    if len(incident.events) == 0 and len(incident.metrics) == 0:
        hint = incident.report.warning()
        if hint and "left out" in hint:
            raise CliError(f"no events near the deploy time: {hint}. Check --deploy, --before/--after and --tz")
        raise CliError("no events found in the input" + (f" ({hint})" if hint else ""))
    return incident


def _source(args):
    from triage.cli import CliError

    if not args.files and not args.source and _interactive_stdin():
        raise CliError("no input: give log FILEs, '-' to read stdin, --source, or --demo", code=2)
    return options.log_source(args)


def _interactive_stdin() -> bool:
    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except (AttributeError, ValueError):
        return False


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
