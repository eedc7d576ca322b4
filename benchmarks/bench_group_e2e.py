"""`triage group` end to end on a generated plain-text log: wall time and peak memory.

    python benchmarks/bench_group_e2e.py [--lines 1000000] [--log /tmp/bench_1m.log] [--runs 3]

Generates the log with benchmarks/genlog.py when it does not exist yet, then runs
`python -m triage group LOG` in a fresh process `--runs` times (best and median wall
time, peak RSS of the child), and once in-process with a per-stage breakdown
(read+split, parse, signatures, render). Targets: < 5 s and < 1 GB for 1M lines.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def ensure_log(path: Path, lines: int) -> None:
    if path.exists():
        return
    print(f"generating {lines:,} lines -> {path}", flush=True)
    subprocess.run([sys.executable, str(HERE / "genlog.py"), str(lines), str(path)], check=True)


def run_cli(path: Path) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds (user+sys) and peak RSS (MiB) of one `triage group` child process."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    before, cpu0 = usage.ru_maxrss, usage.ru_utime + usage.ru_stime
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "triage", "group", str(path)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.exit(f"triage group failed: {proc.stderr.decode(errors='replace')}")
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, usage.ru_utime + usage.ru_stime - cpu0, max(usage.ru_maxrss, before) / 1024


def stages(path: Path) -> None:
    from triage.commands.group_output import render_table
    from triage.events import LoadReport
    from triage.parsing.lineshape import parse_lines
    from triage.signatures import add_signatures
    from triage.sources.files import read_lines

    report = LoadReport()
    t0 = time.perf_counter()
    lines = read_lines(str(path), report)
    t1 = time.perf_counter()
    events = parse_lines(lines, source=str(path), report=report)
    t2 = time.perf_counter()
    grouped = add_signatures(events)
    t3 = time.perf_counter()
    render_table(grouped)
    t4 = time.perf_counter()
    print(f"  read+split {t1 - t0:6.2f} s   ({len(lines):,} lines)")
    print(f"  parse      {t2 - t1:6.2f} s   ({len(events):,} events)")
    print(f"  signatures {t3 - t2:6.2f} s   ({grouped['signature'].nunique():,} signatures)")
    print(f"  render     {t4 - t3:6.2f} s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=1_000_000)
    ap.add_argument("--log", type=Path, default=None)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    path = args.log or Path(f"/tmp/bench_group_{args.lines}.log")
    ensure_log(path, args.lines)
    size = os.path.getsize(path) / 2**20
    print(f"log: {path} ({size:.0f} MiB), cpus: {os.cpu_count()}, load: {os.getloadavg()[0]:.1f}")
    results = [run_cli(path) for _ in range(args.runs)]
    walls = [w for w, _, _ in results]
    cpus = [c for _, c, _ in results]
    print(f"triage group end to end: best {min(walls):.2f} s, median {statistics.median(walls):.2f} s over {len(walls)} runs")
    print(f"CPU time (user+sys; steadier on a busy machine): best {min(cpus):.2f} s")
    print(f"peak memory (child RSS): {max(m for _, _, m in results):.0f} MiB")
    print("in-process stages:")
    stages(path)


if __name__ == "__main__":
    main()
