"""`triage gate` end to end on 1M generated lines: wall time and peak memory in fresh processes.

    python benchmarks/bench_gate.py [--lines 1000000] [--log /tmp/bench_1m.log] [--runs 3]

Same log and windows as bench_report.py (deploy in the middle, windows plus load margin
cover every line), JSON, JUnit XML and the Markdown note written. The gate's verdict on
genlog data does not matter here (exit 0 or 3 are both a finished run). Target: < 5 s.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_report import ensure_log, time_span  # noqa: E402


def run_child(args: list[str]) -> tuple[float, int, int]:
    cmd = [sys.executable, "-c",
           "import resource,sys; from triage.cli import main; rc=main(sys.argv[1:]); "
           "sys.stderr.write(f'@@ {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}\\n'); sys.exit(rc)", *args]
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if proc.returncode not in (0, 3):
        raise SystemExit(f"gate failed to run ({proc.returncode}): {proc.stderr[-2000:]}")
    rss_kb = int(next(line for line in proc.stderr.splitlines() if line.startswith("@@")).split()[1])
    return wall, rss_kb * 1024, proc.returncode


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--lines", type=int, default=1_000_000)
    p.add_argument("--log", default="/tmp/bench_1m.log")
    p.add_argument("--runs", type=int, default=3)
    a = p.parse_args()
    log = Path(a.log)
    ensure_log(log, a.lines)
    first, last = time_span(log)
    deploy = first + (last - first) / 2
    window = (last - first) / 4 + timedelta(minutes=1)
    minutes = int(window.total_seconds() // 60) + 1
    out = Path(tempfile.mkdtemp(prefix="bench_gate_"))
    print(f"log {log} ({log.stat().st_size / 1e6:.0f} MB), deploy {deploy}, windows {minutes}m")
    args = ["gate", str(log), "--deploy", deploy.isoformat(), "--before", f"{minutes}m", "--after", f"{minutes}m",
            "--json", str(out / "gate.json"), "--junit", str(out / "gate.xml"), "--note", str(out / "gate.md"), "--force"]
    walls, peaks = [], []
    for i in range(a.runs):
        wall, peak, rc = run_child(args)
        walls.append(wall)
        peaks.append(peak)
        print(f"  run {i + 1}: {wall:.2f} s wall, peak RSS {peak / 2**20:,.0f} MiB, exit {rc}")
    print(f"triage gate end to end: best {min(walls):.2f} s, median {statistics.median(walls):.2f} s (target < 5 s); "
          f"peak RSS {max(peaks) / 2**30:.2f} GiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
