"""Save the current query as a preset from inside the app (issue 7 part 5).

The app does not know the command-line arguments; `triage open` hands it a `QuerySaver`
(name, windows, overwrite -> written path) built on `triage.presets`.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Protocol

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$")


class QuerySaver(Protocol):
    def __call__(self, name: str, *, before: timedelta | None = None, after: timedelta | None = None,
                 overwrite: bool = False) -> Path: ...


def check_preset_name(name: str) -> str:
    """The name as the file stem; ValueError with a readable message keeps the dialog open."""
    name = name.strip()
    if name.endswith(".toml"):
        name = name[:-5]
    if not NAME_RE.match(name):
        raise ValueError("use letters, digits, '.', '_' and '-' (up to 80), starting with a letter or digit")
    return name
