"""The Preset value and its error type."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class PresetError(ValueError):
    """A preset problem the user can fix: says which file, line and key."""

    def __init__(self, message: str, *, path: str | Path | None = None, line: int | None = None, key: str | None = None):
        self.message = message
        self.path = str(path) if path is not None else None
        self.line = line
        self.key = key
        super().__init__(self._render())

    def _render(self) -> str:
        where = self.path or "preset"
        if self.line:
            where += f":{self.line}"
        what = f"key '{self.key}': " if self.key else ""
        return f"{where}: {what}{self.message}"


@dataclass
class Preset:
    """A saved query: the source, how to reach it (by reference), what to ask, and defaults.

    `values` maps dotted keys ("query.index", "window.before") to their validated values,
    exactly as they appear in the file; see triage.presets.schema.KEYS.
    """

    name: str
    source: str
    description: str = ""
    values: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None
    origin: str = ""  # "project", "user", "shipped" or "" (a file given by path)

    def get(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)

    @property
    def include(self) -> list[str]:
        return list(self.values.get("signatures.include", []))

    @property
    def exclude(self) -> list[str]:
        return list(self.values.get("signatures.exclude", []))

    @property
    def http_status(self) -> list[str]:
        return list(self.values.get("signatures.http_status", []))

    @property
    def match(self) -> str:
        return self.values.get("signatures.match", "template")

    def to_dict(self) -> dict[str, Any]:
        """Nested TOML-shaped dict (name, description, source first, then sections)."""
        out: dict[str, Any] = {"name": self.name}
        if self.description:
            out["description"] = self.description
        out["source"] = self.source
        for key, value in self.values.items():
            if key in ("name", "description", "source"):
                continue
            section, leaf = key.split(".", 1)
            out.setdefault(section, {})[leaf] = value
        return out
