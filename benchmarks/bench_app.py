"""App responsiveness: first screen of the demo, and cursor/filter/window latency with 1M events.

    python benchmarks/bench_app.py [--events 1000000] [--signatures 1000]

Runs the real app headless (App.run_test) and times from the key press until the screen
shows the result. Numbers are noisy on a shared machine; run it on a quiet one.
"""

from __future__ import annotations

import time

T_PROCESS = time.perf_counter()

import argparse  # noqa: E402
import asyncio  # noqa: E402
import os  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
from datetime import timedelta  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

os.environ["TRIAGE_STATE_DIR"] = tempfile.mkdtemp(prefix="triage-bench-")

LEVELS = np.array(["info", "warn", "error", "debug"], dtype=object)


def big_incident(n: int, n_sigs: int, seed: int = 7):
    """n events over 2 hours across n_sigs signatures; some appear or vanish at the deploy."""
    from triage.demo import DEMO_DEPLOY, demo_incident
    from triage.events import STR
    from triage.pipeline import Incident

    rng = np.random.default_rng(seed)
    weights = 1 / np.arange(1, n_sigs + 1) ** 1.1
    sig = rng.choice(n_sigs, size=n, p=weights / weights.sum())
    offset = rng.uniform(-3600, 3600, n)
    new = sig % 17 == 3  # these only occur after the deploy
    gone = sig % 19 == 5  # these only before
    offset = np.where(new, np.abs(offset), np.where(gone, -np.abs(offset), offset))
    deploy = pd.Timestamp(DEMO_DEPLOY)
    ts = deploy + pd.to_timedelta(offset, unit="s")
    ids = np.array([f"{i:010x}" for i in range(n_sigs)], dtype=object)
    templates = np.array([f"op{i} failed for user <NUM> on shard <NUM> after <DUR>" for i in range(n_sigs)], dtype=object)
    services = np.array([f"svc-{i}" for i in range(12)], dtype=object)
    hosts = np.array([f"host-{i}" for i in range(40)], dtype=object)
    messages = np.array([f"op{i} failed for user 42 on shard 7 after 15ms" for i in range(n_sigs)], dtype=object)
    events = pd.DataFrame({
        "timestamp": pd.Series(ts, dtype="datetime64[ns, UTC]"),
        "level": pd.Series(LEVELS[sig % 4], dtype=STR),
        "service": pd.Series(services[sig % 12], dtype=STR),
        "host": pd.Series(hosts[rng.integers(0, 40, n)], dtype=STR),
        "message": pd.Series(messages[sig], dtype=STR),
        "http_status": pd.Series(pd.array(np.where(sig % 5 == 0, 500, 200), dtype="Int16")),
        "fields": pd.Series([None] * n, dtype=STR),
        "raw": pd.Series(messages[sig], dtype=STR),
        "source": pd.Series(["bench.log"] * n, dtype=STR),
        "line": pd.Series(pd.array(np.arange(1, n + 1), dtype="Int64")),
        "signature": pd.Series(ids[sig], dtype=STR),
        "template": pd.Series(templates[sig], dtype=STR),
    })
    metrics = demo_incident().metrics
    return Incident(events=events, metrics=metrics, deploy=DEMO_DEPLOY, before=timedelta(minutes=30),
                    after=timedelta(minutes=30), title="bench", sources=["bench"], key="bench")


async def wait_until(pilot, condition, timeout: float = 30.0) -> float:
    """Poll with plain sleeps: Pilot.pause/press also wait for the CPU to go idle, which
    would add their own 20-40 ms to every measurement."""
    start = time.perf_counter()
    while not condition():
        if time.perf_counter() - start > timeout:
            raise TimeoutError("the app did not respond")
        await asyncio.sleep(0.001)
    return time.perf_counter() - start


async def first_screen() -> tuple[float, float, float]:
    """(main screen shown with its loading state, populated table) since process start, and the
    populated table since the app object was created."""
    from triage.app import make_demo_app
    from triage.app.screens.main import MainScreen

    t_app = time.perf_counter()
    app = make_demo_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, MainScreen))
        painted = time.perf_counter() - T_PROCESS
        await wait_until(pilot, lambda: app.analyzer.analysis is not None and app.main.query_one("#signatures").row_count > 0)
        await pilot.pause(0)
        now = time.perf_counter()
        return painted, now - T_PROCESS, now - t_app


async def latencies(incident, rounds: int) -> dict[str, list[float]]:
    from triage.app import make_app

    app = make_app(lambda progress: incident)
    out: dict[str, list[float]] = {"cursor": [], "filter": [], "filter_refresh": [], "window": []}
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_until(pilot, lambda: app.analyzer.analysis is not None and app.analyzer.selected is not None, 120)
        await pilot.pause(0.5)
        for _ in range(rounds):
            before = app.analyzer.selected
            t = time.perf_counter()
            app.simulate_key("down")
            await wait_until(pilot, lambda: app.analyzer.selected != before and app.analyzer.detail_shown == app.analyzer.selected)
            await asyncio.sleep(0)  # the repaint
            out["cursor"].append(time.perf_counter() - t)
            await pilot.pause(0.05)
        filter_input = app.main.query_one("#filter")
        for word in ["op1", "op12", "op123"][:rounds] * max(1, rounds // 3):
            filter_input.value = ""
            await pilot.pause(0.3)
            redraws = app.analyzer.table_refreshes
            t = time.perf_counter()
            filter_input.value = word
            await wait_until(pilot, lambda: app.analyzer.table_refreshes > redraws)
            await pilot.pause(0)  # let the redraw reach the screen
            out["filter"].append(time.perf_counter() - t)
            t = time.perf_counter()
            app.analyzer.refresh_table()
            out["filter_refresh"].append(time.perf_counter() - t)
        filter_input.value = ""
        await pilot.pause(0.3)
        for i in range(rounds):
            gen = app.analyzer.generation
            t = time.perf_counter()
            app.simulate_key("minus" if i % 2 else "plus")
            await wait_until(pilot, lambda: app.analyzer.generation > gen and app.analyzer.analysis is not None
                             and app.analyzer.analysis.before == app.analyzer.before, 60)
            out["window"].append(time.perf_counter() - t)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description="app latency benchmark")
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--signatures", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=6)
    args = parser.parse_args()
    painted, since_process, since_app = asyncio.run(first_screen())
    print(f"demo: screen with loading state {painted:.2f} s after process start; populated table "
          f"{since_process:.2f} s after process start ({since_app:.2f} s after the app started)")
    t = time.perf_counter()
    incident = big_incident(args.events, args.signatures)
    print(f"built {len(incident.events):,} events / {args.signatures} signatures in {time.perf_counter() - t:.1f} s")
    from triage.analysis import analyze

    analyze(incident)  # warm the engine's per-incident cache, as the app's first analysis does
    engine_ms = []
    for i in range(args.rounds):
        t = time.perf_counter()
        analyze(incident, before=timedelta(minutes=25 + i), after=timedelta(minutes=25 + i))
        engine_ms.append((time.perf_counter() - t) * 1000)
    results = asyncio.run(latencies(incident, args.rounds))
    labels = {
        "cursor": "cursor down -> detail pane redrawn",
        "filter": "filter typed -> table redrawn (incl. debounce)",
        "filter_refresh": "filter+sort+table redraw alone",
        "window": "widen/narrow window -> re-analysed and redrawn",
    }
    print(f"{'engine analyze() alone (for comparison)':<48} median {statistics.median(engine_ms):7.1f} ms")
    for key, values in results.items():
        ms = [v * 1000 for v in values]
        print(f"{labels[key]:<48} median {statistics.median(ms):7.1f} ms   max {max(ms):7.1f} ms   (n={len(ms)})")


if __name__ == "__main__":
    main()
