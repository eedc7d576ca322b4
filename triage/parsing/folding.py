"""Multi-line records (tracebacks, Java stacks, Go panics, Node frames) folded into the event that started them.

Decided per line with vectorised regex matches, then a cumulative sum turns
"this line starts an event" flags into event ids; only folded lines cost Python work.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from triage.events import MAX_RAW_CHARS
from triage.parsing.logtime import EMBEDDED

CONTINUATION = (
    r"^(?:\s+\S"  # indented: Java "\tat", Python "  File", Node "    at", Go "\t/app/x.go:12"
    r"|Traceback \(most recent call last\)"
    r"|Caused by: |Suppressed: |\.\.\. \d+ (?:more|common frames omitted)"
    r"|During handling of the above exception|The above exception was the direct cause"
    r"|goroutine \d+ \[|\[signal |created by |exit status \d+$"
    r"|[}\]],?$)"
)
EXCEPTION_LINE = r"^(?:[A-Za-z_$][\w$]*\.)*[A-Z][\w$]*(?:Error|Exception|Throwable|Exit|Interrupt|Fault|Failure)\b"
GO_FRAME = r"^[\w./*()-]+\(.*\)$"
TIMESTAMPISH = (
    r"^[\[(]?(?:\d{4}[-/.]\d\d[-/.]\d\d|[A-Z][a-z]{2},? +\d{1,2}[ ,]|[A-Z][a-z]{2} [A-Z][a-z]{2} +\d{1,2} "
    r"|\d\d/[A-Z][a-z]{2}/\d{4}|\d{1,2}:\d\d:\d\d|\d{10}\b|\d{6} \d{6}|\d\d/\d\d/\d\d |[\d./-]{4,12}[ T]\d{1,2}:\d\d:\d\d)"
)
"""A line starting like a date is a new record in a layout we did not recognise, never a continuation."""
DATED_COLUMN = r"^(?:[^\s'\"=]+ +){1,4}[\[(]?" + EMBEDDED
"""A full date-time after a few header columns (`10.1.10.51 -  - [23/Dec/2014:21:20:35 +0000]`): a record whose
header we did not read, not a continuation. Quotes or `=` before it (SQL, key=value payload) do not count."""
PANIC_START = r"^(?:panic: |fatal error: |SIGQUIT: |SIGSEGV|SIGABRT: )"


def _mask(arr: pa.Array, pattern: str) -> np.ndarray:
    return np.asarray(pc.match_substring_regex(arr, pattern).to_numpy(zero_copy_only=False), dtype=bool)


def start_flags(lines: pa.Array, header: np.ndarray, *, header_dominated: bool, records: np.ndarray | None = None) -> np.ndarray:
    """True where a line starts an event; every other line continues the previous one.

    `records` marks self-contained lines (JSON objects): nothing folds into them.
    """
    n = len(lines)
    if n == 0:
        return np.zeros(0, dtype=bool)
    panic = _mask(lines, PANIC_START)
    start = header | panic
    if header_dominated:
        cont = ~start & ~_mask(lines, TIMESTAMPISH)
        if cont.any():
            at = np.flatnonzero(cont)
            some = lines.take(pa.array(at))
            dated = _mask(some, DATED_COLUMN) & ~_mask(some, CONTINUATION)
            cont[at[dated]] = False
    else:
        basic = _mask(lines, CONTINUATION) & ~start
        prev_basic = np.concatenate(([False], basic[:-1]))
        next_basic = np.concatenate((basic[1:], [False]))
        exc = _mask(lines, EXCEPTION_LINE) & (prev_basic | next_basic) & ~start
        frames = _mask(lines, GO_FRAME) & next_basic & ~start
        cont = basic | exc | frames
    start = ~cont
    start[0] = True
    if records is not None and records.any():
        owner = np.flatnonzero(start)[np.cumsum(start) - 1]
        start |= records[owner]
    return start


def fold_groups(start: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index of each event's first line, and the number of lines in it."""
    first = np.flatnonzero(start)
    sizes = np.diff(np.append(first, len(start)))
    return first, sizes


def joined(first_texts: list[str], lines: pa.Array, start: np.ndarray, first: np.ndarray, sizes: np.ndarray, multi: np.ndarray) -> list[str]:
    """For multi-line events: first text + "\\n" + following lines, clipped to MAX_RAW_CHARS.

    Only continuation lines are converted to Python strings (they are few next to the rest).
    """
    tails = lines.filter(pa.array(~start)).to_pylist()
    offsets = np.cumsum(sizes[multi] - 1)
    out = []
    begin = 0
    for text, end in zip(first_texts, offsets):
        end = int(end)
        full = "\n".join([text, *tails[begin:end]])
        out.append(full if len(full) <= MAX_RAW_CHARS else full[:MAX_RAW_CHARS])
        begin = end
    return out
