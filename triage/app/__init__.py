"""The Textual front end. `make_app` is shared by the CLI, the tests and the screenshot script."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

from triage.app.app import Loader, TriageApp

KEYMAP_ENV = "TRIAGE_KEYMAP"


def read_keymap(path: str | Path) -> dict[str, str]:
    """A TOML file of `"binding.id" = "key"` lines; raises ValueError with the file name."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot read keymap {path}: {exc}") from None
    bad = [k for k, v in data.items() if not isinstance(v, str)]
    if bad:
        raise ValueError(f"keymap {path}: values must be key strings (bad: {', '.join(bad)})")
    return data


def make_app(loader: Loader, *, tz=None, export_dir=None, keymap: dict[str, str] | None = None,
             presets=None, preset_loader=None, filter_text: str = "", query_saver=None, pinned=None) -> TriageApp:
    """The app for one incident loader (called in a worker with a Progress)."""
    if keymap is None and os.environ.get(KEYMAP_ENV):
        keymap = read_keymap(os.environ[KEYMAP_ENV])
    return TriageApp(loader, tz=tz, export_dir=export_dir, keymap=keymap, presets=presets,
                     preset_loader=preset_loader, filter_text=filter_text, query_saver=query_saver, pinned=pinned)


def make_demo_app(**kwargs) -> TriageApp:
    """The app on the built-in demo incident (deterministic, no network)."""
    from triage.demo import demo_incident

    return make_app(lambda progress: demo_incident(progress), **kwargs)


__all__ = ["TriageApp", "make_app", "make_demo_app", "read_keymap"]
