"""`triage parity A B`: diff two environments' settings (A = reference, usually staging; B = production).

    triage parity staging.env k8s/prod/deployment.yaml
    triage parity helm/values-staging.yaml helm/values-prod.yaml --format json
    triage parity envs/staging envs/prod --check        # exit 3 on any high-severity finding

Exit codes: 0 compared, 3 with --check and a high-severity finding, 1 unreadable file or
refused write, 2 bad options. Secret values are never printed (only set/unset/same).
"""

from __future__ import annotations

import json
import sys

from triage.cli import CliError, one_line_errors

EXIT_CHECK = 3


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "parity",
        help="diff two environments' config (.env, Helm values, Kubernetes YAML, JSON): staging-only values in production",
        description="Compare settings of environment A (reference, e.g. staging) with B (e.g. production): missing keys, "
                    "mock/stub/localhost/staging values and debug flags in B, secrets set in one only (values never shown).",
    )
    p.add_argument("a", metavar="A", help="reference settings: a file (.env, .json, .toml, .yaml) or a directory of them")
    p.add_argument("b", metavar="B", help="settings to check (usually production)")
    p.add_argument("--names", metavar="A,B", help="labels for the two sides (default: the file names)")
    p.add_argument("--format", choices=("text", "json", "md"), default="text", help="text (default), json, or md")
    p.add_argument("--all", action="store_true", help="text: also list low-severity differences")
    p.add_argument("--check", action="store_true", help="exit 3 when there is a high-severity finding (for CI)")
    p.add_argument("-o", "--output", metavar="PATH", help="write here instead of stdout (never overwrites without --force)")
    p.add_argument("--force", action="store_true", help="overwrite an existing --output file")
    one_line_errors(p)
    p.set_defaults(func=run)


def add_parity_arguments(p) -> None:
    """`--parity A B` for commands that write a note: the diff is pinned as a finding."""
    p.add_argument("--parity", nargs=2, metavar=("A", "B"), default=None,
                   help="pin a config parity check (A reference, B production settings) into the note")
    p.add_argument("--parity-names", metavar="A,B", default=None, help="labels for --parity's two sides")


def parity_findings(args) -> list:
    """The pinned parity finding for --parity, or nothing."""
    if not getattr(args, "parity", None):
        return []
    from triage.parity import parity_finding

    return [parity_finding(load_report(args.parity[0], args.parity[1], args.parity_names))]


def names(text: str | None) -> tuple[str | None, str | None]:
    if not text:
        return None, None
    parts = [x.strip() for x in text.split(",")]
    if len(parts) != 2 or not all(parts):
        raise CliError("--names takes two labels, e.g. --names staging,production", code=2)
    return parts[0], parts[1]


def load_report(a: str, b: str, label: str | None = None):
    """The parity report for two paths; a file problem is one CliError line."""
    from triage.parity import ParityError, parity

    a_name, b_name = names(label)
    try:
        return parity(a, b, a_name, b_name)
    except ParityError as exc:
        raise CliError(str(exc)) from None


def run(args) -> int:
    from triage.parity import render_text
    from triage.parity.render import markdown_lines

    report = load_report(args.a, args.b, args.names)
    if args.format == "json":
        text = json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n"
    elif args.format == "md":
        text = "\n".join(["## Config parity", "", *markdown_lines(report, limit=10_000)]) + "\n"
    else:
        text = render_text(report, show_low=args.all)
    if args.output and args.output != "-":
        from triage.note import write_note

        try:
            write_note(args.output, text, force=args.force)
        except FileExistsError:
            raise CliError(f"{args.output} already exists; use --force to overwrite it") from None
        except OSError as exc:
            raise CliError(f"cannot write {args.output}: {exc.strerror or exc}") from None
    else:
        from triage.commands.report import _write_stdout

        _write_stdout(text)
    if args.check and report.counts()["high"]:
        print(f"triage: parity: {report.counts()['high']} high-severity finding(s)", file=sys.stderr)
        return EXIT_CHECK
    return 0
