"""Fetch ~100k CloudWatch log events through moto: events/s and peak memory per fetch path.

    python benchmarks/bench_cw_fetch.py [--events 100000] [--mode filter|insights|both]

moto runs as its own process (so its memory is not counted); the data is ingested with
put_log_events, then each fetch path runs in a fresh child process that reports wall time,
events/s, the peak RSS growth during the fetch (ru_maxrss) and the size of the resulting
event table. Pages are streamed into compact column buffers, so the peak should stay a small
multiple of the final table. Timings on a shared machine are noisy; run it twice.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_moto() -> tuple[subprocess.Popen, str]:
    port = free_port()
    code = ("import logging; logging.getLogger('werkzeug').setLevel(logging.ERROR);"
            "from moto.server import ThreadedMotoServer as S; import time;"
            f"s=S(ip_address='127.0.0.1', port={port}, verbose=False); s.start();\nwhile True: time.sleep(3600)")
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            urllib.request.urlopen(f"{url}/moto-api/", timeout=1)
            return proc, url
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise SystemExit("moto server did not start")


def env_for(url: str) -> dict:
    env = dict(os.environ)
    env.update(AWS_ENDPOINT_URL=url, AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench",
               AWS_REGION="us-east-1", AWS_DEFAULT_REGION="us-east-1", AWS_EC2_METADATA_DISABLED="true",
               AWS_CONFIG_FILE="/nonexistent", AWS_SHARED_CREDENTIALS_FILE="/nonexistent")
    env.pop("AWS_PROFILE", None)
    return env


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(mode: str, start: str, end: str) -> None:
    """One fetch in this fresh process; prints a JSON line."""
    from datetime import datetime

    from triage.events import Progress
    from triage.sources.cloudwatch import CloudWatchSource

    source = CloudWatchSource(["/ecs/checkout", "/aws/lambda/payments"], mode=mode)
    source.session.client("logs").describe_log_groups(limit=1)  # load botocore's models before the baseline
    base = rss_mb()
    t0 = time.perf_counter()
    result = source.load(datetime.fromisoformat(start), datetime.fromisoformat(end), Progress())
    seconds = time.perf_counter() - t0
    table = result.events.memory_usage(deep=True).sum() / 2**20
    print(json.dumps({"mode": mode, "events": len(result.events), "seconds": seconds,
                      "peak_growth_mb": rss_mb() - base, "table_mb": table,
                      "partial": result.report.partial}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--mode", choices=("filter", "insights", "both"), default="both")
    parser.add_argument("--child", nargs=3, metavar=("MODE", "START", "END"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return

    proc, url = start_moto()
    try:
        os.environ.update(env_for(url))
        import cw_support

        inc = cw_support.make_incident(args.events)
        records = inc.count()
        t0 = time.perf_counter()
        cw_support.ingest_logs(inc)
        ingest = time.perf_counter() - t0
        print(f"ingested {records:,} CloudWatch records in {ingest:.1f}s ({records / ingest:,.0f}/s) via put_log_events")
        modes = ("filter", "insights") if args.mode == "both" else (args.mode,)
        for mode in modes:
            out = subprocess.run([sys.executable, __file__, "--child", mode, inc.start.isoformat(), inc.end.isoformat()],
                                 env=env_for(url), capture_output=True, text=True, check=True)
            r = json.loads(out.stdout.strip().splitlines()[-1])
            print(f"{r['mode']:>8}: {r['events']:,} events (from {records:,} records) in {r['seconds']:.2f}s"
                  f" = {r['events'] / r['seconds']:,.0f} events/s; peak RSS growth {r['peak_growth_mb']:.0f} MB,"
                  f" event table {r['table_mb']:.0f} MB{' PARTIAL' if r['partial'] else ''}")
    finally:
        proc.kill()
        proc.wait()


if __name__ == "__main__":
    main()
