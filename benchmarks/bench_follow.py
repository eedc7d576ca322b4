"""Follow mode under a steady writer: how fast a new line reaches the counts, and key latency meanwhile.

    python benchmarks/bench_follow.py [--base 200000] [--rate 2000] [--seconds 20] [--engine-only]

Writes a base log with benchmarks/genlog.py (into the temp dir; never commit it), opens it
the way `triage open FILE --follow` does (same loader), and starts a writer thread that
appends lines at --rate lines/s in 10 ms batches, plus one canary line
("canary tripped id=N") per second. It measures
- canary latency: from the write until the app's analysis counts that canary
  (the signature's after count reaches N);
- key latency: a cursor key (down/up) every 0.4 s until the detail pane shows the new row.
--engine-only skips the UI: LiveIncident.step() + analyze() in a loop (the engine's share).
Targets (issue 14): canary <= 1 s; key <= 100 ms at 2k lines/s.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
os.environ.setdefault("TRIAGE_STATE_DIR", tempfile.mkdtemp(prefix="triage-bench-"))


def last_time(path: Path):
    import pandas as pd

    from triage.parsing.lineshape import parse_lines

    with open(path, "rb") as fh:
        fh.seek(max(0, path.stat().st_size - 100_000))
        tail = fh.read().decode("utf-8", "replace").splitlines()[1:]
    return pd.Timestamp(parse_lines(tail)["timestamp"].dropna().max())


class Writer(threading.Thread):
    """Appends `rate` lines/s (10 ms batches) after the log's last time; one canary per second."""

    def __init__(self, path: Path, start, rate: int):
        super().__init__(daemon=True)
        self.path, self.t, self.rate = path, start, rate
        self.stop = threading.Event()
        self.canaries: list[float] = []  # write time of canary i (id i+1)
        self.lines = 0

    def line(self, text: str) -> str:
        self.t += timedelta(milliseconds=1)
        return f"{self.t.isoformat(timespec='milliseconds').replace('+00:00', 'Z')} {text}\n"

    def run(self) -> None:
        per_batch = max(1, self.rate // 100)
        begun = time.perf_counter()
        next_canary = begun + 1.0
        with open(self.path, "a", encoding="utf-8") as out:
            batch = 0
            while not self.stop.is_set():
                rows = [self.line(f"INFO [api] GET /api/v1/orders/{self.lines + i} 200 {i % 900}ms") for i in range(per_batch)]
                now = time.perf_counter()
                canary = now >= next_canary
                if canary:
                    rows.append(self.line(f"ERROR [pay] canary tripped id={len(self.canaries) + 1}"))
                out.write("".join(rows))
                out.flush()
                if canary:
                    self.canaries.append(time.perf_counter())
                    next_canary += 1.0
                self.lines += len(rows)
                batch += 1
                delay = begun + batch * 0.01 - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)


def canary_count(analysis) -> int:
    sigs = analysis.signatures
    hit = sigs[sigs["template"].astype(str).str.startswith("canary tripped")]
    return int(hit["after"].sum()) if len(hit) else 0


def make_loader(log: Path, deploy):
    from triage.cli import build_parser
    from triage.commands.open import _tz, build_loader

    args = build_parser().parse_args(["open", str(log), "--deploy", deploy.isoformat(), "--follow"])
    return build_loader(args, _tz(args))


def engine_only(log: Path, deploy, rate: int, seconds: float) -> None:
    from triage.analysis import analyze
    from triage.events import Progress

    incident = make_loader(log, deploy)(Progress())
    live = incident.live
    writer = Writer(log, last_time(log), rate)
    writer.start()
    latencies, seen, steps = [], 0, []
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        time.sleep(live.interval)
        t = time.perf_counter()
        grown = live.step()
        if grown is None:
            continue
        n = canary_count(analyze(grown))
        steps.append(time.perf_counter() - t)
        now = time.perf_counter()
        for i in range(seen, min(n, len(writer.canaries))):
            latencies.append(now - writer.canaries[i])
        seen = max(seen, n)
    writer.stop.set()
    report("engine: step+analyze", steps, latencies, [], writer, len(grown.events) if grown is not None else 0)


async def with_app(log: Path, deploy, rate: int, seconds: float) -> None:
    from triage.app import make_app

    app = make_app(make_loader(log, deploy))
    keys, latencies = [], []
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_until(lambda: app.analyzer.analysis is not None and app.analyzer.selected is not None, 300)
        await pilot.pause(0.5)
        writer = Writer(log, last_time(log), rate)
        writer.start()
        seen = 0
        end = time.perf_counter() + seconds
        direction = "down"
        next_key = time.perf_counter() + 0.4
        while time.perf_counter() < end:
            await asyncio.sleep(0.005)
            if app.analyzer.analysis is not None:
                n = canary_count(app.analyzer.analysis)
                now = time.perf_counter()
                for i in range(seen, min(n, len(writer.canaries))):
                    latencies.append(now - writer.canaries[i])
                seen = max(seen, n)
            if time.perf_counter() >= next_key:
                before = app.analyzer.selected
                t = time.perf_counter()
                app.simulate_key(direction)
                try:
                    await wait_until(lambda: app.analyzer.selected != before and app.analyzer.detail_shown == app.analyzer.selected, 10)
                    keys.append(time.perf_counter() - t)
                except TimeoutError:
                    direction = "up" if direction == "down" else "down"  # at the end of the table
                next_key = time.perf_counter() + 0.4
        writer.stop.set()
        report("app", [], latencies, keys, writer, len(app.analyzer.incident.events))


async def wait_until(condition, timeout: float) -> None:
    start = time.perf_counter()
    while not condition():
        if time.perf_counter() - start > timeout:
            raise TimeoutError("the app did not respond")
        await asyncio.sleep(0.001)


def report(label: str, steps, latencies, keys, writer: Writer, events: int) -> None:
    def stats(values):
        ms = sorted(v * 1000 for v in values)
        if not ms:
            return "n=0"
        p95 = ms[min(len(ms) - 1, int(0.95 * len(ms)))]
        return f"median {statistics.median(ms):6.0f} ms  p95 {p95:6.0f} ms  max {ms[-1]:6.0f} ms  (n={len(ms)})"

    print(f"{label}: wrote {writer.lines:,} lines, {len(writer.canaries)} canaries; incident now {events:,} events")
    if steps:
        print(f"  step + analyze            {stats(steps)}")
    print(f"  canary -> in the counts   {stats(latencies)}   (target <= 1000 ms)")
    if keys:
        print(f"  key -> detail redrawn     {stats(keys)}   (target <= 100 ms)")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--base", type=int, default=200_000, help="lines in the log before following starts")
    p.add_argument("--rate", type=int, default=2000, help="lines per second appended")
    p.add_argument("--seconds", type=float, default=20)
    p.add_argument("--engine-only", action="store_true")
    a = p.parse_args()
    log = Path(tempfile.mkdtemp(prefix="triage-follow-")) / "live.log"
    subprocess.run([sys.executable, str(HERE / "genlog.py"), str(a.base), str(log)], check=True)
    deploy = last_time(log) - timedelta(minutes=20)
    print(f"base log {log} ({a.base:,} lines), deploy {deploy}, writer {a.rate:,} lines/s for {a.seconds:.0f} s")
    if a.engine_only:
        engine_only(log, deploy, a.rate, a.seconds)
    else:
        asyncio.run(with_app(log, deploy, a.rate, a.seconds))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
