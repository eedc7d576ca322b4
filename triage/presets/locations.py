"""Where presets live and which one a name means.

Search order: `./queries/` (the project), the user's config dir
(`$TRIAGE_CONFIG_DIR/queries` or platformdirs' `user_config_dir("triage")/queries`),
then the presets shipped inside the package. A name found in more than one place is
reported (`shadowed`), never silently replaced.
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import platformdirs

from triage.presets.model import Preset, PresetError
from triage.presets.store import load_preset

ORIGINS = ("project", "user", "shipped")


def project_dir(cwd: str | Path | None = None) -> Path:
    return Path(cwd if cwd is not None else os.getcwd()) / "queries"


def user_dir() -> Path:
    base = os.environ.get("TRIAGE_CONFIG_DIR") or platformdirs.user_config_dir("triage")
    return Path(base) / "queries"


def shipped_dir() -> Path:
    return Path(str(resources.files("triage") / "queries"))


def search_dirs(cwd: str | Path | None = None) -> list[tuple[str, Path]]:
    """(origin, directory) in precedence order."""
    return [("project", project_dir(cwd)), ("user", user_dir()), ("shipped", shipped_dir())]


@dataclass
class PresetEntry:
    """One preset file as found on disk. `preset` is None and `error` set when it is invalid.

    `shadowed` lists the lower-precedence entries with the same name; `identical` tells
    whether each has the same content (a harmless copy) or differs (a real conflict).
    """

    name: str
    path: Path
    origin: str
    preset: Preset | None = None
    error: str | None = None
    shadowed: list[PresetEntry] = field(default_factory=list)

    @property
    def conflicts(self) -> list[PresetEntry]:
        """Shadowed entries whose content differs from this one."""
        mine = _content(self.path)
        return [e for e in self.shadowed if _content(e.path) != mine]

    @property
    def description(self) -> str:
        return self.preset.description if self.preset else ""

    @property
    def source(self) -> str:
        return self.preset.source if self.preset else "?"


def _content(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def _scan(origin: str, directory: Path) -> list[PresetEntry]:
    try:
        files = sorted(p for p in directory.glob("*.toml") if p.is_file())
    except OSError:
        return []
    entries = []
    for path in files:
        try:
            entries.append(PresetEntry(path.stem, path, origin, preset=load_preset(path, origin=origin)))
        except PresetError as exc:
            entries.append(PresetEntry(path.stem, path, origin, error=str(exc)))
    return entries


def list_presets(cwd: str | Path | None = None) -> list[PresetEntry]:
    """Every preset by name (first found wins), sorted by name, with what it shadows."""
    winners: dict[str, PresetEntry] = {}
    seen: set[Path] = set()
    for origin, directory in search_dirs(cwd):
        try:
            real = directory.resolve()
        except OSError:
            continue
        if real in seen:  # e.g. TRIAGE_CONFIG_DIR pointing at the project
            continue
        seen.add(real)
        for entry in _scan(origin, directory):
            if entry.name in winners:
                winners[entry.name].shadowed.append(entry)
            else:
                winners[entry.name] = entry
    return [winners[name] for name in sorted(winners)]


def find_entry(name: str, cwd: str | Path | None = None) -> PresetEntry:
    entries = list_presets(cwd)
    for entry in entries:
        if entry.name == name:
            return entry
    close = difflib.get_close_matches(name, [e.name for e in entries], n=3, cutoff=0.5)
    hint = f"; did you mean {', '.join(close)}?" if close else "; see `triage presets list`"
    raise PresetError(f"no preset named '{name}'{hint}")


def find_preset(name: str, cwd: str | Path | None = None) -> Preset:
    """The preset called `name` (or at path `name` if it ends in .toml); raises PresetError."""
    if name.endswith(".toml") or os.sep in name:
        return load_preset(name)
    entry = find_entry(name, cwd)
    if entry.preset is None:  # reload to raise the file's own error (file, line, key) once
        return load_preset(entry.path, origin=entry.origin)
    return entry.preset
