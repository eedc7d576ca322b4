"""Hit rate of the judgement on the generated incident corpus (tests/incidents.py) and the demo.

    python benchmarks/bench_corpus.py

For each incident: does the top story's cause match the planted cause, the story's rank,
its onset, and the time analyze() took. Prints `hit rate n/N` at the end.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import incidents  # noqa: E402
from triage.analysis import analyze  # noqa: E402
from triage.judgement.onset import fmt_offset  # noqa: E402


def main() -> int:
    rows = []
    for name, case in sorted(incidents.CASES.items()):
        inc = incidents.build(name)
        t = time.perf_counter()
        a = analyze(inc)
        rows.append((name, *_score(inc, a, case.cause), time.perf_counter() - t, len(inc.events), len(a.signatures)))
    from triage.demo import demo_incident

    inc = demo_incident()
    t = time.perf_counter()
    a = analyze(inc)
    rows.append(("demo", *_score(inc, a, "USE_MOCK_SERVICE"), time.perf_counter() - t, len(inc.events), len(a.signatures)))
    print(f"{'incident':18} {'rank':>4} {'onset':>8} {'stories':>7} {'events':>7} {'sigs':>5} {'analyze':>8}")
    for name, rank, onset, n, secs, events, sigs in rows:
        print(f"{name:18} {rank if rank else '-':>4} {onset:>8} {n:>7} {events:>7,} {sigs:>5} {secs:7.2f}s")
    hits = sum(1 for r in rows if r[1] == 1)
    print(f"hit rate {hits}/{len(rows)} (true cause named first)")
    return 0 if hits == len(rows) else 1


def _score(inc, a, needle):
    rank, story = incidents.cause_story(inc, a, needle)
    return rank, fmt_offset(story.onset_s) if story else "-", len(a.stories)


if __name__ == "__main__":
    raise SystemExit(main())
