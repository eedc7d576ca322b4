"""Exact per-signature counts inside the cluster: learn from a sample, count with aggregations.

    sample (bounded download) -> signatures (triage.signatures) -> constant phrases per signature
    -> a filter per signature (match_phrase of each phrase, must_not of more specific signatures)
    -> check each filter on the sampled members, by id (size-0 searches batched in `_msearch`)
    -> one `filters` aggregation (a filter per signature) with a `date_histogram` under it

so a window of 100M documents costs a few requests, not 100M downloads. Each count is labelled:

- exact: the cluster matched every sampled member with the signature's filter (checked by id),
  and no document in range matched two filters; so every sampled document is counted under its
  own signature and nowhere else.
- estimated: the filter missed some sampled members, or overlaps another; the cluster's count
  is divided by the share of members it matched on the sample.
- sampled: no usable filter (no constant words, or it missed all its members);
  the sample's count scaled by total/sampled, as before.

The filters are built from a local word split that approximates the cluster's analyzer;
only the cluster's answers decide the labels.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from triage.events import STR, LoadReport, Progress, SignatureCounts
from triage.sources.elasticsearch.connect import Cluster
from triage.sources.elasticsearch.metrics import Buckets
from triage.sources.elasticsearch.phrases import phrases, words
from triage.sources.elasticsearch.query import Fields

MEMBER_SAMPLES = 16
"""Members per signature the phrases are taken from (spread over the sample)."""
BATCH = 50
"""Searches per `_msearch` request."""
MAX_BUCKETS = 40_000
"""Histogram buckets per counting search (clusters refuse above 65,536 by default)."""
OTHER = "_other_"
"""Key of the filters aggregation's bucket for documents no filter matched (signature ids are hex)."""
MAX_IDS = 10_000
"""Sampled ids per recall check search (clusters cap terms/ids lists at 65,536)."""


@dataclass
class SignatureQuery:
    """How one signature is counted in the cluster."""

    signature: str
    phrases: list[str]
    members: int  # in the sample
    excludes: list[str] = field(default_factory=list)  # signatures whose query is subtracted
    kind: str = "sampled"  # exact | estimated | sampled
    factor: float = 1.0  # estimated: cluster count x factor
    matched: int = 0  # sampled members the cluster matched with the refined filter
    overlaps: bool = False

    def query(self, text_fields: list[str]) -> dict:
        return phrase_query(self.phrases, text_fields)


@dataclass
class CountStats:
    """What counting cost, for the note and the benchmark."""

    queries: int = 0
    seconds: float = 0.0
    searches: int = 0  # searches inside those requests
    unmatched: int | None = None  # documents in the range that no signature filter matched
    overlap: int = 0  # documents matched by two or more filters (counted twice)


def phrase_query(phrase_list: list[str], text_fields: list[str]) -> dict:
    """All phrases, each in any of the text fields (message, stack trace ...)."""
    clauses = []
    for p in phrase_list:
        per_field = [{"match_phrase": {f: p}} for f in text_fields]
        clauses.append(per_field[0] if len(per_field) == 1 else {"bool": {"should": per_field, "minimum_should_match": 1}})
    return {"bool": {"filter": clauses}}


def text_fields(fields: Fields) -> list[str]:
    """Where the words of an event message live in the documents."""
    names = []
    for name in ("message", "stack_trace", "error_type"):
        for path in fields.read.get(name) or []:
            if path not in names:
                names.append(path)
    return names


def learn(events: pd.DataFrame) -> list[SignatureQuery]:
    """One query per signature of the (grouped) sample, from its template and a spread of members."""
    sig = events["signature"].astype(object).to_numpy()
    tpl = events["template"].astype(object).to_numpy()
    msg = events["message"].astype(object).to_numpy()
    codes, names = pd.factorize(sig)
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(len(names) + 1))
    out = []
    for k, name in enumerate(names):
        rows = order[bounds[k]:bounds[k + 1]]
        pick = rows[np.unique(np.linspace(0, len(rows) - 1, min(MEMBER_SAMPLES, len(rows))).astype(np.int64))]
        members = [m for m in msg[pick] if isinstance(m, str)]
        out.append(SignatureQuery(str(name), phrases(str(tpl[rows[0]] or ""), members), int(len(rows))))
    return out


def local_matrix(events: pd.DataFrame, queries: list[SignatureQuery]) -> np.ndarray:
    """Which sampled events hold all phrases of which signature, by the local word split (pyarrow scans)."""
    text = pa.array([" " + " ".join(words(m)) + " " if isinstance(m, str) else " "
                     for m in events["message"].astype(object)], pa.large_string())
    matrix = np.zeros((len(events), len(queries)), dtype=bool)
    cache: dict[str, np.ndarray] = {}
    for j, q in enumerate(queries):
        if not q.phrases:
            continue
        hit = np.ones(len(events), dtype=bool)
        for p in q.phrases:
            if p not in cache:
                cache[p] = pc.match_substring(text, f" {p} ").to_numpy(zero_copy_only=False)
            hit &= cache[p]
        matrix[:, j] = hit
    return matrix


def refine(queries: list[SignatureQuery], codes: np.ndarray, matrix: np.ndarray) -> None:
    """Exclusions from the local matrix: a filter that takes another signature's members subtracts
    that signature's filter, unless the other filter would take its own members too."""
    k = len(queries)
    ok = codes >= 0
    rows, cols = np.nonzero(matrix & ok[:, None])
    # hits[s, t]: sampled members of t that filter s holds
    hits = np.bincount(cols * k + codes[rows], minlength=k * k).reshape(k, k) if k else np.zeros((0, 0), np.int64)
    for s, q in enumerate(queries):
        if not q.phrases:
            continue
        others = [t for t in np.flatnonzero(hits[s]) if t != s and hits[t, s] == 0 and queries[t].phrases]
        q.excludes = [queries[t].signature for t in others]
        if hits[s, s] == 0:  # not even locally its own members: no filter worth counting with
            q.phrases, q.excludes = [], []


def filter_of(q: SignatureQuery, by_id: dict[str, SignatureQuery], tf: list[str]) -> dict:
    body = q.query(tf)
    if q.excludes:
        body["bool"]["must_not"] = [by_id[e].query(tf) for e in q.excludes]
    return body


def _msearch(cluster: Cluster, bodies: list[dict], index: str, stats: CountStats, progress: Progress,
             what: str) -> list[dict]:
    out: list[dict] = []
    for i in range(0, len(bodies), BATCH):
        progress.check()
        progress.update(message=f"{what} ({min(i + BATCH, len(bodies)):,}/{len(bodies):,})")
        t0 = time.perf_counter()
        try:
            out.extend(cluster.msearch(bodies[i:i + BATCH], index=index, progress=progress, what=what))
        finally:
            stats.queries += 1
            stats.searches += len(bodies[i:i + BATCH])
            stats.seconds += time.perf_counter() - t0
    return out


def _hits_total(res: dict) -> int:
    t = (res.get("hits") or {}).get("total")
    return int(t.get("value", 0)) if isinstance(t, dict) else int(t or 0)


def check_recall(cluster: Cluster, index: str, queries: list[SignatureQuery], filters: dict[str, dict],
                 member_ids: dict[str, list[str]], stats: CountStats, progress: Progress) -> None:
    """How many of its sampled members (by id) each signature's filter matches, in the cluster."""
    jobs, owners = [], []
    for q in queries:
        if q.signature not in filters:
            continue
        ids = member_ids.get(q.signature) or []
        for i in range(0, len(ids), MAX_IDS):
            jobs.append({"size": 0, "track_total_hits": True,
                         "query": {"bool": {"filter": [{"ids": {"values": ids[i:i + MAX_IDS]}}, filters[q.signature]]}}})
            owners.append(q)
        q.matched = 0
    for q, res in zip(owners, _msearch(cluster, jobs, index, stats, progress, "checking signature filters on the sample")):
        q.matched += _hits_total(res)


def count_all(cluster: Cluster, index: str, queries: list[SignatureQuery], filters: dict[str, dict],
              fields: Fields, clauses: list[dict], buckets: Buckets, stats: CountStats,
              progress: Progress) -> dict[str, dict]:
    """Per signature: its `filters` bucket (doc_count and per-bucket histogram) over every document in range.

    One search holds as many signatures as MAX_BUCKETS allows; with all of them in one, its
    `other` bucket gives the documents no filter matched, else one more search does.
    """
    hist = buckets.histogram(fields.timestamp)
    hist["date_histogram"]["offset"] = f"{buckets.start_ms % (buckets.seconds * 1000)}ms"
    names = [q.signature for q in queries if q.signature in filters]
    n_buckets = (buckets.end_ms - buckets.start_ms) // (buckets.seconds * 1000) + 2
    per = max(1, MAX_BUCKETS // n_buckets)
    one = len(names) <= per
    out: dict[str, dict] = {}
    other = None
    for i in range(0, len(names), per):
        group = names[i:i + per]
        agg: dict = {"filters": {"filters": {n: filters[n] for n in group}}, "aggs": {"t": hist}}
        if one:
            agg["filters"]["other_bucket_key"] = OTHER
        body = {"size": 0, "track_total_hits": True, "query": {"bool": {"filter": clauses}}, "aggs": {"sig": agg}}
        progress.check()
        progress.update(message=f"counting signatures in the cluster ({min(i + per, len(names)):,}/{len(names):,})")
        res = _search(cluster, body, index, stats, "counting signatures")
        total = _hits_total(res)
        got = ((res.get("aggregations") or {}).get("sig") or {}).get("buckets") or {}
        for n in group:
            out[n] = got.get(n) or {}
        if one:
            other = int((got.get(OTHER) or {}).get("doc_count") or 0)
    if names and other is None:
        union = {"size": 0, "track_total_hits": True, "query": {"bool": {
            "filter": clauses, "should": [filters[n] for n in names], "minimum_should_match": 1}}}
        other = total - _hits_total(_search(cluster, union, index, stats, "counting unmatched documents"))
    if names:
        stats.unmatched = other
        stats.overlap = max(0, sum(int(b.get("doc_count") or 0) for b in out.values()) - (total - (other or 0)))
    return out


def _search(cluster: Cluster, body: dict, index: str, stats: CountStats, what: str) -> dict:
    t0 = time.perf_counter()
    try:
        return cluster.search(body, index=index, what=what)
    finally:
        stats.queries += 1
        stats.searches += 1
        stats.seconds += time.perf_counter() - t0


def check_overlaps(cluster: Cluster, index: str, queries: list[SignatureQuery], filters: dict[str, dict],
                   clauses: list[dict], stats: CountStats, progress: Progress) -> None:
    """Only when some document matched two filters: which filters share documents with another."""
    names = [q.signature for q in queries if q.signature in filters]
    jobs = [{"size": 0, "track_total_hits": True, "query": {"bool": {
        "filter": [*clauses, filters[n]],
        "should": [filters[m] for m in names if m != n], "minimum_should_match": 1}}} for n in names]
    by_id = {q.signature: q for q in queries}
    for n, res in zip(names, _msearch(cluster, jobs, index, stats, progress, "finding overlapping signature filters")):
        by_id[n].overlaps = _hits_total(res) > 0


def label(q: SignatureQuery) -> None:
    """exact / estimated / sampled from the cluster's answers (see the module docstring)."""
    if not q.phrases or q.matched == 0:
        q.kind, q.factor = "sampled", 1.0
    elif q.matched == q.members and not q.overlaps:
        q.kind, q.factor = "exact", 1.0
    else:
        q.kind, q.factor = "estimated", q.members / q.matched


def _series(q: SignatureQuery, bucket: dict | None) -> pd.DataFrame:
    hist = ((bucket or {}).get("t") or {}).get("buckets") or []
    keys = np.array([int(b["key"]) for b in hist], dtype=np.int64)
    counts = np.array([float(b.get("doc_count") or 0) for b in hist], dtype=float) * q.factor
    keep = counts > 0
    return pd.DataFrame({
        "signature": pd.Series([q.signature] * int(keep.sum()), dtype=STR),
        "timestamp": pd.to_datetime(keys[keep], unit="ms", utc=True).astype("datetime64[ns, UTC]"),
        "count": np.rint(counts[keep]).astype(np.int64),
    })


def empty_counts() -> pd.DataFrame:
    return pd.DataFrame({"signature": pd.Series([], dtype=STR),
                         "timestamp": pd.Series([], dtype="datetime64[ns, UTC]"),
                         "count": pd.Series([], dtype=np.int64)})


def _member_ids(events: pd.DataFrame) -> dict[str, list[str]]:
    """Sampled document ids per signature (the ES source keeps _id in `fields`)."""
    out: dict[str, list[str]] = {}
    for sig, extra in zip(events["signature"].astype(object), events["fields"].astype(object)):
        try:
            doc_id = json.loads(extra).get("_id") if isinstance(extra, str) else None
        except ValueError:
            doc_id = None
        if doc_id is not None:
            out.setdefault(str(sig), []).append(str(doc_id))
    return out


def signature_counts(cluster: Cluster, index: str, events: pd.DataFrame, fields: Fields, clauses: list[dict],
                     buckets: Buckets, progress: Progress, report: LoadReport) -> tuple[SignatureCounts, CountStats]:
    """The whole path for a grouped sample: learn, refine, check, count. Labels every sampled signature."""
    stats = CountStats()
    queries = learn(events)
    codes = np.asarray(pd.Categorical(events["signature"].astype(object),
                                      categories=[q.signature for q in queries]).codes, dtype=np.int64)
    refine(queries, codes, local_matrix(events, queries))
    by_id, tf = {q.signature: q for q in queries}, text_fields(fields)
    filters = {q.signature: filter_of(q, by_id, tf) for q in queries if q.phrases}
    check_recall(cluster, index, queries, filters, _member_ids(events), stats, progress)
    results = count_all(cluster, index, queries, filters, fields, clauses, buckets, stats, progress)
    if stats.overlap:
        check_overlaps(cluster, index, queries, filters, clauses, stats, progress)
    frames = []
    for q in queries:
        label(q)
        if q.kind != "sampled":
            frames.append(_series(q, results.get(q.signature)))
    frames = [f for f in frames if len(f)]
    table = pd.concat(frames, ignore_index=True) if frames else empty_counts()
    counts = SignatureCounts(table=table, kinds={q.signature: q.kind for q in queries},
                             bucket=pd.Timedelta(seconds=buckets.seconds).to_pytimedelta(),
                             unmatched=stats.unmatched, requests=stats.queries, seconds=stats.seconds)
    report.notes.append(
        "signature counts from the cluster: " + ", ".join(f"{n:,} {k}" for k, n in counts.summary().items() if n)
        + f" ({stats.searches} searches in {stats.queries} requests, {stats.seconds:.1f} s)")
    if stats.unmatched:
        report.notes.append(f"{stats.unmatched:,} documents in range match none of the signatures learned "
                            f"from the sample (rarer signatures than the sample can see)")
    return counts, stats
