"""`triage report` on large generated logs: wall time and peak RSS with streaming and the time seek.

    python benchmarks/bench_large.py [--lines 10000000] [--log /tmp/bench_10m.log] [--window 30m] [--runs 1]
    python benchmarks/bench_large.py --lines 1000000 --log /tmp/bench_1m.log
    python benchmarks/bench_large.py --lines 10000000 --log /tmp/bench_10m.log --cover   # windows over the whole file

Generates the log with benchmarks/genlog.py when missing (never commit it). The deploy is
put in the middle of the log; --window sets --before/--after (default 30m, what an
on-call engineer asks for), --cover sizes them so every line is in the load range
(memory then follows the whole file, since every event is kept). Each run is a fresh
`python -m triage report` process; prints wall seconds and the child's peak RSS.
Targets (issue 14): 10M lines <= 30 s and <= 2 GB peak; 1M lines <= 3 s.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_report import ensure_log, run_child, time_span  # noqa: E402


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--lines", type=int, default=10_000_000)
    p.add_argument("--log", default="/tmp/bench_10m.log")
    p.add_argument("--window", default="30m", help="--before/--after for the report (default 30m)")
    p.add_argument("--cover", action="store_true", help="windows (plus the load margin) cover the whole file")
    p.add_argument("--runs", type=int, default=1)
    a = p.parse_args()
    log = Path(a.log)
    ensure_log(log, a.lines)
    first, last = time_span(log)
    deploy = first + (last - first) / 2
    window = a.window
    if a.cover:
        window = f"{int(((last - first) / 4 + timedelta(minutes=1)).total_seconds() // 60) + 1}m"
    print(f"log {log} ({log.stat().st_size / 1e6:,.0f} MB), {first} .. {last}; deploy {deploy}, windows {window}")
    out = Path(tempfile.gettempdir()) / "bench_large_note.md"
    args = ["report", str(log), "--deploy", deploy.isoformat(), "--before", window, "--after", window,
            "-o", str(out), "--force"]
    walls, peaks = [], []
    for i in range(a.runs):
        wall, peak = run_child(args)
        walls.append(wall)
        peaks.append(peak)
        print(f"  run {i + 1}: {wall:.2f} s wall, peak RSS {peak / 2**20:,.0f} MiB")
    print(f"best {min(walls):.2f} s, peak RSS {max(peaks) / 2**30:.2f} GiB "
          f"(targets: 10M lines <= 30 s and <= 2 GB; 1M lines <= 3 s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
