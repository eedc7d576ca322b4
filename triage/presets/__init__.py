"""Saved query presets: TOML files the team reviews and commits, so nobody retypes an
index pattern or an Insights query during an incident.

Engine side only (no Textual). The app builds its picker and "save as preset" on
`list_presets`, `find_preset`, `preset_from_args` and `save_preset`.

The names below load on first use (PEP 562): `--preset` is on every parser that
`triage --help` builds, and the filters need pandas.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

_LAZY = {
    "add_preset_argument": "option",
    "apply_preset": "arguments",
    "preset_from_args": "arguments",
    "filter_incident": "filters",
    "filter_signatures": "filters",
    "PresetEntry": "locations",
    "find_entry": "locations",
    "find_preset": "locations",
    "list_presets": "locations",
    "project_dir": "locations",
    "search_dirs": "locations",
    "shipped_dir": "locations",
    "user_dir": "locations",
    "Preset": "model",
    "PresetError": "model",
    "dumps_preset": "store",
    "load_preset": "store",
    "parse_preset": "store",
    "save_preset": "store",
}

if TYPE_CHECKING:
    from triage.presets.arguments import apply_preset, preset_from_args
    from triage.presets.filters import filter_incident, filter_signatures
    from triage.presets.locations import (
        PresetEntry,
        find_entry,
        find_preset,
        list_presets,
        project_dir,
        search_dirs,
        shipped_dir,
        user_dir,
    )
    from triage.presets.model import Preset, PresetError
    from triage.presets.option import add_preset_argument
    from triage.presets.store import dumps_preset, load_preset, parse_preset, save_preset


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(f"triage.presets.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "Preset",
    "PresetEntry",
    "PresetError",
    "add_preset_argument",
    "apply_preset",
    "dumps_preset",
    "filter_incident",
    "filter_signatures",
    "find_entry",
    "find_preset",
    "list_presets",
    "load_preset",
    "parse_preset",
    "preset_from_args",
    "project_dir",
    "save_preset",
    "search_dirs",
    "shipped_dir",
    "user_dir",
]
