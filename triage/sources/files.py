"""Local log files, globs, directories, `.gz`, and stdin (`-`) as a Source.

Bad inputs never stop a load: unreadable or binary files are skipped and counted,
the rest is loaded, and the LoadReport says what happened in one sentence.
"""

from __future__ import annotations

import glob
import os
from datetime import datetime
from pathlib import Path

import pandas as pd

from triage.events import LoadReport, LoadResult, Progress, SourceError, empty_events
from triage.parsing.lineshape import parse_lines
from triage.timeparse import resolve_tz
from triage.parsing.linereader import NotText, bytes_to_lines, looks_binary, read_bytes

_GLOB_CHARS = set("*?[")


def expand_paths(paths: list[str], report: LoadReport | None = None) -> list[str]:
    """Globs and directories to a sorted, de-duplicated list of files; "-" stays stdin."""
    out: list[str] = []
    for given in paths:
        if given == "-":
            out.append("-")
            continue
        if _GLOB_CHARS & set(given):
            matched = sorted(glob.glob(os.path.expanduser(given), recursive=True))
            files = [m for m in matched if os.path.isfile(m)]
            if not files and report is not None:
                report.notes.append(f"no files match {given}")
            out.extend(files)
        elif os.path.isdir(given):
            out.extend(_walk(given))
        else:
            out.append(os.path.expanduser(given))
    seen: set[str] = set()
    return [p for p in out if not (p in seen or seen.add(p))]


def _walk(directory: str) -> list[str]:
    found = []
    for root, dirs, files in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found.extend(os.path.join(root, f) for f in sorted(files) if not f.startswith("."))
    return found


def read_lines(path: str, report: LoadReport):
    """The decoded lines of one input, or None (counted in `report`) when it cannot be used."""
    try:
        data = read_bytes(path)
    except FileNotFoundError:
        report.skip("files not found", 1)
        report.notes.append(f"not found: {path}")
        return None
    except (PermissionError, IsADirectoryError, OSError) as exc:
        report.skip("unreadable files", 1)
        report.notes.append(f"cannot read {path}: {exc.strerror or exc.__class__.__name__}")
        return None
    except NotText as exc:
        report.skip("unreadable files", 1)
        report.notes.append(f"{path}: {exc}")
        return None
    if looks_binary(data):
        report.skip("binary files", 1)
        report.notes.append(f"{path} looks binary, skipped")
        return None
    return bytes_to_lines(data, report)


class FileSource:
    """Log lines from local files and/or stdin; `load` filters to [start, end] (untimed events stay)."""

    kind = "files"

    def __init__(self, paths: list[str], *, content: bool = False, tz=None):
        self.paths = list(paths) or ["-"]
        self.content = content
        self.tz = tz

    def describe(self) -> str:
        names = ["stdin" if p == "-" else Path(p).name or p for p in self.paths]
        more = f" (+{len(names) - 1})" if len(names) > 1 else ""
        return f"files: {names[0]}{more}"

    def queries(self) -> list[str]:
        return []

    def load(self, start: datetime | None = None, end: datetime | None = None, progress: Progress | None = None) -> LoadResult:
        progress = progress or Progress()
        try:
            tz = resolve_tz(self.tz)
        except ValueError as exc:
            raise SourceError(str(exc)) from None
        report = LoadReport()
        files = expand_paths(self.paths, report)
        frames = []
        for i, path in enumerate(files):
            progress.check()
            progress.update(done=i, total=len(files), message=f"reading {path}")
            lines = read_lines(path, report)
            if lines is None:
                continue
            progress.check()
            progress.update(message=f"parsing {path} ({len(lines):,} lines)")
            frames.append(parse_lines(lines, source=path, content=self.content, tz=tz, report=report))
        progress.update(done=len(files), total=len(files), message="loaded")
        if not files or (not frames and report.skipped):
            raise SourceError("no readable input", hint=report.warning() or "give log files, a directory, a glob, or '-' for stdin")
        events = pd.concat(frames, ignore_index=True) if len(frames) > 1 else (frames[0] if frames else empty_events())
        events = _within(events, start, end, report)
        return LoadResult(events=events, report=report, description=self.describe())


def _within(events: pd.DataFrame, start, end, report: LoadReport) -> pd.DataFrame:
    if start is None and end is None:
        return events
    ts = events["timestamp"]
    keep = ts.isna()
    inside = pd.Series(True, index=events.index)
    if start is not None:
        inside &= ts >= pd.Timestamp(start)
    if end is not None:
        inside &= ts <= pd.Timestamp(end)
    keep = keep | inside.fillna(False)
    dropped = int((~keep).sum())
    if dropped:
        report.notes.append(f"{dropped:,} events outside the time range were not loaded")
        return events[keep.to_numpy()].reset_index(drop=True)
    return events


def from_args(args) -> FileSource:
    files = list(getattr(args, "files", None) or [])
    return FileSource(files or ["-"], content=bool(getattr(args, "content", False)), tz=getattr(args, "tz", None))
