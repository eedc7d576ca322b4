"""`triage completion bash|zsh|tcsh`: a shell completion script generated from the real parser.

    triage completion bash > ~/.local/share/bash-completion/completions/triage
    triage completion zsh > "${fpath[1]}/_triage"

shtab walks the argparse parser, so every sub-command and option (including the sources'
and presets') is completed without a hand-kept list; FILE arguments complete as paths.
"""

from __future__ import annotations

import argparse

SHELLS = ("bash", "zsh", "tcsh")


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "completion",
        help="print a shell completion script (bash, zsh or tcsh)",
        description="Print a completion script for your shell; source it or save it where your shell looks.",
    )
    p.add_argument("shell", choices=SHELLS, help="the shell to complete for")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import sys

    import shtab

    from triage.cli import CliError, build_parser

    parser = build_parser()
    _paths_for_files(parser)
    try:
        script = shtab.complete(parser, shell=args.shell)
    except Exception as exc:  # shtab refusing an option layout is a bug report, not a traceback
        raise CliError(f"cannot generate {args.shell} completion: {exc}") from None
    sys.stdout.write(script if script.endswith("\n") else script + "\n")
    return 0


def _paths_for_files(parser: argparse.ArgumentParser) -> None:
    """FILE, --metrics CSV, -o PATH and other path-like values complete as file names."""
    import shtab

    for action in _all_actions(parser):
        if action.metavar in ("FILE", "CSV", "PATH", "PEM", "DIR") or action.dest in ("files", "output"):
            action.complete = shtab.DIRECTORY if action.metavar == "DIR" else shtab.FILE  # type: ignore[attr-defined]


def _all_actions(parser: argparse.ArgumentParser):
    for action in parser._actions:
        yield action
        if isinstance(action, argparse._SubParsersAction):
            for child in dict.fromkeys(action.choices.values()):
                yield from _all_actions(child)
