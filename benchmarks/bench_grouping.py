"""Grouping throughput: triage.signatures.group_messages vs Drain3, same lines.

    python benchmarks/bench_grouping.py [--lines 1000000] [--mode both|raw|messages]
                                                  [--input FILE] [--repeat 2]

Generates N lines with benchmarks/genlog.py (seed 7) unless --input is given:
`raw` full lines with headers (what a file gives), `messages` the same
events without headers (how Drain3 is usually fed; un-masked timestamps and
pids at the start of a line defeat Drain3's prefix tree and make it far slower).
Each engine runs in its own subprocess (so peak RSS is per engine):
- triage: `group_messages` on the lines as a pyarrow string array (the event
  table's storage), best of --repeat runs;
- Drain3 0.9.11 in its default configuration (`TemplateMiner()`, no config),
  `add_log_message` on every line, one run.
Prints lines/s for both, the ratio, signature counts, and the peak RSS while
the engine runs (VmHWM reset after loading the input; "input held" is the RSS
before the engine starts: the lines as Python strings, plus the arrow array for triage).
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))


def _read(path: str) -> list[str]:
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read().splitlines()


def _reset_peak() -> bool:
    """Reset the kernel's peak-RSS mark (Linux >= 4.0) so the peak covers the engine alone."""
    gc.collect()
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def _peak_mb() -> float:
    """Peak RSS since the last reset (VmHWM), else since process start."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _rss_mb() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def run_triage(path: str, repeat: int) -> dict:
    import pyarrow as pa

    from triage.signatures import group_messages

    arr = pa.array(_read(path), pa.large_string())
    _reset_peak()
    before = _rss_mb()
    best = float("inf")
    groups = 0
    for _ in range(repeat):
        t0 = time.perf_counter()
        g = group_messages(arr)
        best = min(best, time.perf_counter() - t0)
        groups = len(g.templates)
    return {"lines": len(arr), "seconds": best, "groups": groups, "peak_mb": _peak_mb(), "input_mb": before}


def run_drain3(path: str) -> dict:
    from drain3 import TemplateMiner

    lines = _read(path)
    _reset_peak()
    before = _rss_mb()
    miner = TemplateMiner()
    t0 = time.perf_counter()
    for line in lines:
        miner.add_log_message(line)
    dt = time.perf_counter() - t0
    return {"lines": len(lines), "seconds": dt, "groups": len(miner.drain.clusters), "peak_mb": _peak_mb(), "input_mb": before}


def _child(engine: str, path: str, repeat: int) -> dict:
    cmd = [sys.executable, __file__, "--child", engine, "--input", path, "--repeat", str(repeat)]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def compare(path: str, label: str, repeat: int) -> None:
    ours = _child("triage", path, repeat)
    theirs = _child("drain3", path, 1)
    print(f"\n{ours['lines']:,} lines ({label})")
    print(f"{'engine':<8} {'lines/s':>12} {'seconds':>8} {'groups':>7} {'peak RSS':>9} {'input held':>10}")
    for name, r in (("triage", ours), ("drain3", theirs)):
        rate = r["lines"] / r["seconds"]
        print(f"{name:<8} {rate:12,.0f} {r['seconds']:8.2f} {r['groups']:7d} {r['peak_mb']:7.0f}MB {r['input_mb']:8.0f}MB")
    print(f"ratio triage/drain3: {theirs['seconds'] / ours['seconds']:.1f}x", flush=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=1_000_000)
    ap.add_argument("--mode", choices=["both", "raw", "messages"], default="both")
    ap.add_argument("--input", help="use this log file instead of generating one")
    ap.add_argument("--repeat", type=int, default=2, help="best of N runs for triage")
    ap.add_argument("--child", choices=["triage", "drain3"], help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.child:
        res = run_triage(a.input, a.repeat) if a.child == "triage" else run_drain3(a.input)
        print(json.dumps(res))
        return 0
    if a.input:
        compare(a.input, a.input, a.repeat)
        return 0
    import genlog

    with tempfile.TemporaryDirectory() as tmp:
        modes = ["messages", "raw"] if a.mode == "both" else [a.mode]
        for mode in modes:
            path = str(Path(tmp) / f"{mode}.log")
            genlog.main([str(a.lines), path] + (["--no-header"] if mode == "messages" else []))
            compare(path, f"{mode}: generated by genlog.py, seed 7", a.repeat)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
