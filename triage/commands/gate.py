"""`triage gate`: a post-deploy check for CD pipelines; exit 3 when the deploy added errors.

    triage gate --preset payments-prod --deploy now --after 10m --junit gate.xml --note gate.md
    triage gate app.log --deploy 2026-11-26T14:02Z --json gate.json --known .triage-known

Loads and analyses exactly like `triage report` (same options, same `analyze()`), then
applies the preset's `[gate]` thresholds (triage.gate) to NEW/SPIKE error groups. When
the after window ends in the future it waits for it (`--no-wait` checks what is there).
Exit codes: 0 pass, 3 gate failed, 1 nothing usable (no events, or no data on one
side of the deploy: inconclusive) or refused write, 2 bad options.
"""

from __future__ import annotations

import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from triage.cli import CliError, one_line_errors

EXIT_FAIL = 3
MAX_WAIT = timedelta(hours=6)


def add_parser(subparsers) -> None:
    from triage.commands import options
    from triage.commands.parity import add_parity_arguments

    p = subparsers.add_parser(
        "gate",
        help="post-deploy check for CD: exit 3 when a NEW or SPIKE error group passes the thresholds",
        description="Analyse the windows around a deploy like `triage report`, then fail (exit 3) when NEW or "
                    "SPIKE error groups pass the preset's [gate] thresholds. Writes JSON, JUnit XML and the Markdown note.",
    )
    options.add_incident_arguments(p)
    add_gate_arguments(p)
    add_parity_arguments(p)
    from triage.commands.baselines import add_baseline_arguments

    add_baseline_arguments(p)
    one_line_errors(p)
    p.set_defaults(func=run)


def add_gate_arguments(p) -> None:
    """Gate-only options (the load/window options are the shared ones)."""
    p.add_argument("--demo", action="store_true", help="gate the built-in demo incident (it fails: a NEW error)")
    p.add_argument("--json", metavar="PATH", help="write the result as JSON (schema triage.gate/1); '-' for stdout")
    p.add_argument("--junit", metavar="PATH", help="write JUnit XML (one test case per NEW/SPIKE error group)")
    p.add_argument("--note", metavar="PATH", help="write the Markdown incident note for people")
    p.add_argument("--force", action="store_true", help="overwrite existing output files")
    p.add_argument("--known", metavar="FILE", help="known-signatures file: ids accepted as existing noise "
                   "(overrides the preset's gate.known)")
    p.add_argument("--write-known", metavar="FILE", help="append the groups that fail now to this known-signatures "
                   "file (accept today's noise), then exit 0")
    p.add_argument("--no-wait", action="store_true", help="do not wait for the after window to end; check the data there is")
    p.add_argument("--settle", metavar="D", default="0s", help="extra wait after the window ends, for log shipping delay (e.g. 1m)")
    p.add_argument("--top", type=int, default=5, metavar="N", help="changed signatures listed in the note (default 5)")


def run(args) -> int:
    from triage.commands.report import _apply_preset

    args = _apply_preset(args)
    args.output = None  # report's loader checks this
    outputs = _outputs(args)
    from triage.commands import baselines

    baselines.check(args)
    rules = _rules(args)
    known = _known(rules)
    from triage.commands.parity import parity_findings

    args.pinned = parity_findings(args)
    if not args.demo:
        _resolve_deploy_and_wait(args)
    incident, analysis = _analyse(args)
    from triage.gate import evaluate

    result = evaluate(analysis, rules, known)
    day = baselines.day_analysis(args, incident)
    if day is not None:
        _daily_pattern(result, day)
    _write_outputs(args, outputs, incident, analysis, result)
    from triage.gate_output import summary_lines

    for line in summary_lines(result, _tz(args)):
        print(line, file=sys.stderr)
    if args.write_known:
        return _write_known(args.write_known, result)
    if result.result == "inconclusive":
        return 1
    return EXIT_FAIL if result.result == "fail" else 0


def _tz(args):
    from triage.commands import options

    return options.zone(args)


def _outputs(args) -> dict[str, str]:
    """Output paths by format, checked before a long load or a wait (write refuses again anyway)."""
    from triage.commands.report import _check_output

    outputs = {k: getattr(args, k) for k in ("json", "junit", "note") if getattr(args, k)}
    if sum(1 for v in outputs.values() if v == "-") > 1:
        raise CliError("only one of --json/--junit/--note can be '-' (standard output)", code=2)
    paths = [v for v in outputs.values() if v != "-"]
    if len(set(map(lambda p: str(Path(p).resolve()), paths))) != len(paths):
        raise CliError("--json, --junit and --note need different files", code=2)
    for path in paths:
        args.output = path
        _check_output(args)
    args.output = None
    return outputs


def _rules(args):
    from triage.gate import GateRules

    preset = getattr(args, "loaded_preset", None)
    rules = GateRules.from_values(preset.values) if preset is not None else GateRules()
    if args.known:
        rules = GateRules(**{**rules.__dict__, "known": args.known})
    return rules


def _known(rules) -> set[str]:
    from triage.gate import KnownFileError, read_known

    if not rules.known:
        return set()
    try:
        return read_known(rules.known)
    except KnownFileError as exc:
        raise CliError(str(exc)) from None


def _resolve_deploy_and_wait(args) -> None:
    """Fix `now` once (a wait must not move it), then sleep until the after window has ended."""
    from triage.commands import options

    if args.deploy == "auto":  # a deploy found in the data is in the past: nothing to wait for
        return
    deploy = options.deploy_time(args, _tz(args), hint="; in a pipeline, --deploy now right after the rollout")
    args.deploy = deploy.isoformat()
    _, after = options.windows(args)
    settle = _duration(args.settle, "--settle")
    wait = (deploy + after + settle) - datetime.now(timezone.utc)
    if wait <= timedelta(0) or args.no_wait:
        return
    if wait > MAX_WAIT:
        raise CliError(f"the after window ends in {_fmt(wait)}: more than {_fmt(MAX_WAIT)} to wait; "
                       "check --deploy and --after (or use --no-wait)", code=2)
    print(f"triage gate: waiting {_fmt(wait)} for the after window to end (--no-wait to check now)", file=sys.stderr, flush=True)
    time.sleep(wait.total_seconds())


def _duration(text: str, name: str) -> timedelta:
    from triage.timeparse import parse_duration

    if str(text).strip() in ("0", "0s"):
        return timedelta(0)
    try:
        value = parse_duration(text)
    except ValueError as exc:
        raise CliError(f"bad {name}: {exc}", code=2) from None
    if value < timedelta(0):
        raise CliError(f"{name} cannot be negative", code=2)
    return value


def _fmt(td: timedelta) -> str:
    seconds = int(round(td.total_seconds()))
    return f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"


def _analyse(args):
    from triage.analysis import analyze
    from triage.commands.report import _load

    args.source = getattr(args, "source", None)
    from triage.commands import baselines

    incident = baselines.replace_baseline(args, _load(args))
    return incident, analyze(incident, tz=args.tz)


def _daily_pattern(result, day) -> None:
    """--baseline 1d/7d: a group that is no NEW/SPIKE against the earlier day does not fail the gate."""
    from triage.commands.baselines import daily_pattern

    label, analysis = day
    for v in result.verdicts:
        if v.outcome == "fail" and daily_pattern(analysis, v.signature):
            v.outcome, v.reason = "below", f"as high {label.split('same window ')[-1]}: daily pattern, not the deploy"
    fails = len(result.failures)
    if result.result == "fail" and fails <= result.rules.max_groups:
        result.result = "pass"
        result.reason = f"every failing group was as high {label.split('same window ')[-1]} (--baseline)"
    elif result.result == "fail":
        result.reason = f"{fails} NEW/SPIKE error group(s) passed the thresholds, also against {label.split('vs ')[-1]}"


def _write_outputs(args, outputs, incident, analysis, result) -> None:
    for kind, path in outputs.items():
        text = _render(kind, args, incident, analysis, result)
        if path == "-":
            from triage.commands.report import _write_stdout

            _write_stdout(text)
            continue
        _write(path, text, args.force)


def _render(kind, args, incident, analysis, result) -> str:
    from triage import gate_output

    if kind == "json":
        return gate_output.dumps_json(gate_output.render_json(result, incident))
    if kind == "junit":
        return gate_output.render_junit(result, incident)
    return _note(args, incident, analysis, result)


def _note(args, incident, analysis, result) -> str:
    """The report's note, with the gate's verdict as summary and the failing groups first."""
    from triage.note import Finding, NoteDraft, auto_findings, render_markdown

    findings = [Finding("signature", v.signature, f"gate: {v.reason}") for v in result.failures]
    seen = {f.key for f in findings}
    findings += [f for f in auto_findings(analysis, limit=args.top) if f.key not in seen]
    findings += getattr(args, "pinned", [])
    verdict = {"pass": "passed", "fail": "FAILED", "inconclusive": "was INCONCLUSIVE"}[result.result]
    draft = NoteDraft(title=args.title or "", summary=f"Post-deploy gate {verdict}: {result.reason}.", findings=findings)
    return render_markdown(incident, analysis, draft, tz=_tz(args))


def _write(path: str, text: str, force: bool) -> None:
    from triage.note import write_note

    try:
        written = write_note(path, text, force=force)
    except FileExistsError:
        raise CliError(f"{path} already exists; use --force to overwrite it") from None
    except OSError as exc:
        raise CliError(f"cannot write {path}: {exc.strerror or exc}") from None
    print(f"triage: wrote {written}", file=sys.stderr)


def _write_known(path: str, result) -> int:
    """Append today's failing groups; the file is created with a header when new."""
    from triage.atomic import write_text
    from triage.gate import KNOWN_HEADER, KnownFileError, known_lines, read_known

    target = Path(path)
    existing, old = set(), ""
    if target.exists():
        try:
            existing = read_known(target)
        except KnownFileError as exc:
            raise CliError(str(exc)) from None
        old = target.read_text(encoding="utf-8")
    added = known_lines(result.failures, existing)
    text = (old if old else KNOWN_HEADER) + ("" if not old or old.endswith("\n") else "\n") + added
    try:
        write_text(target, text, overwrite=True)
    except OSError as exc:
        raise CliError(f"cannot write {path}: {exc.strerror or exc}") from None
    count = added.count("\n")
    print(f"triage: {path}: added {count} signature(s) ({len(existing)} known now)", file=sys.stderr)
    return 0
