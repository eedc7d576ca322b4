"""`triage presets list | show NAME | validate FILE...`: the team's saved queries."""

from __future__ import annotations

import argparse
import json
import shlex
from pathlib import Path
from typing import TYPE_CHECKING

from triage import presets  # a lazy package: the parser is built on every `triage --help`
from triage.cli import CliError, one_line_errors
from triage.textsafe import escape

if TYPE_CHECKING:
    from triage.presets import Preset, PresetEntry

def _clean(text: object) -> str:
    """Printable text only: a preset file must not be able to drive the terminal (nor reorder it with bidi)."""
    return escape(text, newlines=False)


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("presets", help="list, show and validate saved query presets",
                                   description="Saved query presets: ./queries/, then the user config dir, then shipped.")
    sub = parser.add_subparsers(dest="presets_command", metavar="ACTION")
    p_list = sub.add_parser("list", help="every preset with its origin and any duplicates")
    p_list.add_argument("--json", action="store_true", help="machine-readable output")
    p_list.set_defaults(func=run_list)
    p_show = sub.add_parser("show", help="a preset's file and the options it fills")
    p_show.add_argument("name", help="preset name or path to a .toml file")
    p_show.set_defaults(func=run_show)
    p_val = sub.add_parser("validate", help="check preset files (default: every preset found); exit 1 if any is invalid")
    p_val.add_argument("files", nargs="*", metavar="FILE")
    p_val.set_defaults(func=run_validate)
    for each in (parser, p_list, p_show, p_val):
        one_line_errors(each)
    parser.set_defaults(func=lambda args: (parser.print_help(), 2)[1])


def run_list(args: argparse.Namespace) -> int:
    entries = presets.list_presets()
    if args.json:
        print(json.dumps([_entry_json(e) for e in entries], indent=2))
        return 0
    if not entries:
        print("no presets found; searched:")
    else:
        width = max(len(e.name) for e in entries)
        print(f"{'NAME':<{width}}  {'SOURCE':<13}  {'ORIGIN':<8}  DESCRIPTION")
        for e in entries:
            text = e.description if e.preset else f"INVALID: {e.error}"
            print(_clean(f"{e.name:<{width}}  {e.source:<13}  {e.origin:<8}  {text}"))
        _print_duplicates(entries)
        print("\nsearched, first wins:")
    for origin, directory in presets.search_dirs():
        print(_clean(f"  {origin:<8} {directory}"))
    return 0


def _print_duplicates(entries: list[PresetEntry]) -> None:
    """Conflicts one per line; byte-identical copies (e.g. a repo's ./queries) only counted."""
    lines, identical = [], 0
    for e in entries:
        conflicts = e.conflicts
        identical += len(e.shadowed) - len(conflicts)
        for other in conflicts:
            lines.append(f"  {e.name}: {e.origin} {e.path} shadows a DIFFERENT {other.origin} {other.path}")
    if lines:
        print("\nnames defined more than once (the first wins):")
        for line in lines:
            print(_clean(line))
    if identical:
        print(f"\n({identical} identical copies in lower-precedence directories not shown; see --json)")


def _entry_json(e: PresetEntry) -> dict:
    return {
        "name": e.name,
        "source": e.source,
        "origin": e.origin,
        "path": str(e.path),
        "description": e.description,
        "error": e.error,
        "shadowed": [{"origin": o.origin, "path": str(o.path), "identical": o not in e.conflicts} for o in e.shadowed],
    }


def run_show(args: argparse.Namespace) -> int:
    try:
        if args.name.endswith(".toml") or "/" in args.name:
            entry, preset = None, presets.load_preset(args.name)
        else:
            entry = presets.find_entry(args.name)
            if entry.preset is None:
                raise CliError(entry.error or "invalid preset")
            preset = entry.preset
    except presets.PresetError as exc:
        raise CliError(str(exc)) from None
    origin = f" ({entry.origin})" if entry else ""
    print(_clean(f"# {preset.path}{origin}"))
    if entry is not None:
        for other in entry.shadowed:
            state = "identical" if other not in entry.conflicts else "DIFFERENT"
            print(_clean(f"# also defined in {other.path} ({other.origin}, {state}; this one wins)"))
    assert preset.path is not None  # loaded from a file
    print(_clean(Path(preset.path).read_text(encoding="utf-8")).rstrip("\n"))
    print("\n# fills these options unless given on the command line:")
    print(_clean("#   " + " ".join(_as_options(preset))))
    return 0


def _as_options(preset: Preset) -> list[str]:
    """The preset as command-line options, for reading (env references shown as $NAME)."""
    from triage.presets import schema

    out = [f"--source {preset.source}"] if preset.source != "files" else []
    for key, value in preset.values.items():
        spec = schema.BY_PATH[key]
        if spec.dest is None:
            continue
        flag = "--" + spec.dest.replace("_", "-")
        if spec.dest == "files":
            out.extend(shlex.quote(v) for v in value)
        elif spec.kind == "bool":
            out.append(flag)
        elif spec.env:
            out.append(f"{flag} ${value}")
        elif spec.kind == "str_table":
            out.extend(f"{flag} {shlex.quote(f'{k}={v}')}" for k, v in value.items())
        elif spec.kind == "str_list":
            out.extend(f"{flag} {shlex.quote(v)}" for v in value)
        else:
            out.append(f"{flag} {shlex.quote(str(value))}")
    for key in ("signatures.include", "signatures.exclude", "signatures.http_status"):
        if key in preset.values:
            out.append(f"(+ {key} = {preset.values[key]!r}, applied after grouping)")
    return out


def run_validate(args: argparse.Namespace) -> int:
    files = args.files or [str(e.path) for e in presets.list_presets() for e in [e, *e.shadowed]]
    if not files:
        raise CliError("no preset files found (see `triage presets list` for where they are searched)")
    bad = 0
    for name in files:
        try:
            preset = presets.load_preset(name)
        except presets.PresetError as exc:
            bad += 1
            print(_clean(f"INVALID {exc}"))
            continue
        print(_clean(f"ok      {name} ({preset.name}, {preset.source})"))
    if bad:
        raise CliError(f"{bad} of {len(files)} preset file(s) invalid")
    return 0
