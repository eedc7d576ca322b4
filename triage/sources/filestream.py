"""One local input read block by block, so memory follows the events kept, not the file.

Each block is parsed on its own (header shapes, folding). The last record of a block
is held back and parsed again with the next block, so a stack trace cut by a block
boundary is still folded into its event; the report counts of the held-back lines are
taken out again so nothing is counted twice. Events outside [start, end] are dropped
block by block (untimed ones stay, as they always did).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from triage.events import LoadReport, Progress
from triage.parsing.linereader import BLOCK_BYTES, NotText, bytes_to_lines, iter_blocks, looks_binary, open_stream
from triage.parsing.lineshape import parse_lines
from triage.sources import timeseek


class LooksBinary(NotText):
    """An image, archive or core dump given as a log: skipped and counted as binary."""


MAX_HELD_LINES = 10_000  # a record longer than this is clipped anyway (MAX_RAW_CHARS): do not carry it


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
        if not final:
            cut = data.rfind(b"\n") + 1
            data, self.carry = data[:cut], data[cut:]
        if not data:
            return None
        local = LoadReport()
        lines = bytes_to_lines(data, local)
        df = parse_lines(lines, source=self.source, first_line=self.line, content=self.content, tz=self.tz, report=local)
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
        first = df["line"].iloc[-1]
        k = self.line + n_lines - int(first) if pd.notna(first) else 0
        if k <= 0 or k > MAX_HELD_LINES or k > n_lines:
            return 0
        pos = len(data) - 1  # data ends with a newline here
        for _ in range(k):
            pos = data.rfind(b"\n", 0, pos)  # -1 once the whole piece is the record
        held = data[pos + 1:]
        again = LoadReport()  # what those lines added to the counts; they are counted with the next piece
        parse_lines(bytes_to_lines(held, again), source=self.source, content=self.content, tz=self.tz, report=again)
        for reason, n in again.skipped.items():
            left = local.skipped.get(reason, 0) - n
            if left > 0:
                local.skipped[reason] = left
            else:
                local.skipped.pop(reason, None)
        self.carry = held + self.carry
        return k


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
                hold_partial: bool = False) -> tuple[list[pd.DataFrame], FileStats]:
    """The events of one input within [start, end], block by block.

    `hold_partial`: a last line without its newline is still being written (follow mode):
    leave it for the follower instead of parsing half of it.

    Raises OSError / NotText when the input cannot be opened or is binary (nothing read yet);
    a compressed file that turns corrupt later keeps what was read and says so.
    """
    stream = open_stream(path)
    stats = FileStats(path)
    frames: list[pd.DataFrame] = []
    try:
        records = RecordStream(path, content=content, tz=tz, report=report)
        plan = _plan(stream, start, end, tz, records, min_seek_bytes)
        seeked = plan.offset > 0
        name = "stdin" if path == "-" else path
        blocks = iter_blocks(stream.fh, block_bytes)
        block = _first_block(blocks, path)
        broken = None
        while block is not None:
            progress.check()
            nxt, broken = _next_block(blocks, block_bytes)
            if nxt is not None and len(nxt) < block_bytes // 2:  # a short last block: parsed with this one
                block, (nxt, broken) = block + nxt, _next_block(blocks, block_bytes)
            if nxt is None and hold_partial:
                df = _concat(records.feed(block), records.flush())
            else:
                df = records.feed(block, final=nxt is None)
            if df is not None and len(df):
                if seeked:  # lines before the first timed one belong to a record that started before the seek
                    df, seeked = _from_first_timed(df)
                stop = timeseek.past_end(df["timestamp"], end, plan)
                frames.append(_keep(df, start, end, stats))
                if stop:
                    stats.skipped = True
                    break
            progress.update(done=done_before + stream.position(), total=total,
                            message=f"reading {name}: {records.line - 1:,} lines")
            block = nxt
        stats.skipped = stats.skipped or plan.offset > 0
        stats.read_to, stats.next_line = stream.position() - len(records.carry), records.line
        stats.plain = stream.seekable
        stats.lo = _earliest(stats.lo, plan.head)
        stats.hi = _latest(stats.hi, plan.tail)
        if broken is not None:
            report.partial = True
            report.notes.append(f"{path}: {broken}; kept the {records.line - 1:,} lines before it")
    finally:
        stream.close()
    return frames, stats


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


def _next_block(blocks, block_bytes: int) -> tuple[bytes | None, NotText | None]:
    try:
        return next(blocks, None), None
    except NotText as exc:  # corrupt later on: what came before still counts
        return None, exc


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
