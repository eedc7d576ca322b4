"""Saved query presets: TOML files the team reviews and commits, so nobody retypes an
index pattern or an Insights query during an incident.

Engine side only (no Textual). The app builds its picker and "save as preset" on
`list_presets`, `find_preset`, `preset_from_args` and `save_preset`.
"""

from triage.presets.arguments import add_preset_argument, apply_preset, preset_from_args
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
from triage.presets.store import dumps_preset, load_preset, parse_preset, save_preset

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
