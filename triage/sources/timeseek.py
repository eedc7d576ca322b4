"""Skip to the load window in a time-sorted file instead of parsing all of it.

A few small probes (16 KiB each, parsed like the file itself) tell whether the file
is in time order; when it is, a binary search over byte offsets finds a point a
little before the window start, and reading can stop a little after the window end.
Unsorted, compressed or piped input is read whole (the caller just streams it).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from triage.events import LoadReport
from triage.parsing.linereader import bytes_to_lines
from triage.parsing.lineshape import parse_lines

PROBES = 8
PROBE_BYTES = 16 << 10
SEARCH_BYTES = 1 << 20  # the search stops this close to the target; the rest is parsed and filtered
MIN_SEEK_BYTES = 8 << 20  # smaller files are parsed whole: seeking would not pay
SLACK = pd.Timedelta(minutes=5)
"""Out-of-order tolerance: threads and buffered writers log a little out of sequence."""


@dataclass
class Plan:
    """Where to start reading, whether the file is in time order, and the times at its ends."""

    offset: int = 0
    ordered: bool = False
    stop: int | None = None  # a line start past the window's end (time-ordered files): read no further
    head: pd.Timestamp | None = None
    tail: pd.Timestamp | None = None


def _probe_lines(fh, offset: int, size: int) -> list[str]:
    """The whole lines in the 16 KiB from `offset`."""
    fh.seek(offset)
    data = fh.read(PROBE_BYTES)
    if offset > 0:
        first = data.find(b"\n")
        data = data[first + 1:] if first >= 0 else b""
    if offset + PROBE_BYTES < size:
        data = data[: data.rfind(b"\n") + 1]
    return bytes_to_lines(data) if data.strip() else []


def probe_many(fh, offsets: list[int], tz, size: int) -> list[pd.Series]:
    """Timestamps, in file order, near each offset; one parse for all probes (parsing has a fixed cost)."""
    parts = [_probe_lines(fh, off, size) for off in offsets]
    bounds = np.cumsum([0] + [len(p) for p in parts])
    empty = pd.Series([], dtype="datetime64[ns, UTC]")
    if not bounds[-1]:
        return [empty for _ in parts]
    df = parse_lines([line for p in parts for line in p], tz=tz, report=LoadReport(), first_line=0)
    timed = df[df["timestamp"].notna()]
    where = np.searchsorted(bounds, timed["line"].to_numpy(dtype=np.int64), side="right") - 1
    return [timed["timestamp"][where == k].reset_index(drop=True) for k in range(len(parts))]


def probe_times(fh, offset: int, tz, size: int) -> pd.Series:
    """Timestamps, in file order, of the whole lines in the 16 KiB from `offset`."""
    return probe_many(fh, [offset], tz, size)[0]


def probe_time(fh, offset: int, tz, size: int) -> pd.Timestamp | None:
    """Earliest timestamp near `offset` (None: no readable time there)."""
    ts = probe_times(fh, offset, tz, size)
    return ts.min() if len(ts) else None


def _in_order(ts: pd.Series) -> bool:
    """Lines within a probe go forward in time (a few late writers allowed)."""
    if len(ts) < 2:
        return True
    back = ts.diff().dropna() < -SLACK
    return float(back.mean()) <= 0.01


def plan_read(fh, size: int, start, end, tz) -> Plan:
    """Probe the file; when it is in time order, the offset to start from for `start`."""
    if start is None and end is None:
        return Plan()
    offsets = [int(size * i / PROBES) for i in range(PROBES)] + [max(0, size - PROBE_BYTES)]
    probes = probe_many(fh, offsets, tz, size)  # the last one reads to the end: it gives the tail time
    known = [p.min() for p in probes if len(p)]
    plan = Plan(head=known[0] if known else None, tail=probes[-1].max() if len(probes[-1]) else None)
    if len(known) < 3 or not all(_in_order(p) for p in probes) or any(b < a - SLACK for a, b in zip(known, known[1:])):
        return plan  # not in time order: read everything
    plan.ordered = True
    if start is not None and known[0] < pd.Timestamp(start) - SLACK:
        plan.offset = _search(fh, size, pd.Timestamp(start) - SLACK, tz, known[0], plan.tail)
    after = pd.Timestamp(end) + 2 * SLACK if end is not None else None
    if after is not None and plan.tail is not None and plan.tail > after:
        # Blocks are parsed ahead on threads, so stopping at the first block past the end still read
        # a few more; a bound found by the same search keeps the read to the window.
        t_lo = max(known[0], pd.Timestamp(start)) if start is not None else known[0]
        _, hi = _bracket(fh, size, after, tz, t_lo, plan.tail, plan.offset, early=False)
        plan.stop = line_start(fh, hi) if hi < size else None
    return plan


def _search(fh, size: int, target: pd.Timestamp, tz, head: pd.Timestamp, tail: pd.Timestamp | None) -> int:
    """The start of a line a little before `target` (0 when none is)."""
    return line_start(fh, _bracket(fh, size, target, tz, head, tail)[0])


def _bracket(fh, size: int, target: pd.Timestamp, tz, head: pd.Timestamp, tail: pd.Timestamp | None,
             lo: int = 0, early: bool = True) -> tuple[int, int]:
    """Offsets lo < hi with times before `target` at lo and not before it at hi (hi = size: none found).
    A probe without a time moves hi when `early` (a start: rather too early), else lo (an end: rather too late).

    Log time grows about linearly with the offset, so steps alternate between
    interpolation (few probes on steady logs) and bisection (bounded on bursty ones);
    the search stops within SEARCH_BYTES, which are then parsed and filtered as usual.
    """
    hi = size
    t_lo, t_hi = head, tail
    step, close = 0, max(PROBE_BYTES, min(SEARCH_BYTES, size // 64))
    while hi - lo > close:
        mid = (lo + hi) // 2
        if step % 2 == 0 and t_hi is not None and t_hi > t_lo:
            share = (target - t_lo) / (t_hi - t_lo)
            mid = lo + int((hi - lo) * min(max(share, 1 / 16), 15 / 16))
        step += 1
        t = probe_time(fh, mid, tz, size)
        if t is not None and t < target:
            lo, t_lo = mid, t
        elif t is None and not early:  # no time to go by, looking for an end: stay on the late side
            lo = mid
        else:  # later, or no time to go by (a long stack trace): stay on the early side
            hi, t_hi = mid, (t if t is not None else t_hi)
    return lo, hi


def line_start(fh, offset: int) -> int:
    """The first line boundary at or after `offset`."""
    if offset <= 0:
        return 0
    fh.seek(offset - 1)
    pos = offset - 1
    while True:
        data = fh.read(PROBE_BYTES)
        if not data:
            return pos
        nl = data.find(b"\n")
        if nl >= 0:
            return pos + nl + 1
        pos += len(data)


def count_lines(fh, end: int) -> int:
    """Newlines in the first `end` bytes: the line number where a seek lands."""
    fh.seek(0)
    n, left = 0, end
    while left > 0:
        data = fh.read(min(left, 16 << 20))
        if not data:
            break
        n += data.count(b"\n")
        left -= len(data)
    return n


def past_end(chunk_ts: pd.Series, end, plan: Plan) -> bool:
    """In an ordered file, everything from here on is after the window: stop reading."""
    if not plan.ordered or end is None:
        return False
    ts = chunk_ts.dropna()
    return bool(len(ts)) and ts.min() > pd.Timestamp(end) + SLACK

