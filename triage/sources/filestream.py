"""One local input read block by block, so memory follows the events kept, not the file.

Each block is parsed on its own (header shapes, folding). The last record of a block
is held back and parsed again with the next block, so a stack trace cut by a block
boundary is still folded into its event; the report counts of the held-back lines are
taken out again so nothing is counted twice. Events outside [start, end] are dropped
block by block (untimed ones stay, as they always did).

A file read to its end (not followed) is parsed on a few threads, blocks in flight ahead of
the one being emitted: most of the parsing runs in Arrow and pandas, which release the
GIL. A block is parsed as if its first line began a record; when it did not (a trace cut
by the boundary), the previous block's last record and this block are parsed again
together, so the events are the same as in order.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Generator, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

import pandas as pd

from triage import rawtext
from triage.events import LoadReport, Progress
from triage.parsing.linereader import BLOCK_BYTES, NotText, bytes_to_lines, iter_blocks, looks_binary, open_stream
from triage.parsing.lineshape import UNTIMED, parse_lines
from triage.signatures import KEY_COLUMN, mask_keys
from triage.sources import timeseek


class LooksBinary(NotText):
    """An image, archive or core dump given as a log: skipped and counted as binary."""


MAX_HELD_LINES = 10_000  # a record longer than this is clipped anyway (MAX_RAW_CHARS): do not carry it
PARSE_THREADS = min(4, os.cpu_count() or 1)


@dataclass
class FileStats:
    """What one file held relative to the load range, for the skew and left-out notes."""

    path: str
    timed: int = 0
    inside: int = 0
    dropped: int = 0
    lo: pd.Timestamp | None = None
    hi: pd.Timestamp | None = None
    skipped: bool = False  # parts of the file were never read (seek / early stop)
    read_to: int = 0  # byte offset after the last record parsed (where a follower goes on)
    next_line: int = 1  # line number at `read_to`
    plain: bool = False  # an uncompressed file: `read_to` is a byte offset a follower can seek to

    def see(self, ts: pd.Series) -> None:
        ts = ts.dropna()
        if not len(ts):
            return
        self.timed += len(ts)
        lo, hi = ts.min(), ts.max()
        self.lo = lo if self.lo is None else min(self.lo, lo)
        self.hi = hi if self.hi is None else max(self.hi, hi)


@dataclass
class RecordStream:
    """Bytes in arbitrary pieces -> event frames; a record is emitted once it is known to be complete."""

    source: str
    content: bool = False
    tz: object = None
    report: LoadReport = field(default_factory=LoadReport)
    line: int = 1  # input line number of the first byte in `carry`
    carry: bytes = b""
    consumed: int = 0  # bytes parsed into emitted events (the carry not included)
    lazy_raw: bool = False  # single-line events leave `raw` null; rawtext reads it back (plain files)
    anchors: list[tuple[int, int]] = field(default_factory=list)  # (line, byte offset from the read's start)

    def flush(self) -> pd.DataFrame | None:
        """Parse every complete line held back (the input has paused); a partial last line stays."""
        cut = self.carry.rfind(b"\n") + 1
        if not cut:
            return None
        data, rest = self.carry[:cut], self.carry[cut:]
        self.carry = b""
        df = self.feed(data, final=True)
        self.carry = rest
        return df

    def feed(self, data: bytes, final: bool = False) -> pd.DataFrame | None:
        """Parse what is complete in carry + data; with `final`, everything (end of input)."""
        data = self.carry + data if self.carry else data
        self.carry = b""
        try:
            return self._parse(data, final)
        finally:
            self.consumed += len(data) - len(self.carry)

    def _parse(self, data: bytes, final: bool) -> pd.DataFrame | None:
        if not final:
            cut = data.rfind(b"\n") + 1
            data, self.carry = data[:cut], data[cut:]
        if not data:
            return None
        local = LoadReport()
        lines = bytes_to_lines(data, local)
        df = parse_lines(lines, source=self.source, first_line=self.line, content=self.content, tz=self.tz, report=local)
        if self.lazy_raw:
            self.anchors.append((self.line, self.consumed))
            df = rawtext.without_readable_raw(df)
        consumed = len(lines)
        if not final and not self.content and len(df):
            held = self._hold_back(data, df, len(lines), local)
            if held:
                df = df.iloc[:-1].reset_index(drop=True)
                consumed -= held
        self.line += consumed
        _merge(self.report, local)
        return df

    def _hold_back(self, data: bytes, df: pd.DataFrame, n_lines: int, local: LoadReport) -> int:
        """Keep the last record's bytes for the next piece; returns its line count (0: not held)."""
        tail = _last_record(data, df, n_lines, self.line)
        if tail is None:
            return 0
        held, k = tail
        _take_back(local, held, self, untimed=bool(pd.isna(df["timestamp"].iloc[-1])))  # counted with the next piece
        self.carry = held + self.carry
        return k


def _last_record(data: bytes, df: pd.DataFrame, n_lines: int, first_line: int) -> tuple[bytes, int] | None:
    """The bytes and line count of df's last record in `data` (which ends with a newline); None: not held."""
    first = df["line"].iloc[-1]
    k = first_line + n_lines - int(first) if pd.notna(first) else 0
    if k <= 0 or k > MAX_HELD_LINES or k > n_lines:
        return None
    pos = len(data) - 1
    for _ in range(k):
        pos = data.rfind(b"\n", 0, pos)  # -1 once the whole piece is the record
    return data[pos + 1:], k


def _merge(report: LoadReport, other: LoadReport) -> None:
    """Like LoadReport.merge, but a note repeated by every block is said once."""
    for reason, n in other.skipped.items():
        report.skip(reason, n)
    for note in other.notes:
        if note not in report.notes:
            report.notes.append(note)
    report.partial = report.partial or other.partial


def _keep(df: pd.DataFrame, start, end, stats: FileStats) -> pd.DataFrame:
    ts = df["timestamp"]
    stats.see(ts)
    inside = pd.Series(True, index=df.index)
    if start is not None:
        inside &= ts >= pd.Timestamp(start)
    if end is not None:
        inside &= ts <= pd.Timestamp(end)
    inside = inside.fillna(False).to_numpy(dtype=bool)
    stats.inside += int(inside.sum())
    keep = inside | ts.isna().to_numpy()
    dropped = len(df) - int(keep.sum())
    stats.dropped += dropped
    return df[keep].reset_index(drop=True) if dropped else df


def stream_file(path: str, *, start=None, end=None, content=False, tz=None, report: LoadReport,
                progress: Progress, done_before: int = 0, total: int | None = None,
                block_bytes: int = BLOCK_BYTES, min_seek_bytes: int = timeseek.MIN_SEEK_BYTES,
                hold_partial: bool = False, lazy_raw: bool = False) -> tuple[list[pd.DataFrame], FileStats]:
    """The events of one input within [start, end], block by block.

    `hold_partial`: a last line without its newline is still being written (follow mode):
    leave it for the follower instead of parsing half of it.
    `lazy_raw`: for a plain file, single-line events keep no `raw` text; triage.rawtext reads
    it back from the file when a sample shows it (the largest column of a load, not held).

    Raises OSError / NotText when the input cannot be opened or is binary (nothing read yet);
    a compressed file that turns corrupt later keeps what was read and says so.
    """
    stream = open_stream(path)
    stats = FileStats(path)
    frames: list[pd.DataFrame] = []
    try:
        records = RecordStream(path, content=content, tz=tz, report=report,
                               lazy_raw=lazy_raw and stream.seekable)
        plan = _plan(stream, start, end, tz, records, min_seek_bytes)
        seeked = plan.offset > 0
        name = "stdin" if path == "-" else path
        source = _Upto(stream.fh, plan.stop - plan.offset) if plan.stop is not None else stream.fh
        blocks = _Blocks(iter_blocks(source, block_bytes), block_bytes, path)
        parsed = _in_order(blocks, records, hold_partial) if hold_partial or PARSE_THREADS < 2 \
            else _on_threads(blocks, records)
        for df in parsed:
            progress.check()
            if len(df):
                if seeked:  # lines before the first timed one belong to a record that started before the seek
                    df, seeked = _from_first_timed(df)
                stop = timeseek.past_end(df["timestamp"], end, plan)
                frames.append(_keep(df, start, end, stats))
                if stop:
                    stats.skipped = True
                    break
            progress.update(done=done_before + stream.position(), total=total,
                            message=f"reading {name}: {records.line - 1:,} lines")
        parsed.close()  # a stop before the end: the threads in flight are cancelled
        broken = blocks.broken
        stats.skipped = stats.skipped or plan.offset > 0 or plan.stop is not None
        stats.read_to = plan.offset + records.consumed
        stats.next_line = records.line
        stats.plain = stream.seekable
        if records.lazy_raw:
            rawtext.remember(path, [(line, plan.offset + at) for line, at in records.anchors], stream.raw)
        stats.lo = _earliest(stats.lo, plan.head)
        stats.hi = _latest(stats.hi, plan.tail)
        if broken is not None:
            report.partial = True
            report.notes.append(f"{path}: {broken}; kept the {records.line - 1:,} lines before it")
    finally:
        stream.close()
    return frames, stats


class _Upto:
    """The file read to `left` more bytes only (a line start past the window's end: timeseek.Plan.stop)."""

    def __init__(self, fh, left: int) -> None:
        self.fh, self.left = fh, left
        self._read = getattr(fh, "read1", fh.read)

    def read1(self, n: int = -1) -> bytes:
        if self.left <= 0:
            return b""
        data = self._read(self.left if n < 0 else min(n, self.left))
        self.left -= len(data)
        return data

    read = read1


class _Blocks:
    """The input's blocks with a flag for the last one; a short last block is joined to the one before.

    A compressed file that turns corrupt ends the blocks; `broken` says why.
    """

    def __init__(self, blocks: Iterator[bytes], block_bytes: int, path: str) -> None:
        self.blocks, self.block_bytes, self.path = blocks, block_bytes, path
        self.broken: NotText | None = None

    def _next(self) -> bytes | None:
        if self.broken is not None:
            return None
        try:
            return next(self.blocks, None)
        except NotText as exc:  # corrupt later on: what came before still counts
            self.broken = exc
            return None

    def __iter__(self) -> Iterator[tuple[bytes, bool]]:
        block = _first_block(self.blocks, self.path)
        while block is not None:
            nxt = self._next()
            if nxt is not None and len(nxt) < self.block_bytes // 2:  # a short last block: parsed with this one
                block, nxt = block + nxt, self._next()
            yield block, nxt is None
            block = nxt


def _in_order(blocks: _Blocks, records: RecordStream, hold_partial: bool) -> Generator[pd.DataFrame, None, None]:
    for block, last in blocks:
        if last and hold_partial:
            df = _concat(records.feed(block), records.flush())
        else:
            df = records.feed(block, final=last)
        if df is not None:
            yield df


@dataclass
class _Parsed:
    """One block parsed as if it began a record; line numbers count from 0 in the block."""

    data: bytes
    df: pd.DataFrame
    lines: int
    report: LoadReport


def _parse_block(data: bytes, records: RecordStream) -> _Parsed:
    local = LoadReport()
    lines = bytes_to_lines(data, local)
    df = parse_lines(lines, source=records.source, first_line=0, content=records.content, tz=records.tz, report=local)
    df[KEY_COLUMN] = mask_keys(df["message"])  # the signature pass's regex, here while the other core parses
    if records.lazy_raw:
        df = rawtext.without_readable_raw(df)
    return _Parsed(data, df, len(lines), local)


def _on_threads(blocks: _Blocks, records: RecordStream) -> Generator[pd.DataFrame, None, None]:
    """Like _in_order, the blocks parsed ahead on PARSE_THREADS threads; emitted in order."""
    pool = ThreadPoolExecutor(max_workers=PARSE_THREADS, thread_name_prefix="triage-parse")
    ahead: deque[tuple[Future[_Parsed], bool]] = deque()
    feed = iter(blocks)
    held: _Parsed | None = None  # the previous block's last record, not emitted yet
    try:
        while True:
            while len(ahead) <= PARSE_THREADS:
                got = next(feed, None)
                if got is None:
                    break
                ahead.append((pool.submit(_parse_block, got[0], records), got[1]))
            if not ahead:
                break
            future, last = ahead.popleft()
            cur = future.result()
            if held is not None:
                if _starts_a_record(cur.df, records.content):
                    yield _emit(held, records)
                else:  # a record cut by the boundary: parsed again whole (its counts left its block in _split_last)
                    cur = _parse_block(held.data + cur.data, records)
                held = None
            out, held = _split_last(cur, records, last)
            yield _emit(out, records)
        if held is not None:
            yield _emit(held, records)
    finally:
        for future, _ in ahead:
            future.cancel()
        pool.shutdown(wait=True, cancel_futures=True)


def _starts_a_record(df: pd.DataFrame, content: bool) -> bool:
    """The block's first event began at a record start: a timed header (or every line is a record)."""
    return content or not len(df) or bool(pd.notna(df["timestamp"].iloc[0]))


def _split_last(cur: _Parsed, records: RecordStream, last: bool) -> tuple[_Parsed, _Parsed | None]:
    """cur without its last record, and that record (held for the next block); not at the end."""
    if last or records.content or not len(cur.df):
        return cur, None
    tail = _last_record(cur.data, cur.df, cur.lines, 0)
    if tail is None:
        return cur, None
    data, k = tail
    held_df = cur.df.iloc[-1:].reset_index(drop=True)
    held_df["line"] = 0  # counted from the held record's first line
    counts = _take_back(cur.report, data, records, untimed=bool(pd.isna(held_df["timestamp"].iloc[0])))
    head = _Parsed(cur.data[:len(cur.data) - len(data)], cur.df.iloc[:-1].reset_index(drop=True), cur.lines - k, cur.report)
    return head, _Parsed(data, held_df, k, counts)


def _take_back(report: LoadReport, held: bytes, records: RecordStream, untimed: bool) -> LoadReport:
    """Take the held lines' counts out of `report`; returned, to be counted if the record is emitted as it is."""
    if not report.skipped:  # nothing was counted as skipped: nothing to take back (and no parse to find out)
        return LoadReport()
    again = LoadReport()
    parse_lines(bytes_to_lines(held, again), source=records.source, first_line=0, tz=records.tz, report=again)
    counts = LoadReport()
    moved = dict(again.skipped)
    if untimed and report.skipped.get(UNTIMED):  # one untimed event is a note in `again`, a count in the block
        moved[UNTIMED] = moved.get(UNTIMED, 0) + 1
    for reason, n in moved.items():
        n = min(n, report.skipped.get(reason, 0))
        if n <= 0:
            continue
        counts.skip(reason, n)
        left = report.skipped[reason] - n
        if left > 0:
            report.skipped[reason] = left
        else:
            report.skipped.pop(reason)
    return counts


def _emit(part: _Parsed, records: RecordStream) -> pd.DataFrame:
    """The part's events with input line numbers; the stream's counts and position move on."""
    df = part.df
    if len(df):
        df = df.copy(deep=False)
        df["line"] = df["line"] + records.line
    if records.lazy_raw:
        records.anchors.append((records.line, records.consumed))
    records.line += part.lines
    records.consumed += len(part.data)
    _merge(records.report, part.report)
    return df


def _plan(stream, start, end, tz, records: RecordStream, min_seek_bytes: int) -> timeseek.Plan:
    if not stream.seekable or stream.size is None or stream.size < min_seek_bytes:
        return timeseek.Plan()
    plan = timeseek.plan_read(stream.fh, stream.size, start, end, tz)
    if plan.offset > 0:
        records.line = timeseek.count_lines(stream.fh, plan.offset) + 1
    stream.fh.seek(plan.offset)
    return plan


def _concat(a: pd.DataFrame | None, b: pd.DataFrame | None) -> pd.DataFrame | None:
    parts = [f for f in (a, b) if f is not None and len(f)]
    return pd.concat(parts, ignore_index=True) if len(parts) > 1 else (parts[0] if parts else None)


def _first_block(blocks, path: str) -> bytes | None:
    block = next(blocks, None)
    if block is None:
        return None
    if looks_binary(block[:8192]):
        raise LooksBinary(f"{path} looks binary, skipped")
    return block


def _from_first_timed(df: pd.DataFrame) -> tuple[pd.DataFrame, bool]:
    timed = df["timestamp"].notna().to_numpy()
    if not timed.any():
        return df.iloc[0:0], True
    first = int(timed.argmax())
    return (df.iloc[first:].reset_index(drop=True) if first else df), False


def _earliest(a, b):
    return b if a is None else a if b is None else min(a, b)


def _latest(a, b):
    return b if a is None else a if b is None else max(a, b)
