"""What to ask the cluster: field mapping (ECS defaults), filters, and the paged document fetch.

Documents come through a point in time + `search_after` in bounded pages and are turned
into event-table columns page by page, so only the compact table grows, never the JSON.
Above the cap, a server-side uniform random sample (`random_score` + `min_score`) keeps the
fetch even over time; counts are then scaled by total/fetched.
"""

from __future__ import annotations

import json
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from triage.events import MAX_RAW_CHARS, LoadReport, Progress, SourceError, empty_events, events_frame
from triage.parsing.levels import normalise_levels
from triage.sources.elasticsearch.connect import Cluster, EsError

ECS_DEFAULTS = {
    "timestamp": "@timestamp",
    "message": "message",
    "level": "log.level",
    "service": "service.name",
    "host": "host.name",
    "http_status": "http.response.status_code",
    "error_type": "error.type",
    "stack_trace": "error.stack_trace",
}
"""Logical field -> ECS field. Override with --es-field NAME=FIELD."""

FALLBACKS = {
    "timestamp": ("timestamp", "time", "@t", "date"),
    "message": ("msg", "error.message", "event.original", "log"),
    "level": ("level", "severity", "loglevel", "log_level", "levelname"),
    "service": ("service", "app", "application", "kubernetes.container.name", "container.name"),
    "host": ("host.hostname", "hostname", "host", "kubernetes.pod.name", "agent.hostname"),
    "http_status": ("status", "status_code", "http.status_code", "response.status", "statusCode"),
    "error_type": ("error.kind", "exception.type"),
    "stack_trace": ("error.stack", "exception.stacktrace", "stack_trace", "stack"),
}
"""Common non-ECS spellings tried, in order, when the ECS field is absent from the mapping."""

EXTRA_FIELDS = ("trace.id", "transaction.id", "span.id", "url.path", "http.request.method",
                "event.dataset", "log.logger", "container.name", "kubernetes.namespace", "user_agent.original")
"""Kept in the `fields` JSON column when present: handy context, cheap to fetch."""

AGG_FIELDS = ("level", "service", "host", "http_status")
_NON_LEAF = {"object", "nested", "alias", "unmapped"}
_NUMERIC = {"long", "integer", "short", "byte", "double", "float", "half_float", "scaled_float", "unsigned_long"}
_SENTINELS = (np.iinfo(np.int64).max, np.iinfo(np.int64).min)
FILTER_PATH = ("pit_id,hits.total,hits.hits._id,hits.hits._index,hits.hits._source,hits.hits.sort,"
               "_shards.failed,_shards.failures,timed_out")


@dataclass
class Fields:
    """The mapping resolved against the real index: which source paths to read, which to aggregate on."""

    read: dict[str, list[str]]
    agg: dict[str, str | None]
    timestamp_nanos: bool = False
    status_numeric: bool = False  # range aggregation possible; else terms on the keyword status
    extras: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def timestamp(self) -> str:
        return self.read["timestamp"][0]

    def source_includes(self) -> list[str]:
        paths = [p for name, ps in self.read.items() if name != "timestamp" for p in ps]
        return sorted(set(paths + self.extras + [self.timestamp]))


def parse_field_overrides(pairs: list[str] | None) -> dict[str, str]:
    """--es-field NAME=FIELD pairs -> {name: field}; unknown names are a clear error."""
    out = {}
    for pair in pairs or []:
        name, sep, value = pair.partition("=")
        name = name.strip().replace("-", "_")
        if name == "status":
            name = "http_status"
        if not sep or not value.strip() or name not in ECS_DEFAULTS:
            raise SourceError(f"bad --es-field {pair!r}",
                              "use NAME=FIELD with NAME one of " + ", ".join(ECS_DEFAULTS))
        out[name] = value.strip()
    return out


def resolve_fields(cluster: Cluster, index: str, overrides: dict[str, str]) -> Fields:
    """Check the mapping (field_caps) once: pick existing fields, keyword variants for aggregations."""
    wanted = {name: [overrides[name]] if name in overrides else [ECS_DEFAULTS[name], *FALLBACKS[name]]
              for name in ECS_DEFAULTS}
    names = {f for fs in wanted.values() for f in fs} | set(EXTRA_FIELDS)
    names |= {f + ".keyword" for f in names}
    caps = cluster.field_caps(index, sorted(names))
    if not caps.get("indices"):
        raise EsError(f"no index matches {index!r}",
                      "check --index; wildcards like logs-* match only existing indices, see GET _cat/indices")
    types = {name: set(t) for name, t in (caps.get("fields") or {}).items()}
    aggregatable = {name for name, t in (caps.get("fields") or {}).items()
                    if all(v.get("aggregatable") for v in t.values())}
    read = {name: [f for f in cands if types.get(f, set()) - _NON_LEAF] for name, cands in wanted.items()}
    fields = Fields(read=read, agg={}, extras=[f for f in EXTRA_FIELDS if f in types])
    _check_timestamp(cluster, index, fields, types, overrides)
    for name in AGG_FIELDS:
        fields.agg[name] = _agg_field(read[name], aggregatable)
    status = fields.agg.get("http_status")
    fields.status_numeric = bool(status) and bool(types.get(status, set()) & _NUMERIC)
    for name, value in overrides.items():
        if not read[name] and name != "timestamp":
            read[name] = [value]  # maybe a runtime field; read it anyway
            fields.notes.append(f"field {value!r} (for {name}) is not in the mapping of {index}")
    return fields


def _check_timestamp(cluster: Cluster, index: str, fields: Fields, types: dict, overrides: dict) -> None:
    dated = [f for f in fields.read["timestamp"] if types[f] & {"date", "date_nanos"}]
    if not dated:
        found = _date_fields(cluster, index)
        named = overrides.get("timestamp", ECS_DEFAULTS["timestamp"])
        hint = ("pass --es-field timestamp=FIELD; date fields in the mapping: " + ", ".join(found)) if found \
            else "the index has no date field; triage needs a timestamp to place events around the deploy"
        raise EsError(f"no timestamp field {named!r} (date type) in the mapping of {index}", hint)
    fields.read["timestamp"] = dated[:1]
    fields.timestamp_nanos = types[dated[0]] == {"date_nanos"}


def _date_fields(cluster: Cluster, index: str) -> list[str]:
    try:
        caps = cluster.field_caps(index, ["*"])
    except SourceError:
        return []
    return sorted(n for n, t in (caps.get("fields") or {}).items()
                  if set(t) & {"date", "date_nanos"} and not n.startswith("_"))[:10]


def _agg_field(candidates: list[str], aggregatable: set[str]) -> str | None:
    for f in candidates:
        if f in aggregatable:
            return f
        if f + ".keyword" in aggregatable:
            return f + ".keyword"
    return None


def parse_filters(pairs: list[str] | None) -> list[tuple[str, list[str]]]:
    """--es-filter FIELD=VALUE[,VALUE...] pairs."""
    out = []
    for pair in pairs or []:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise SourceError(f"bad --es-filter {pair!r}", "use FIELD=VALUE or FIELD=V1,V2 (any of)")
        out.append((name.strip(), [v.strip() for v in value.split(",") if v.strip()]))
    return out


def build_filters(ts_field: str, start: datetime | None, end: datetime | None, query: str | None,
                  filters: list[tuple[str, list[str]]]) -> list[dict]:
    """Filter clauses (no scoring): time range, Lucene query string, field=value filters."""
    clauses: list[dict] = []
    rng: dict[str, Any] = {"format": "epoch_millis"}
    if start is not None:
        rng["gte"] = int(start.timestamp() * 1000)
    if end is not None:
        rng["lt"] = int(end.timestamp() * 1000)
    if len(rng) > 1:
        clauses.append({"range": {ts_field: rng}})
    if query and query.strip() not in ("", "*"):
        clauses.append({"query_string": {"query": query, "analyze_wildcard": True}})
    for name, values in filters:
        # match_phrase works on keyword and text fields alike
        should = [{"match_phrase": {name: v}} for v in values]
        clauses.append(should[0] if len(should) == 1 else {"bool": {"should": should, "minimum_should_match": 1}})
    return clauses


def sampled_query(clauses: list[dict], fraction: float, seed: int = 20240601) -> dict:
    """Keep a uniform random `fraction` of matching documents, decided by the cluster.

    random_score is uniform in [0, 1); min_score drops documents below 1 - fraction.
    The seed makes the sample repeatable across reloads.
    """
    return {"function_score": {
        "query": {"bool": {"filter": clauses}},
        "random_score": {"seed": seed, "field": "_seq_no"},
        "boost_mode": "replace",
        "min_score": max(0.0, 1.0 - fraction),
    }}


def overview(cluster: Cluster, index: str, fields: Fields, clauses: list[dict]) -> tuple[int, int | None, int | None]:
    """(exact matching documents, first and last timestamp in epoch ms)."""
    body = {"size": 0, "track_total_hits": True, "query": {"bool": {"filter": clauses}},
            "aggs": {"first": {"min": {"field": fields.timestamp}}, "last": {"max": {"field": fields.timestamp}}}}
    res = cluster.search(body, index=index, what="counting documents")
    total = _total(res)
    aggs = res.get("aggregations") or {}
    first = (aggs.get("first") or {}).get("value")
    last = (aggs.get("last") or {}).get("value")
    return total, None if first is None else int(first), None if last is None else int(last)


def _total(res: dict) -> int:
    t = (res.get("hits") or {}).get("total")
    if isinstance(t, dict):
        return int(t.get("value", 0))
    return int(t or 0)


@dataclass
class FetchPlan:
    index: str
    query: dict
    fields: Fields
    expected: int
    page_size: int = 5000
    keep_alive: str = "2m"


def fetch_events(cluster: Cluster, plan: FetchPlan, progress: Progress,
                 report: LoadReport) -> tuple[pd.DataFrame, bool]:
    """Page through all matching documents -> (event table, cancelled).

    On a mid-way failure what arrived is kept and the report marked partial; SourceError
    only when nothing could be fetched at all. The point in time is always closed.
    """
    pager = _Pager(cluster, plan, progress, report)
    try:
        cancelled = pager.run()
    finally:
        pager.close()
    return pager.table(), cancelled


class _Pager:
    def __init__(self, cluster: Cluster, plan: FetchPlan, progress: Progress, report: LoadReport):
        self.cluster, self.plan, self.progress, self.report = cluster, plan, progress, report
        self.frames: list[pd.DataFrame] = []
        self.fetched = 0
        self.pit: str | None = None
        self.tiebreak = True
        # Converting a page overlaps fetching the next; at most one page waits, so memory stays bounded.
        self.converter = ThreadPoolExecutor(max_workers=1, thread_name_prefix="es-convert")
        self.pending: Future | None = None

    def run(self) -> bool:
        """Fetch every page; True when the user cancelled."""
        self._open_pit()
        after = None
        while True:
            if self.progress.cancelled:
                self.report.partial = True
                self.report.notes.append(f"cancelled after {self.fetched:,} documents")
                return True
            try:
                res = self._page(after)
            except SourceError as exc:
                if self.progress.cancelled:  # cancelled while backing off
                    self.report.partial = True
                    return True
                if not self.fetched:
                    raise
                self.report.partial = True
                self.report.notes.append(f"stopped after {self.fetched:,} of ~{self.plan.expected:,} documents: {exc}")
                return False
            hits = (res.get("hits") or {}).get("hits") or []
            self._shard_failures(res)
            if not hits:
                return False
            self._take(hits)
            after = hits[-1].get("sort")
            if len(hits) < self.plan.page_size or after is None:
                return False

    def _open_pit(self) -> None:
        try:
            self.pit = self.cluster.open_pit(self.plan.index, self.plan.keep_alive)
        except EsError as exc:
            if exc.failure is None or exc.failure.status not in (400, 403, 404, 405, 501):
                raise
            self.report.notes.append("point in time unavailable on this cluster; paged without it "
                                     "(documents arriving meanwhile may shift pages)")

    def _page(self, after: list | None) -> dict:
        body = self._body(after)
        index = None if self.pit else self.plan.index
        try:
            res = self.cluster.search(body, index=index, filter_path=FILTER_PATH, progress=self.progress,
                                      what="fetching documents")
        except EsError as exc:
            f = exc.failure
            if not (self.tiebreak and f is not None and f.status == 400 and "_shard_doc" in (f.reason + str(exc))):
                raise
            self.tiebreak = False  # older OpenSearch: PIT without the _shard_doc sort field
            res = self.cluster.search(self._body(after), index=index, filter_path=FILTER_PATH,
                                      progress=self.progress, what="fetching documents")
        if self.pit and res.get("pit_id"):
            self.pit = res["pit_id"]
        return res

    def _body(self, after: list | None) -> dict:
        ts = self.plan.fields.timestamp
        sort: list[Any] = [{ts: {"order": "asc"}}]
        if self.pit and self.tiebreak:
            sort.append({"_shard_doc": "asc"})
        body: dict[str, Any] = {
            "size": self.plan.page_size,
            "query": self.plan.query,
            "sort": sort,
            "_source": {"includes": self.plan.fields.source_includes()},
            "track_total_hits": False,
        }
        if self.pit:
            body["pit"] = {"id": self.pit, "keep_alive": self.plan.keep_alive}
        if after is not None:
            body["search_after"] = after
        return body

    def _shard_failures(self, res: dict) -> None:
        failed = (res.get("_shards") or {}).get("failed") or 0
        if failed or res.get("timed_out"):
            self.report.partial = True
            msg = f"{failed} shard(s) failed" if failed else "the cluster timed out on a page"
            if msg not in self.report.notes:
                self.report.notes.append(msg)

    def _take(self, hits: list[dict]) -> None:
        self._collect()
        self.pending = self.converter.submit(hits_to_frame, hits, self.plan.fields,
                                             nanos=self.plan.fields.timestamp_nanos)
        self.fetched += len(hits)
        total = max(self.plan.expected, self.fetched)
        self.progress.update(done=self.fetched, total=total,
                             message=f"fetched {self.fetched:,} of ~{total:,} documents")

    def _collect(self) -> None:
        if self.pending is not None:
            frame, skipped = self.pending.result()
            self.pending = None
            for reason, n in skipped.items():
                self.report.skip(reason, n)
            self.frames.append(frame)

    def close(self) -> None:
        if self.pit:
            self.cluster.close_pit(self.pit)
            self.pit = None
        try:
            self._collect()
        finally:
            self.converter.shutdown(wait=True)

    def table(self) -> pd.DataFrame:
        if not self.frames:
            return empty_events()
        table = pd.concat(self.frames, ignore_index=True) if len(self.frames) > 1 else self.frames[0]
        self.frames = []
        return table


def get_path(doc: Any, path: str) -> Any:
    """A dotted field from _source, which may be nested ({"log": {"level": ..}}) or flat ({"log.level": ..})."""
    if not isinstance(doc, dict):
        return None
    if path in doc:
        return doc[path]
    node: Any = doc
    for part in path.split("."):  # fast path: fully nested
        if not isinstance(node, dict) or part not in node:
            break
        node = node[part]
    else:
        return node
    return _mixed_path(doc, path)


def _mixed_path(doc: Any, path: str) -> Any:
    """Slow path for partly flattened keys ({"http": {"response.status_code": ..}})."""
    if not isinstance(doc, dict):
        return None
    if path in doc:
        return doc[path]
    head, dot, rest = path.partition(".")
    while dot:
        if head in doc:
            found = _mixed_path(doc[head], rest)
            if found is not None:
                return found
        nxt, dot, rest = rest.partition(".")
        head = f"{head}.{nxt}"
    return None


def _first(doc: dict, paths: list[str]) -> Any:
    for p in paths:
        v = get_path(doc, p)
        if isinstance(v, list):
            v = v[0] if len(v) == 1 else (" ".join(map(str, v)) if v else None)
        if v is not None and v != "":
            return v
    return None


def _text(v: Any) -> str | None:
    if v is None:
        return None
    return v if isinstance(v, str) else json.dumps(v, ensure_ascii=False, default=str)


def _status(v: Any) -> int | None:
    try:
        n = int(v)
    except (TypeError, ValueError):
        return None
    return n if 100 <= n <= 999 else None


def _message(msg: str | None, error_type: str | None, stack: str | None) -> str | None:
    """Message plus stack trace (so signatures can fingerprint it), or the error type alone."""
    if stack:
        if not msg or stack.startswith(msg.split("\n", 1)[0]):
            msg = stack
        elif msg not in stack:
            msg = f"{msg}\n{stack}"
    if not msg and error_type:
        msg = error_type
    return msg[:MAX_RAW_CHARS] if msg else None


def hits_to_frame(hits: list[dict], fields: Fields, *, nanos: bool = False) -> tuple[pd.DataFrame, dict[str, int]]:
    """One page of hits -> (event table rows, {skip or repair reason: count})."""
    r = fields.read
    cols: dict[str, list] = {k: [] for k in ("ts", "level", "service", "host", "message", "http_status",
                                             "fields", "raw", "source")}
    skipped = {"documents without a message": 0}
    for h in hits:
        src = h.get("_source") or {}
        message = _message(_text(_first(src, r["message"])), _text(_first(src, r["error_type"])),
                           _text(_first(src, r["stack_trace"])))
        if message is None:
            skipped["documents without a message"] += 1
            continue
        sort = h.get("sort") or [None]
        cols["ts"].append(sort[0])
        cols["level"].append(_text(_first(src, r["level"])))
        cols["service"].append(_text(_first(src, r["service"])))
        cols["host"].append(_text(_first(src, r["host"])))
        cols["message"].append(message)
        cols["http_status"].append(_status(_first(src, r["http_status"])))
        cols["fields"].append(_extras(h, src, fields))
        cols["raw"].append(json.dumps(src, ensure_ascii=False, default=str)[:MAX_RAW_CHARS])
        cols["source"].append(h.get("_index"))
    skipped["invalid UTF-8 (replaced)"] = _repair_surrogates(cols)
    if not fields.read["level"]:
        _headers_from_messages(cols)
    frame = events_frame({
        "timestamp": _timestamps(cols["ts"], nanos),
        "level": normalise_levels(cols["level"]),
        "service": cols["service"], "host": cols["host"], "message": cols["message"],
        "http_status": pd.array(cols["http_status"], dtype="Int16"),
        "fields": cols["fields"], "raw": cols["raw"], "source": cols["source"],
    })
    return frame, skipped


def _repair_surrogates(cols: dict[str, list]) -> int:
    """JSON may carry lone surrogates (\\ud800) that Arrow cannot store: replace them, count the documents."""
    bad: set[int] = set()
    for name in ("level", "service", "host", "message", "fields", "raw", "source"):
        values = cols[name]
        for i, v in enumerate(values):
            if v is not None and not v.isascii():
                try:
                    v.encode("utf-8")
                except UnicodeEncodeError:
                    values[i] = v.encode("utf-8", "replace").decode("utf-8")
                    bad.add(i)
    return len(bad)


def _headers_from_messages(cols: dict[str, list]) -> None:
    """No level field in the mapping: the messages are probably raw lines ("... ERROR [svc] text").

    Let the line-shape parser read their headers; document fields still win where present.
    """
    from triage.parsing.lineshape import parse_messages

    if not cols["message"]:
        return
    parsed = parse_messages(cols["message"], source="-")
    cols["message"] = parsed["message"].fillna("").tolist()
    for name in ("level", "service", "host", "http_status"):
        found = parsed[name].tolist()
        cols[name] = [mine if mine is not None else (None if pd.isna(theirs) else theirs)
                      for mine, theirs in zip(cols[name], found)]


def _extras(hit: dict, src: dict, fields: Fields) -> str:
    extra: dict[str, Any] = {"_id": hit.get("_id")}
    for name in [*fields.extras, *fields.read["error_type"][:1]]:
        v = get_path(src, name)
        if v is not None:
            extra[name] = v
    return json.dumps(extra, ensure_ascii=False, separators=(",", ":"), default=str)


def _timestamps(values: list, nanos: bool) -> pd.Series:
    """Sort values are epoch ms (ns for date_nanos); missing timestamps sort as int64 extremes."""
    arr = np.array([v if isinstance(v, (int, float)) else _SENTINELS[0] for v in values], dtype=np.int64)
    bad = np.isin(arr, _SENTINELS)
    arr[bad] = 0
    stamps = pd.to_datetime(arr, unit="ns" if nanos else "ms", utc=True)
    return pd.Series(stamps).mask(bad)
