"""Exact per-signature counts inside the cluster while downloading a bounded sample.

    python benchmarks/bench_es_counts.py                     # 2M documents, sample of 50k
    python benchmarks/bench_es_counts.py --docs 200000 --max-docs 50000

Indexes N generated ECS documents (benchmarks/es_corpus.py: ~100 genlog templates plus a NEW,
a RARE and a GONE signature around the deploy) into a local osmem-server, then runs the
`triage report` path (load_incident + analyze + JSON note, exactly what the command runs)
through a counting proxy: documents downloaded, requests by kind, time per phase, and the
labels. Every count labelled exact is checked against what was indexed (each document carries
its template number in `event.dataset`).

osmem-server keeps about 8-10 KB per document in memory (16.2 GB after indexing 2M, measured)
and indexes a few thousand documents a second (2M in about 8 minutes), so on a machine with
less than about 20 GB of memory run fewer documents and read the scaling columns: downloads and
requests do not grow with N; the cluster's counting time does (osmem scans, a real cluster
uses its index).
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import sys
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from osmem_server import OsmemServer  # noqa: E402

import es_corpus  # noqa: E402
from es_support import Proxy  # noqa: E402
from triage.analysis import analyze  # noqa: E402
from triage.events import Progress  # noqa: E402
from triage.note import NoteDraft, auto_findings, render_json  # noqa: E402
from triage.pipeline import load_incident  # noqa: E402
from triage.sources.elasticsearch import ElasticsearchSource  # noqa: E402
from triage.sources.elasticsearch.connect import ConnectionSettings  # noqa: E402

INDEX = "logs-bench"
WINDOW = dt.timedelta(minutes=30)


def rss_kb(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def index(url: str, n: int) -> dict[tuple[str, int], int]:
    """Bulk-load n documents; return the true count per (template, side): side 0 before, 1 after."""
    u = urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=900)
    conn.request("PUT", f"/{INDEX}", json.dumps({"mappings": es_corpus.MAPPING}), {"Content-Type": "application/json"})
    conn.getresponse().read()
    truth: dict[tuple[str, int], int] = defaultdict(int)
    lo, mid, hi = es_corpus.DEPLOY - WINDOW, es_corpus.DEPLOY, es_corpus.DEPLOY + WINDOW
    lines: list[str] = []
    action = json.dumps({"index": {"_index": INDEX}})
    sent = 0

    def flush():
        conn.request("POST", "/_bulk", ("\n".join(lines) + "\n").encode(), {"Content-Type": "application/x-ndjson"})
        res = json.loads(conn.getresponse().read())
        assert not res.get("errors"), "bulk indexing failed"
        lines.clear()

    for doc, k in es_corpus.documents(n):
        ts = dt.datetime.fromisoformat(doc["@timestamp"].replace("Z", "+00:00"))
        if lo <= ts < hi:
            truth[(f"t{k}", int(ts >= mid))] += 1
        lines += [action, json.dumps(doc, separators=(",", ":"))]
        if len(lines) >= 10_000:
            flush()
            sent += 5000
            if sent % 100_000 == 0:
                print(f"  indexed {sent:,}", flush=True)
    if lines:
        flush()
    conn.request("POST", f"/{INDEX}/_refresh")
    conn.getresponse().read()
    return truth


def check(incident, analysis, truth) -> tuple[int, int, int, list[str]]:
    """(templates checked, equal, documents in them, mismatches) for signatures labelled exact."""
    ev = incident.events
    names = ev["fields"].astype(object).map(lambda f: json.loads(f).get("event.dataset"))
    sigs = defaultdict(set)  # truth template -> signatures of its sampled documents
    members = defaultdict(set)  # signature -> truth templates of its sampled documents
    for sig, name in zip(ev["signature"].astype(object), names):
        sigs[name].add(sig)
        members[sig].add(name)
    table = analysis.signatures.set_index("signature")
    checked = equal = docs = 0
    bad = []
    for name, group in sigs.items():
        if any(len(members[s]) != 1 or table.loc[s, "counts"] != "exact" for s in group):
            continue  # shares a signature with another template, or not counted exactly
        got = (sum(int(table.loc[s, "before"]) for s in group), sum(int(table.loc[s, "after"]) for s in group))
        want = (truth.get((name, 0), 0), truth.get((name, 1), 0))
        checked += 1
        docs += sum(want)
        if got == want:
            equal += 1
        else:
            bad.append(f"{name}: counted {got}, indexed {want}")
    return checked, equal, docs, bad


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--docs", type=int, default=2_000_000)
    p.add_argument("--max-docs", type=int, default=50_000)
    p.add_argument("--client", choices=("opensearch", "elasticsearch"), default="opensearch")
    a = p.parse_args(argv)
    print(f"documents: {a.docs:,}  sample cap: {a.max_docs:,}  client: {a.client}")
    with OsmemServer.start(japanese=False) as server:
        t0 = time.perf_counter()
        truth = index(server.url, a.docs)
        took = time.perf_counter() - t0
        print(f"indexing: {took:.1f} s ({a.docs / took:,.0f} docs/s), osmem-server RSS {rss_kb(server.pid) / 1024:,.0f} MB")
        with Proxy(server.url, elasticsearch=a.client == "elasticsearch", timeout=3600) as proxy:
            settings = ConnectionSettings(urls=[proxy.url], flavor=a.client, timeout=3600, retries=0)
            src = ElasticsearchSource(settings, INDEX, max_docs=a.max_docs)
            phases: list[tuple[str, float]] = []
            last = [time.perf_counter(), ""]

            def on_progress(done, total, message):
                head = message.split(" (")[0].split(" on ")[0]
                head = "fetching documents" if head.startswith("fetched") else head
                if head != last[1]:
                    now = time.perf_counter()
                    if last[1]:
                        phases.append((last[1], now - last[0]))
                    last[:] = [now, head]

            t0 = time.perf_counter()
            incident = load_incident(src, deploy=es_corpus.DEPLOY, before=WINDOW, after=WINDOW,
                                     progress=Progress(on_progress))
            analysis = analyze(incident)
            draft = NoteDraft(findings=auto_findings(analysis, limit=5))
            doc = render_json(incident, analysis, draft)
            total = time.perf_counter() - t0
            phases.append((last[1], time.perf_counter() - last[0]))
            kinds = defaultdict(int)
            for line in proxy.lines():
                method, path = line.split(" ", 1)
                kinds[method + " " + (path.split("?")[0].rsplit("/", 1)[-1] or "/")] += 1
        counts = incident.counts
        print(f"report path: {total:.1f} s total; documents downloaded: {len(incident.events):,} "
              f"({len(incident.events) / a.docs:.1%} of the index)")
        print("requests: " + ", ".join(f"{k} x{v}" for k, v in sorted(kinds.items())) + f"  (total {sum(kinds.values())})")
        if counts is not None:
            print(f"cluster counting: {counts.requests} requests, {counts.seconds:.1f} s; "
                  f"unmatched documents: {counts.unmatched if counts.unmatched is not None else '?'}")
        for note in incident.report.notes:
            if "signature" in note:
                print("  note:", note)
        for name, secs in phases:
            print(f"  {secs:8.1f} s  {name}")
        print("signature labels:", dict(analysis.count_kinds), "| json count_kinds:", doc["count_kinds"])
        checked, equal, docs, bad = check(incident, analysis, truth)
        print(f"exact counts vs indexed truth: {equal}/{checked} templates equal ({docs:,} documents in the windows)")
        for line in bad[:10]:
            print("  MISMATCH", line)
        sig = analysis.signatures
        for _, r in sig[sig["status"] != "STEADY"].head(6).iterrows():
            print(f"  {r['status']:6} {r['counts']:9} {int(r['before']):>8,} -> {int(r['after']):>8,}  {r['template'][:70]}")
    return 0 if counts is not None and checked and not bad else 1


if __name__ == "__main__":
    raise SystemExit(main())
