"""A deterministic ECS log corpus for the in-cluster counting benchmark (bench_es_counts.py).

Messages come from genlog's ~100 templates (skewed frequencies, variable ids, IPs, durations);
around the deploy three changes are planted: a NEW connection error after it (about 1 in 100
documents), a RARE new error (a few hundred documents in millions, which a uniform sample misses)
and a GONE warning before it. Every document carries its template number in `event.dataset` ("t12"),
a field the source keeps, so the benchmark can check the per-signature counts against what was indexed.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import sys
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from genlog import SERVICES, SLOTS, TEMPLATES  # noqa: E402

DEPLOY = dt.datetime(2026, 3, 4, 14, 0, 27, tzinfo=dt.timezone.utc)
SPAN = dt.timedelta(hours=2)
NEW = len(TEMPLATES)  # truth ids of the planted templates
RARE = NEW + 1
GONE = NEW + 2
PLANTED = {
    NEW: "upstream ledger-writer returned 503 for batch {num} after {dur}",
    RARE: "schema migration guard tripped: column currency_code missing on shard {num}",
    GONE: "legacy receipt renderer used for order {num}",
}


def documents(n: int, *, seed: int = 11, rare: int = 300) -> Iterator[tuple[dict, int]]:
    """(ECS document, truth template id) for n documents evenly over DEPLOY +- SPAN/2."""
    r = random.Random(seed)
    weights = [1.0 / (1 + i) ** 0.8 for i in range(len(TEMPLATES))]
    slots = {i: [s for s in SLOTS if "{" + s + "}" in t] for i, t in enumerate(TEMPLATES)}
    start_ms = int((DEPLOY - SPAN / 2).timestamp() * 1000)
    span_ms = int(SPAN.total_seconds() * 1000)
    deploy_ms = int(DEPLOY.timestamp() * 1000)
    rare_every = max(1, (n // 2) // max(1, rare))
    picks = r.choices(range(len(TEMPLATES)), weights=weights, k=n)
    for i in range(n):
        ts = start_ms + (span_ms * i) // n
        after = ts >= deploy_ms
        k = picks[i]
        if after and i % 100 == 7:
            k = NEW
        elif after and i % rare_every == 3:
            k = RARE
        elif not after and i % 50 == 11:
            k = GONE
        text = PLANTED.get(k) or TEMPLATES[k]
        names = ("num", "dur") if k in PLANTED else slots[k]
        message = text.format(**{s: SLOTS[s](r) for s in names if "{" + s + "}" in text})
        level = "ERROR" if k in (NEW, RARE) or "refused" in text or "failed" in text else ("WARN" if k == GONE else "INFO")
        svc = SERVICES[i % len(SERVICES)]
        stamp = dt.datetime.fromtimestamp(ts / 1000, dt.timezone.utc).isoformat(timespec="milliseconds")
        yield {"@timestamp": stamp.replace("+00:00", "Z"), "message": message, "log": {"level": level},
               "service": {"name": svc}, "host": {"name": f"{svc}-{i % 3 + 1}"}, "event": {"dataset": f"t{k}"}}, k


MAPPING = {"properties": {
    "@timestamp": {"type": "date"}, "message": {"type": "text"},
    "log": {"properties": {"level": {"type": "keyword"}}},
    "service": {"properties": {"name": {"type": "keyword"}}},
    "host": {"properties": {"name": {"type": "keyword"}}},
    "event": {"properties": {"dataset": {"type": "keyword"}}},
}}


def bulk_bodies(n: int, index: str, chunk: int = 20_000, **kw) -> Iterator[bytes]:
    """NDJSON bulk bodies of `chunk` documents each."""
    action = json.dumps({"index": {"_index": index}})
    lines: list[str] = []
    for doc, _ in documents(n, **kw):
        lines.append(action)
        lines.append(json.dumps(doc, separators=(",", ":")))
        if len(lines) >= 2 * chunk:
            yield ("\n".join(lines) + "\n").encode()
            lines = []
    if lines:
        yield ("\n".join(lines) + "\n").encode()
