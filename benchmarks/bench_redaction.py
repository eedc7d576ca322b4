"""Redaction: false positives on real logs, leaks on the secret corpus, and speed.

    PYTHONPATH=$PWD python benchmarks/bench_redaction.py [--loghub DIR] [--findings 1000]

* false positives: every line of the loghub samples (../shared/loghub or /work/shared/loghub)
  and of the demo incident that redaction changes; these logs hold no secrets, so every
  change is a false alarm (the first few are printed so a person can judge them);
* leaks: the generated corpus of tests/secret_corpus.py, line by line;
* speed: rule compilation; redacting the text of a rendered 1,000-finding note; and the
  time note rendering (Markdown and JSON) spends in redaction.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))


def _loghub_dir(arg: str | None) -> Path | None:
    for cand in ([arg] if arg else []) + [str(ROOT.parent / "shared" / "loghub"), "../shared/loghub", "/work/shared/loghub"]:
        if cand and Path(cand).is_dir():
            return Path(cand)
    return None


def false_positives(name: str, lines: list[str], show: int = 5) -> tuple[int, int]:
    from triage.redact import redact_many

    out = []
    for start in range(0, len(lines), 20000):
        out += redact_many(lines[start : start + 20000])
    changed = [(a, b) for a, b in zip(lines, out) if a != b]
    print(f"  {name:<28} {len(lines):>8,} lines  {len(changed):>5} changed  ({len(changed) / max(len(lines), 1):.4%})")
    for a, b in changed[:show]:
        print(f"      {a[:140]!r}\n   -> {b[:140]!r}")
    return len(lines), len(changed)


def bench_fp(loghub: Path | None) -> None:
    print("False positives (lines changed by redaction; none of these logs holds a secret)")
    total = changed = 0
    if loghub is None:
        print("  loghub not found: pass --loghub DIR")
    else:
        for path in sorted(loghub.glob("*/*.log")):
            n, c = false_positives(path.name, path.read_text(errors="replace").splitlines())
            total, changed = total + n, changed + c
        print(f"  loghub total: {changed} of {total:,} lines = {changed / max(total, 1):.4%}")
    from triage.demo.streams import all_streams

    d_total = d_changed = 0
    for name, arr, _ns in all_streams():
        n, c = false_positives(f"demo {name}", arr.to_pylist())
        d_total, d_changed = d_total + n, d_changed + c
    print(f"  demo total: {d_changed} of {d_total:,} lines = {d_changed / max(d_total, 1):.4%}")


def bench_leaks() -> None:
    from secret_corpus import corpus
    from triage.redact import redact

    samples = corpus()
    t = time.perf_counter()
    leaks = [s for s in samples if s.secret in redact(s.line)]
    dt = time.perf_counter() - t
    print(f"Corpus: {len(samples)} samples of {len({s.kind for s in samples})} kinds, {len(leaks)} leaked "
          f"({dt * 1000 / len(samples):.2f} ms per line)")
    for s in leaks[:10]:
        print("   leak:", s.kind, s.line[:120])


def _note_incident(findings: int):
    import pandas as pd

    from secret_corpus import corpus
    from triage.events import events_frame, metrics_frame
    from triage.pipeline import Incident

    deploy = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
    secrets = [s.line for s in corpus() if "\n" not in s.line]
    rows = []
    for i in range(findings):
        msg = (secrets[i % len(secrets)] if i % 10 == 0 else
               f"2026-03-01T12:0{i % 10}:00Z ERROR svc{i % 7}.handler - request {i} failed: upstream 10.0.{i % 250}.{i % 99}:8080 "
               f"returned 503 after {i % 900} ms (trace_id={i:032x}, order=ord-{i:06d})")
        for k in range(6):
            rows.append((deploy + timedelta(minutes=1 + k * 3), "error", f"svc{i % 7}", f"h{i % 5}", msg, f"s{i}", msg[:80]))
    cols = list(zip(*rows))
    ev = events_frame({"timestamp": cols[0], "level": cols[1], "service": cols[2], "host": cols[3], "message": cols[4],
                       "raw": cols[4], "source": ["app.log"] * len(rows), "line": list(range(1, len(rows) + 1))})
    ev["signature"] = pd.Series(cols[5], dtype=ev["message"].dtype)
    ev["template"] = pd.Series(cols[6], dtype=ev["message"].dtype)
    return Incident(events=ev, metrics=metrics_frame({}), deploy=deploy, version="v2", title="", sources=["app.log"], queries=[])


def bench_speed(findings: int) -> None:
    import triage.redact as R
    from triage.analysis import analyze
    from triage.note import Finding, NoteDraft, render_json, render_markdown

    R.scanner.cache_clear()
    t = time.perf_counter()
    scanner = R.scanner()
    print(f"Speed\n  rules compiled once: {len(R.rules())} rules in {time.perf_counter() - t:.3f} s")
    inc = _note_incident(findings)
    a = analyze(inc)
    draft = NoteDraft(findings=[Finding("signature", f"s{i}") for i in range(findings)])
    spent = [0.0, 0]
    real_spans = scanner.spans

    def timed(text):
        t0 = time.process_time()
        try:
            return real_spans(text)
        finally:
            spent[0] += time.process_time() - t0
            spent[1] += 1

    scanner.spans = timed  # type: ignore[method-assign]
    try:
        t = time.process_time()
        md = render_markdown(inc, a, draft)
        total = time.process_time() - t
        in_md, calls = spent[0], spent[1]
        spent[:] = [0.0, 0]
        t = time.process_time()
        render_json(inc, a, draft)
        total_json, in_json = time.process_time() - t, spent[0]
    finally:
        scanner.spans = real_spans  # type: ignore[method-assign]
    runs = [_timed(R.redact, md) for _ in range(3)]
    wall, cpu = min(r[0] for r in runs), min(r[1] for r in runs)
    print(f"  {findings}-finding note: {len(md) / 1e6:.2f} MB of Markdown")
    print(f"  redact(whole note text): {wall:.3f} s wall, {cpu:.3f} s CPU (best of 3; wall > CPU means a loaded machine)")
    print(f"  render_markdown: {total:.2f} s CPU, of which redaction {in_md:.2f} s ({calls:,} scans: the pieces, then the whole)")
    print(f"  render_json: {total_json:.2f} s CPU, of which redaction {in_json:.2f} s")


def _timed(fn, arg) -> tuple[float, float]:
    t, c = time.perf_counter(), time.process_time()
    fn(arg)
    return time.perf_counter() - t, time.process_time() - c


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--loghub", help="loghub samples directory")
    ap.add_argument("--findings", type=int, default=1000)
    ap.add_argument("--skip-render", action="store_true", help="skip the note-rendering speed part (slow under load)")
    args = ap.parse_args()
    bench_fp(_loghub_dir(args.loghub))
    bench_leaks()
    if not args.skip_render:
        bench_speed(args.findings)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
