"""Raw lines of plain local files, read back from the file when asked instead of held per event.

An event's `raw` text is shown only in samples (a detail, the note), yet it is the largest
column of a load: about 40% of the bytes of a million events. For an uncompressed file
the reader may leave `raw` empty (null) on single-line events and `remember` where its
blocks began (a line number and a byte offset each: a few per hundred megabytes).
`lookup(source, line)` then reads that one line again and decodes it the way the reader did
(invalid UTF-8 replaced, CR dropped, the same clip), so a sample shows the same text.

Only a file that is still the one that was read is trusted: the same device and inode, not
shorter, not rewritten in place (same size, other mtime), and its first bytes and the bytes
up to the size it had when read are the same (so appends, as in follow mode, are fine).
Otherwise `lookup` returns None and a caller shows the event's message, as for any event
without raw.
"""

from __future__ import annotations

import os
import threading
from bisect import bisect_right, insort
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from triage.events import MAX_RAW_CHARS, STR

STEP = 1 << 20
"""Bytes read at a time while counting lines from an anchor; each read leaves an anchor behind."""
MAX_LINE_BYTES = 4 * MAX_RAW_CHARS + 4
"""A line left without raw is shorter than MAX_RAW_CHARS characters: at most this many bytes."""
MARK = 4096
"""Bytes at the file's start and before the size read that must be unchanged for a read-back."""


@dataclass
class _File:
    path: str  # absolute
    dev: int
    ino: int
    size: int
    mtime_ns: int
    marks: tuple[bytes, bytes] = (b"", b"")  # the first and the last MARK bytes of what was read
    checked: tuple[int, int] | None = None  # (size, mtime) last found trusted: not read again while they hold
    lines: list[int] = field(default_factory=list)  # sorted line numbers of anchors
    offsets: dict[int, int] = field(default_factory=dict)  # line -> byte offset of its first byte

    def add(self, line: int, offset: int) -> None:
        if line not in self.offsets:
            insort(self.lines, line)
        self.offsets[line] = offset

    def trusted(self, fh) -> bool:
        """Still the file that was read: same inode, not shorter, unchanged or only appended to
        (its first bytes and the bytes up to the size read are the ones seen)."""
        st = os.fstat(fh.fileno())
        if (st.st_dev, st.st_ino) != (self.dev, self.ino) or st.st_size < self.size:
            return False
        if st.st_size == self.size and st.st_mtime_ns != self.mtime_ns:
            return False  # rewritten in place
        state = (st.st_size, st.st_mtime_ns)
        if state == self.checked:
            return True
        ok = _marks(fh, self.size) == self.marks
        self.checked = state if ok else None
        return ok


_FILES: dict[str, _File] = {}
_LOCK = threading.Lock()


def _marks(fh, size: int) -> tuple[bytes, bytes]:
    fh.seek(0)
    head = fh.read(min(MARK, size))
    fh.seek(max(0, size - MARK))
    return head, fh.read(min(MARK, size))


def remember(source: str, anchors: list[tuple[int, int]], fh) -> None:
    """Where lines of `source` (the event table's source value) start: (line number, byte offset)
    pairs, in the file open as `fh` (read up to its current size).

    A second load of the same file, unchanged or grown, adds its anchors; another file under
    the name replaces them.
    """
    st = os.fstat(fh.fileno())
    with _LOCK:
        known = _FILES.get(source)
        if known is None or not known.trusted(fh):
            known = _File(os.path.abspath(source), st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)
            _FILES[source] = known
        known.size, known.mtime_ns = st.st_size, st.st_mtime_ns
        known.marks, known.checked = _marks(fh, st.st_size), (st.st_size, st.st_mtime_ns)
        for line, offset in anchors:
            known.add(line, offset)


def without_readable_raw(df: pd.DataFrame) -> pd.DataFrame:
    """`df` with `raw` null where `lookup` gives it back exactly: one whole line, shorter than the
    clip, not starting with a byte-order mark (the line splitter drops one at a piece's start)."""
    if not len(df):
        return df
    raw = pa.array(df["raw"])
    raw = raw.combine_chunks() if isinstance(raw, pa.ChunkedArray) else raw
    readable = pc.fill_null(pc.and_(pc.and_(pc.invert(pc.match_substring(raw, "\n")), pc.less(pc.utf8_length(raw), MAX_RAW_CHARS)),
                                    pc.invert(pc.starts_with(raw, "\ufeff"))), False)
    readable = pc.and_(readable, pa.array(df["line"].notna().to_numpy()))
    n = pc.sum(readable).as_py() or 0
    if not n:
        return df
    out = df.copy(deep=False)  # replace_with_mask copies only the text kept (if_else would keep every byte)
    out["raw"] = pd.Series(pc.replace_with_mask(raw, readable, pa.nulls(n, raw.type)), index=df.index, dtype=STR)
    return out


def forget(source: str | None = None) -> None:
    """Drop what is known of one source (None: of every source)."""
    with _LOCK:
        if source is None:
            _FILES.clear()
        else:
            _FILES.pop(source, None)


def lookup(source: str | None, line: int | None) -> str | None:
    """The raw text of input line `line` of `source` as the reader made it, or None when it cannot
    be read back faithfully (not remembered, the file replaced or shortened, unreadable)."""
    if source is None or line is None:
        return None
    with _LOCK:
        known = _FILES.get(source)
        if known is None:
            return None
        i = bisect_right(known.lines, line) - 1
        if i < 0:
            return None
        at = known.lines[i]
        pos = known.offsets[at]
    try:
        with open(known.path, "rb") as fh:
            if not known.trusted(fh):
                return None
            start = _line_start(fh, known, at, pos, line)
            if start is None:
                return None
            fh.seek(start)
            data = fh.read(MAX_LINE_BYTES)
    except OSError:
        return None
    end = data.find(b"\n")
    if end < 0:
        if len(data) >= MAX_LINE_BYTES:
            return None
        end = len(data)
    return _decoded(data[:end])


def _line_start(fh, known: _File, at: int, pos: int, line: int) -> int | None:
    """Byte offset where `line` starts, counting newlines forward from the anchor (line `at` starts at `pos`)."""
    fh.seek(pos)
    need = line - at  # newlines still to pass
    while need > 0:
        chunk = fh.read(STEP)
        if not chunk:
            return None
        ends = np.flatnonzero(np.frombuffer(chunk, dtype=np.uint8) == 10)
        if len(ends) >= need:
            return pos + int(ends[need - 1]) + 1
        need -= len(ends)
        pos += len(chunk)
        if chunk.endswith(b"\n"):  # a line starts here: the next lookup nearby starts from it
            with _LOCK:
                known.add(line - need, pos)
    return pos


def _decoded(data: bytes) -> str | None:
    from triage.parsing.linereader import bytes_to_lines, to_line_array

    arr = to_line_array(bytes_to_lines(data + b"\n"))
    if len(arr) != 1:
        return None
    text = arr[0].as_py()
    return text if isinstance(text, str) and len(text) < MAX_RAW_CHARS else None
