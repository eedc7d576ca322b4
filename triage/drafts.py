"""Autosaved note drafts, one JSON file per incident, so a crash or `kill -9` loses nothing.

Engine side (no Textual): the app calls `save_draft` as the user types and `load_draft`
when the same incident is opened again. Writes go through `triage.atomic` (temp file, fsync, rename, fsync of the folder).
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import platformdirs

from triage.atomic import write_text
from triage.note import NoteDraft

STATE_ENV = "TRIAGE_STATE_DIR"


def state_dir() -> Path:
    """Where drafts live: $TRIAGE_STATE_DIR, else the platform's user state dir."""
    override = os.environ.get(STATE_ENV)
    return Path(override) if override else Path(platformdirs.user_state_dir("triage"))


def draft_path(incident_key: str) -> Path:
    """The draft file for one incident; the key is reduced to a safe file name."""
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", incident_key or "unnamed").strip(".") or "unnamed"
    return state_dir() / "drafts" / f"{safe[:120]}.json"


def save_draft(path: Path | str, draft: NoteDraft) -> None:
    """Write atomically: readers (and a crash at any point) see the old file or the new one."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text(path, json.dumps(draft.to_dict(), ensure_ascii=False, indent=1))


def load_draft(path: Path | str) -> NoteDraft | None:
    """The saved draft, or None when there is none or it cannot be read.

    A corrupt file is kept next to the original as `<name>.corrupt` so nothing is lost.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError):
        _keep_corrupt(path)
        return None
    try:
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError("draft is not an object")
        return NoteDraft.from_dict(data)
    except (ValueError, TypeError, KeyError, AttributeError):
        _keep_corrupt(path)
        return None


def _keep_corrupt(path: Path) -> None:
    try:
        shutil.copyfile(path, path.with_name(path.name + ".corrupt"))
    except OSError:
        pass
