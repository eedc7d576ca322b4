"""Generated log files with what a reader has to repair, for the file reader's tests."""

import random
from datetime import datetime, timedelta, timezone

from triage.events import MAX_RAW_CHARS

T0 = datetime(2026, 11, 26, 10, 0, tzinfo=timezone.utc)
TRACE = [
    "Traceback (most recent call last):",
    '  File "/srv/app/pay.py", line 41, in charge',
    "    raise ConnectionError('refused')",
    "ConnectionError: 10.0.0.{n}:5432 refused",
]


def odd_log(seed: int, n: int = 3000, *, hostile: bool = False) -> bytes:
    """Timed events one second apart from T0, with tracebacks, blank lines, CRLF endings and invalid
    UTF-8 mixed in. `hostile` adds a BOM before the first line, ANSI colours and markup, a line with
    a BOM at its start further in, and a line over the clip (the rest stays the same kinds)."""
    r = random.Random(seed)
    out = []
    for i in range(n):
        stamp = (T0 + timedelta(seconds=i)).strftime("%Y-%m-%d %H:%M:%S,000")
        kind = r.random()
        if kind < 0.15:
            out.append(f"{stamp} ERROR pay charge failed {r.randrange(10**5)}".encode())
            out += [x.format(n=i % 50).encode() for x in TRACE]
        elif kind < 0.2:
            out.append(b"")
        elif kind < 0.25:
            out.append(f"{stamp} WARN api slow \xff {i}".encode("latin-1"))
        elif kind < 0.3:
            out.append(f"{stamp} INFO api done {i}\r".encode())
        elif hostile and kind < 0.35:
            out.append(f"{stamp} ERROR \x1b[31mred[/] [bold]{i}[/bold]\x1b[0m".encode())
        elif hostile and kind < 0.36:
            out.append(f"\ufeff{stamp} INFO a mark mid-file {i}".encode())
        elif hostile and kind < 0.365:
            out.append(f"{stamp} INFO huge {'x' * (MAX_RAW_CHARS + 10)}".encode())
        else:
            out.append(f"{stamp} INFO api GET /orders/{r.randrange(10**6)} 200".encode())
    data = b"\n".join(out) + b"\n"
    return b"\xef\xbb\xbf" + data if hostile else data
