"""How fast does `triage` start? Wall time of `triage --help`, `--version` and `report --help`,
best of N fresh interpreters (target: under 0.3 s), plus plain `python -c pass` for scale.

    python benchmarks/bench_startup.py            # best of 10
    python benchmarks/bench_startup.py --runs 30

Run it from the repository root (it puts the checkout first on PYTHONPATH). The heavy
libraries (pandas, pyarrow, boto3, textual...) must not load for these; tests/unit/test_fast_start.py
keeps that so, this script measures what it buys.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CASES = {
    "python -c pass": ["-c", "pass"],
    "triage --help": ["-m", "triage", "--help"],
    "triage --version": ["-m", "triage", "--version"],
    "triage report --help": ["-m", "triage", "report", "--help"],
    "triage open --help": ["-m", "triage", "open", "--help"],
}


def best_of(argv: list[str], runs: int) -> tuple[float, float]:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, *argv], env=env, stdout=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - start)
    times.sort()
    return times[0], times[len(times) // 2]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10, help="fresh interpreters per command (default 10)")
    args = parser.parse_args()
    print(f"{'command':<24} {'best':>8} {'median':>8}   (of {args.runs} runs, {os.cpu_count()} cores, "
          f"load {os.getloadavg()[0]:.1f})")
    worst = 0.0
    for name, argv in CASES.items():
        best, median = best_of(argv, args.runs)
        print(f"{name:<24} {best:>7.3f}s {median:>7.3f}s")
        if name.startswith("triage"):
            worst = max(worst, best)
    print(f"slowest triage start (best of {args.runs}): {worst:.3f}s; target < 0.300s: {'ok' if worst < 0.3 else 'MISSED'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
