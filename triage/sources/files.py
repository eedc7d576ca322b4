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
from triage.parsing.linereader import NotText, bytes_to_lines, looks_binary, read_bytes
from triage.sources.filestream import FileStats, LooksBinary, stream_file
from triage.timeparse import resolve_tz

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
    return list(dict.fromkeys(out))  # first occurrence wins, order kept


def _walk(directory: str) -> list[str]:
    found: list[str] = []
    for root, dirs, files in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found.extend(os.path.join(root, f) for f in sorted(files) if not f.startswith("."))
    return found


def read_lines(path: str, report: LoadReport):
    """The decoded lines of one whole input, or None (counted in `report`) when it cannot be used.

    For callers that want every line at once (benchmarks, small inputs); loads stream instead.
    """
    try:
        data = read_bytes(path)
    except (NotText, OSError) as exc:
        _skip(path, exc, report)
        return None
    if looks_binary(data):
        _skip(path, LooksBinary(f"{path} looks binary, skipped"), report)
        return None
    return bytes_to_lines(data, report)


def _skip(path: str, exc: Exception, report: LoadReport) -> None:
    """Count and name an input that could not be used; the load goes on with the rest."""
    if isinstance(exc, FileNotFoundError):
        report.skip("files not found", 1)
        report.notes.append(f"not found: {path}")
    elif isinstance(exc, LooksBinary):
        report.skip("binary files", 1)
        report.notes.append(str(exc))
    elif isinstance(exc, NotText):
        report.skip("unreadable files", 1)
        report.notes.append(f"{path}: {exc}")
    else:
        report.skip("unreadable files", 1)
        report.notes.append(f"cannot read {path}: {getattr(exc, 'strerror', None) or exc.__class__.__name__}")


class FileSource:
    """Log lines from local files and/or stdin; `load` keeps [start, end] (untimed events stay).

    Files are streamed block by block and time-sorted ones are entered by binary search,
    so memory and time follow the events in the range, not the size of the file.
    """

    kind = "files"

    def __init__(self, paths: list[str], *, content: bool = False, tz=None, follow: bool = False, lazy_raw: bool = True):
        self.paths = list(paths) or ["-"]
        self.content = content
        self.tz = tz
        self.follow = follow  # files are still being written: leave a half-written last line
        self.lazy_raw = lazy_raw  # plain files: one-line events' raw text is read back when shown (triage.rawtext)
        self.positions: dict[str, tuple[int, int]] = {}  # path -> (byte offset, line) where the last load stopped

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
        sizes = [_size(p) for p in files]
        total = sum(sizes) or None
        frames: list[pd.DataFrame] = []
        stats: list = []
        done = 0
        for path, size in zip(files, sizes):
            progress.check()
            progress.update(done=done, total=total, message=f"reading {path}")
            try:
                got, st = stream_file(path, start=start, end=end, content=self.content, tz=tz, report=report,
                                      progress=progress, done_before=done, total=total, hold_partial=self.follow,
                                      lazy_raw=self.lazy_raw)
            except (NotText, OSError) as exc:
                _skip(path, exc, report)
                done += size
                continue
            done += size
            frames.extend(f for f in got if len(f))
            stats.append(st)
            if st.plain:
                self.positions[path] = (st.read_to, st.next_line)
        progress.update(done=total or 0, total=total, message="loaded")
        if not files or (not stats and report.skipped):
            raise SourceError("no readable input", hint=report.warning() or "give log files, a directory, a glob, or '-' for stdin")
        events = pd.concat(frames, ignore_index=True) if len(frames) > 1 else (frames[0] if frames else empty_events())
        range_notes(stats, start, end, report)
        return LoadResult(events=events, report=report, description=self.describe())


def _size(path: str) -> int:
    try:
        return os.stat(path).st_size if path != "-" else 0
    except OSError:
        return 0


def range_notes(stats: list[FileStats], start, end, report: LoadReport) -> None:
    """Say what the range left out, and name files that miss it entirely (clock or zone skew)."""
    if start is None and end is None:
        return
    if any(s.inside for s in stats):
        for s in stats:
            if s.timed and not s.inside:
                report.notes.append(
                    f"{s.path}: none of its {s.timed:,} events fall between {_hm(start)} and {_hm(end)}Z "
                    f"(they span {s.lo:%Y-%m-%d %H:%M} .. {s.hi:%H:%M}Z): clock or time-zone skew? try --tz"
                )
    dropped = sum(s.dropped for s in stats)
    skipped = any(s.skipped for s in stats)
    if not dropped and not skipped:
        return
    los = [s.lo for s in stats if s.lo is not None]
    his = [s.hi for s in stats if s.hi is not None]
    what = f"{dropped:,} events" if not skipped else "events"
    spans = f"; the data spans {span(min(los), max(his))}" if los and his else ""
    report.notes.append(f"{what} outside {_range_text(start, end)} were left out{spans}")


def _hm(t) -> str:
    return "the start" if t is None else f"{pd.Timestamp(t):%H:%M}"


def _range_text(start, end) -> str:
    if start is not None and end is not None:
        return span(start, end)
    if start is not None:
        return f"the time range (from {pd.Timestamp(start):%Y-%m-%d %H:%M}Z)"
    return f"the time range (until {pd.Timestamp(end):%Y-%m-%d %H:%M}Z)"


def span(lo, hi) -> str:
    """`2026-11-26 13:32..14:32Z`, with the second date only when it differs."""
    lo, hi = pd.Timestamp(lo), pd.Timestamp(hi)
    end = f"{hi:%H:%M}" if lo.date() == hi.date() else f"{hi:%Y-%m-%d %H:%M}"
    return f"{lo:%Y-%m-%d %H:%M}..{end}Z"


def from_args(args) -> FileSource:
    files = list(getattr(args, "files", None) or [])
    return FileSource(files or ["-"], content=bool(getattr(args, "content", False)), tz=getattr(args, "tz", None))
