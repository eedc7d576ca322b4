"""`triage report` end to end on 1M generated lines: wall time, peak memory, per-stage times.

    python benchmarks/bench_report.py [--lines 1000000] [--log /tmp/bench_1m.log] [--runs 2]

Generates the log with benchmarks/genlog.py when missing (same default path as
bench_group_e2e.py, so it is shared), puts the deploy in the middle of the log and
sizes --before/--after so the windows plus the load margin cover every line. Then runs
`python -m triage report LOG --deploy MID ... -o OUT --force` in fresh processes (best
and median wall time, peak RSS of the child) and once in-process with a breakdown:
load (read+parse), signatures, analyze (first call and a window change), Markdown, JSON.
Targets: < 10 s end to end and < 1.5 GB peak for 1M lines; analyze() on a window
change < ~150 ms.
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

HERE = Path(__file__).resolve().parent


def ensure_log(path: Path, lines: int) -> None:
    if path.exists() and sum(1 for _ in open(path, "rb")) >= lines:
        return
    print(f"generating {lines:,} lines -> {path}", flush=True)
    subprocess.run([sys.executable, str(HERE / "genlog.py"), str(lines), str(path)], check=True)


def time_span(path: Path):
    """First and last parseable timestamps, read from the head and tail of the file."""
    from triage.parsing.lineshape import parse_lines

    with open(path, "rb") as fh:
        head = fh.read(200_000).decode("utf-8", "replace").splitlines()[:-1]
        fh.seek(max(0, path.stat().st_size - 200_000))
        tail = fh.read().decode("utf-8", "replace").splitlines()[1:]
    first = parse_lines(head)["timestamp"].dropna().min()
    last = parse_lines(tail)["timestamp"].dropna().max()
    return first, last


def run_child(args: list[str]) -> tuple[float, int]:
    """Wall seconds and peak RSS (bytes) of one fresh `python -m triage` process."""
    cmd = [sys.executable, "-c",
           "import resource,sys,time; from triage.cli import main; t=time.perf_counter(); rc=main(sys.argv[1:]); "
           "sys.stderr.write(f'@@{time.perf_counter()-t} {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}\\n'); sys.exit(rc)",
           *args]
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"report failed ({proc.returncode}): {proc.stderr[-2000:]}")
    rss_kb = int(next(line for line in proc.stderr.splitlines() if line.startswith("@@")).split()[1])
    return wall, rss_kb * 1024


def breakdown(log: Path, deploy, window: timedelta) -> None:
    from triage.analysis import analyze
    from triage.events import LoadReport
    from triage.note import NoteDraft, auto_findings, dumps_json, render_json, render_markdown
    from triage.pipeline import Incident, clip_to_range, with_signatures
    from triage.sources.files import FileSource

    t0 = time.perf_counter()
    res = FileSource([str(log)]).load(None, None)
    t1 = time.perf_counter()
    report = LoadReport()
    events = clip_to_range(res.events, deploy - 2 * window, deploy + 2 * window, report)
    events = with_signatures(events)
    t2 = time.perf_counter()
    inc = Incident(events=events, metrics=res.metrics, deploy=deploy.to_pydatetime(), before=window, after=window,
                   sources=[res.description])
    a = analyze(inc)
    t3 = time.perf_counter()
    a2 = analyze(inc, after=window / 2)
    t4 = time.perf_counter()
    draft = NoteDraft(findings=auto_findings(a))
    md = render_markdown(inc, a, draft)
    t5 = time.perf_counter()
    js = dumps_json(render_json(inc, a, draft))
    t6 = time.perf_counter()
    counts = a.signatures["status"].value_counts().to_dict()
    print(f"  events {len(events):,}, signatures {len(a.signatures):,}, statuses {counts}")
    print(f"  load (read+parse)   {t1 - t0:6.2f} s")
    print(f"  signatures          {t2 - t1:6.2f} s")
    print(f"  analyze (first)     {t3 - t2:6.3f} s   (builds the per-incident cache)")
    print(f"  analyze (new window){t4 - t3:6.3f} s")
    print(f"  markdown            {t5 - t4:6.3f} s   ({len(md):,} chars, {len(draft.findings)} findings)")
    print(f"  json                {t6 - t5:6.3f} s   ({len(js):,} chars)")
    del a2


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--lines", type=int, default=1_000_000)
    p.add_argument("--log", default="/tmp/bench_1m.log")
    p.add_argument("--runs", type=int, default=2)
    p.add_argument("--no-breakdown", action="store_true")
    a = p.parse_args()
    log = Path(a.log)
    ensure_log(log, a.lines)
    first, last = time_span(log)
    deploy = first + (last - first) / 2
    window = (last - first) / 4 + timedelta(minutes=1)  # windows + margin (= window) cover the file
    minutes = int(window.total_seconds() // 60) + 1
    print(f"log {log} ({log.stat().st_size / 1e6:.0f} MB), {first} .. {last}; deploy {deploy}, windows {minutes}m")
    out = Path(tempfile.gettempdir()) / "bench_report_note.md"
    args = ["report", str(log), "--deploy", deploy.isoformat(), "--before", f"{minutes}m", "--after", f"{minutes}m",
            "-o", str(out), "--force"]
    walls, peaks = [], []
    for i in range(a.runs):
        wall, peak = run_child(args)
        walls.append(wall)
        peaks.append(peak)
        print(f"  run {i + 1}: {wall:.2f} s wall, peak RSS {peak / 2**20:,.0f} MiB")
    print(f"end to end: best {min(walls):.2f} s, median {statistics.median(walls):.2f} s (target < 10 s); "
          f"peak RSS {max(peaks) / 2**30:.2f} GiB (target < 1.5 GB)")
    if not a.no_breakdown:
        print("in-process breakdown:")
        breakdown(log, deploy, timedelta(minutes=minutes))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
