"""Presets on the command line: `--preset NAME` fills the options the user did not give.

Values go through each option's own argparse `type`, so a preset value and the same
text typed on the command line end up identical in the Namespace.
"""

from __future__ import annotations

import argparse
import glob
import os
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from triage.presets import schema
from triage.presets.locations import find_entry, find_preset
from triage.presets.model import Preset, PresetError
from triage.presets.option import PARSER_ATTR, add_preset_argument  # noqa: F401  (re-exported)
from triage.presets.store import dumps_preset, parse_preset
from triage.presets.toml_lines import key_lines, line_of
from triage.timeparse import parse_duration

REFS_ATTR = "_preset_refs"  # dest -> env var name it came from, so saving keeps the reference


def _actions(args: argparse.Namespace) -> dict[str, argparse.Action]:
    parser = getattr(args, PARSER_ATTR, None)
    if parser is None:
        return {}
    return {a.dest: a for a in parser._actions if a.dest != argparse.SUPPRESS}


def _given(value: Any, action: argparse.Action | None) -> bool:
    """Did the user give this option? (A value equal to the built-in default counts as not given.)"""
    if value is None or value == [] or value is False:
        return False
    return action is None or value != action.default


def _error(preset: Preset, key: str | None, message: str) -> PresetError:
    line = None
    if preset.path is not None and key:
        try:
            line = line_of(key_lines(preset.path.read_text(encoding="utf-8")), key)
        except OSError:
            line = None
    return PresetError(message, path=preset.path or f"preset {preset.name}", line=line, key=key)


def apply_preset(args: argparse.Namespace) -> argparse.Namespace:
    """Fill `args` from `args.preset` where the command line said nothing; returns `args`.

    Sets `args.loaded_preset` (the Preset, or None) for `filter_signatures`. Raises
    triage.cli.CliError with file, line and key on any preset problem.
    """
    from triage.cli import CliError

    args.loaded_preset = getattr(args, "loaded_preset", None)
    name = getattr(args, "preset", None)
    if not name:
        return args
    try:
        preset = find_preset(name)
        _warn_shadowed(name)
        _fill(args, preset)
    except PresetError as exc:
        raise CliError(str(exc)) from None
    args.loaded_preset = preset
    return args


def _warn_shadowed(name: str) -> None:
    if name.endswith(".toml") or os.sep in name:
        return
    entry = find_entry(name)
    for other in entry.conflicts:
        print(
            f"triage: warning: preset '{name}' is defined in {entry.path} ({entry.origin}) "
            f"and differently in {other.path} ({other.origin}); using the {entry.origin} one",
            file=sys.stderr,
        )


def _fill(args: argparse.Namespace, preset: Preset) -> None:
    actions = _actions(args)
    cli_source = getattr(args, "source", None)
    if cli_source and cli_source != preset.source and {cli_source, preset.source} != schema.ES:
        raise _error(preset, "source", f"preset is for '{preset.source}' but --source {cli_source} was given")
    if not cli_source and preset.source != "files":
        args.source = preset.source
    refs = dict(getattr(args, REFS_ATTR, None) or {})
    for key, value in preset.values.items():
        spec = schema.BY_PATH[key]
        if spec.dest is None:
            continue
        action = actions.get(spec.dest)
        if actions and action is None:
            raise _error(preset, key, f"this command has no option for it (is the {preset.source} source available?)")
        if _given(getattr(args, spec.dest, None), action):
            continue
        if spec.env:
            value = _from_env(preset, key, value)
            refs[spec.dest] = preset.values[key]
        setattr(args, spec.dest, _convert(preset, spec, action, value))
    setattr(args, REFS_ATTR, refs)


def _from_env(preset: Preset, key: str, name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise _error(preset, key, f"environment variable {name} is not set")
    return value


def _convert(preset: Preset, spec: schema.Key, action: argparse.Action | None, value: Any) -> Any:
    """Turn a preset value into what argparse would have stored for the same text."""
    if spec.kind == "bool" or (spec.kind == "int" and action is None):
        return value
    if spec.kind == "str_table":
        value = [f"{k}={v}" for k, v in value.items()]
    if spec.dest == "files":
        value = _expand_globs(preset, value)
    if spec.kind == "int":
        value = str(value)
    many = isinstance(value, list) or _is_multi(action)
    items = value if isinstance(value, list) else [value]
    typ = getattr(action, "type", None)
    if spec.check is schema._duration and typ in (float, int):
        items = [str(parse_duration(v).total_seconds()) for v in items]
    if callable(typ):
        try:
            items = [typ(v) for v in items]
        except (ValueError, TypeError, argparse.ArgumentTypeError) as exc:
            raise _error(preset, spec.path, f"rejected by the command line option: {exc}") from None
    return items if many else items[0]


def _is_multi(action: argparse.Action | None) -> bool:
    """Does this option collect a list (action="append", nargs="*"/"+")?"""
    if action is None:
        return False
    return isinstance(action, argparse._AppendAction) or action.nargs in ("*", "+") or isinstance(action.nargs, int)


def _expand_globs(preset: Preset, patterns: list[str]) -> list[str]:
    paths: list[str] = []
    for pattern in patterns:
        matches = sorted(glob.glob(os.path.expanduser(pattern)))
        if not matches:
            raise _error(preset, "query.files", f"no file matches {pattern!r} (in {os.getcwd()})")
        paths.extend(m for m in matches if m not in paths)
    return paths


def preset_from_args(args: argparse.Namespace, name: str, description: str = "") -> Preset:
    """The current query as a Preset (for "save as preset"). Raises PresetError when it
    cannot be saved safely, e.g. a URL with a password that did not come from an env var.
    The deploy time is left out: it belongs to the incident, not to the query.
    """
    source = getattr(args, "source", None) or "files"
    actions = _actions(args)
    refs = getattr(args, REFS_ATTR, None) or {}
    values: dict[str, Any] = {}
    for spec in schema.KEYS:
        if spec.dest in (None, "source", "deploy") or source not in spec.sources:
            continue
        value = getattr(args, spec.dest, None)
        if not _given(value, actions.get(spec.dest)) or spec.env != (spec.dest in refs):
            continue  # env keys only for values that came from a reference, literal keys for the rest
        stored = refs[spec.dest] if spec.env else _unconvert(spec, value)
        if stored is not None:
            values[spec.path] = stored
    loaded = getattr(args, "loaded_preset", None)
    if loaded is not None and loaded.source == source:
        values.update({k: v for k, v in loaded.values.items() if k.startswith("signatures.")})
    draft = Preset(name=name, source=source, description=description, values=values)
    return parse_preset(dumps_preset(draft), path=f"{name}.toml")


def _unconvert(spec: schema.Key, value: Any) -> Any:
    if spec.kind == "str_table":
        return dict(str(v).split("=", 1) for v in value if "=" in str(v))
    if spec.kind == "str_list":
        items = [str(v) for v in value if str(v) != "-"]
        if spec.dest == "files":
            items = [glob.escape(str(Path(v))) for v in items]
        return items or None
    if spec.kind in ("bool", "int"):
        return value
    if isinstance(value, list):  # a single-valued preset key filled by a repeatable option (--es-url)
        if len(value) != 1:
            raise PresetError(f"{spec.path} holds one value, got {len(value)}", key=spec.path)
        value = value[0]
    if isinstance(value, timedelta):
        return _format_duration(value)
    if spec.check is schema._duration and isinstance(value, (int, float)):
        return f"{value:g}s"
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def _format_duration(td: timedelta) -> str:
    seconds = int(td.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
