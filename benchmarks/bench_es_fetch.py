"""Fetch N documents from a local osmem-server through the Elasticsearch/OpenSearch source.

    python benchmarks/bench_es_fetch.py               # 200k docs, opensearch-py
    python benchmarks/bench_es_fetch.py --docs 50000 --client elasticsearch

Prints indexing time, fetch throughput (docs/s) and memory: RSS before the fetch, peak RSS
during it (sampled every 5 ms), and the size of the resulting event table. Pages are turned
into columns as they arrive, so the peak above the baseline should track the final table
(plus one page), not the raw JSON of all documents.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from osmem_server import OsmemServer  # noqa: E402

from es_support import DEPLOY, Proxy, make_docs  # noqa: E402
from triage.events import Progress  # noqa: E402
from triage.sources.elasticsearch import ElasticsearchSource  # noqa: E402
from triage.sources.elasticsearch.connect import ConnectionSettings  # noqa: E402


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


class PeakRss:
    def __init__(self) -> None:
        self.peak = rss_mb()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_mb())
            time.sleep(0.005)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def index(url: str, n: int, chunk: int = 10_000) -> None:
    """Bulk-load n generated docs over two hours in chunks (never all in memory)."""
    from opensearchpy import OpenSearch

    from es_support import ECS_MAPPING

    client = OpenSearch(hosts=[url], timeout=300)
    client.indices.create(index="logs-bench", body={"mappings": ECS_MAPPING})
    span = dt.timedelta(hours=2)
    for i in range(0, n, chunk):
        part = span * (min(chunk, n - i) / n)
        start = DEPLOY - span / 2 + span * (i / n)
        docs = make_docs(min(chunk, n - i), deploy=start + part / 2, span=part, seed=i)
        ops = [x for d in docs for x in ({"index": {"_index": "logs-bench"}}, d)]
        client.bulk(body=ops)
    client.indices.refresh(index="logs-bench")
    client.close()


def conversion_cost(events, page: int) -> float:
    """Microseconds per document to turn a page of hits into event-table rows (no network, no server)."""
    from triage.sources.elasticsearch.query import ECS_DEFAULTS, Fields, hits_to_frame

    docs = make_docs(page)
    hits = [{"_id": str(i), "_index": "logs-bench", "sort": [1772632800000 + i], "_source": d} for i, d in enumerate(docs)]
    fields = Fields(read={k: [v] for k, v in ECS_DEFAULTS.items()}, agg={}, extras=["trace.id"])
    t = time.perf_counter()
    for _ in range(3):
        hits_to_frame(hits, fields)
    return (time.perf_counter() - t) / (3 * page) * 1e6


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=200_000)
    ap.add_argument("--page", type=int, default=5000)
    ap.add_argument("--client", choices=("opensearch", "elasticsearch"), default="opensearch")
    a = ap.parse_args()
    with OsmemServer.start(japanese=False) as server:
        t = time.perf_counter()
        index(server.url, a.docs)
        print(f"indexed {a.docs:,} docs in {time.perf_counter() - t:.1f} s")
        proxy = Proxy(server.url, elasticsearch=True).__enter__() if a.client == "elasticsearch" else None
        url = proxy.url if proxy else server.url
        src = ElasticsearchSource(ConnectionSettings(urls=[url], timeout=120), "logs-bench",
                                  max_docs=a.docs + 1, page_size=a.page)
        base = rss_mb()
        marks: list[float] = []
        progress = Progress(lambda done, total, msg: marks.append(time.perf_counter()) if msg.startswith("fetched") else None)
        with PeakRss() as peak:
            t = time.perf_counter()
            result = src.load(None, None, progress)
            took = time.perf_counter() - t
        table_mb = result.events.memory_usage(deep=True).sum() / 2**20
        n = len(result.events)
        print(f"client={a.client} page={a.page}: fetched {n:,} docs in {took:.1f} s = {n / took:,.0f} docs/s")
        print(f"RSS before {base:.0f} MB, peak during fetch {peak.peak:.0f} MB (+{peak.peak - base:.0f} MB); "
              f"event table {table_mb:.0f} MB ({table_mb * 2**20 / max(n, 1):.0f} B/doc)")
        gaps = [b - a for a, b in zip(marks, marks[1:])]
        if len(gaps) >= 4:
            k = max(1, len(gaps) // 4)
            print(f"seconds per page: first quarter {sum(gaps[:k]) / k:.2f}, last quarter {sum(gaps[-k:]) / k:.2f} "
                  f"(growth means the server's search_after cost grows with depth)")
        convert_us = conversion_cost(result.events, a.page)
        print(f"client-side conversion alone: {convert_us:.0f} us/doc = {1e6 / convert_us:,.0f} docs/s on one core")
        if proxy:
            proxy.__exit__(None, None, None)


if __name__ == "__main__":
    main()
