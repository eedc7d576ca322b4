"""The Elasticsearch/OpenSearch source against osmem-server over real HTTP, with both official clients."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest

from es_support import DEPLOY, Proxy, index_docs, make_docs, recorder
from triage.events import MAX_RAW_CHARS, Cancelled, Progress, SourceError
from triage.sources.elasticsearch import ElasticsearchSource
from triage.sources.elasticsearch.connect import ConnectionSettings

N_DOCS = 6000
START = DEPLOY - dt.timedelta(minutes=30)
END = DEPLOY + dt.timedelta(minutes=30)


@pytest.fixture(scope="module")
def cluster(osmem_server):
    """One clone holding the generated incident (logs-app) plus odd indices for mapping tests."""
    clone = osmem_server.clone()
    index_docs(clone.url, "logs-app", make_docs(N_DOCS))
    yield clone
    clone.close()


@pytest.fixture(scope="module")
def es_proxy(cluster):
    """The same cluster as elasticsearch-py sees Elasticsearch 9 (test-only adapter)."""
    with Proxy(cluster.url, elasticsearch=True) as proxy:
        yield proxy


def source(url: str, index: str = "logs-*", **kw) -> ElasticsearchSource:
    flavor = kw.pop("flavor", "auto")
    return ElasticsearchSource(ConnectionSettings(urls=[url], flavor=flavor, timeout=10, retries=2), index, **kw)


def test_opensearch_load_maps_ecs_fields(cluster):
    src = source(cluster.url)
    result = src.load(START, END, Progress())
    ev = result.events
    assert src.kind == "opensearch"
    assert len(ev) == N_DOCS
    assert str(ev["timestamp"].dtype) == "datetime64[ns, UTC]"
    assert ev["timestamp"].min() == pd.Timestamp(START) and ev["timestamp"].is_monotonic_increasing
    assert set(ev["level"].dropna()) == {"info", "error", "warn"}  # "warning"/"INFO"/"ERROR" normalised
    assert set(ev["service"]) == {"checkout", "payments", "search"}
    assert set(ev["source"]) == {"logs-app"}
    errors = ev[ev["level"] == "error"]
    assert len(errors) == N_DOCS // 2 // 10
    assert (errors["http_status"] == 503).all()
    # the stack trace is folded into the message so signatures can fingerprint it
    first = errors["message"].iloc[0]
    assert first.startswith("ConnectionError: mock-payments:") and 'File "payments/client.py", line 88' in first
    extra = json.loads(errors["fields"].iloc[0])
    assert extra["error.type"] == "ConnectionError" and len(extra["trace.id"]) == 16 and extra["_id"]
    assert json.loads(errors["raw"].iloc[0])["service"]["name"] == "payments"
    assert not result.report.partial and not result.report.estimated


def test_window_bounds_are_respected(cluster):
    result = source(cluster.url).load(DEPLOY, DEPLOY + dt.timedelta(minutes=10), Progress())
    ts = result.events["timestamp"]
    assert len(ts) == N_DOCS // 6
    assert ts.min() >= pd.Timestamp(DEPLOY) and ts.max() < pd.Timestamp(DEPLOY + dt.timedelta(minutes=10))


def test_elasticsearch_client_same_events_and_pit_closed(cluster, es_proxy):
    src = source(es_proxy.url, page_size=1000)
    result = src.load(START, END, Progress())
    assert src.kind == "elasticsearch"
    assert len(result.events) == N_DOCS
    lines = es_proxy.lines()
    assert any(line.startswith("POST /logs-*/_pit") for line in lines)
    assert lines[-1].startswith("DELETE /_pit")  # the point in time is closed at the end
    # elasticsearch-py really sent its compatibility media type
    assert any("compatible-with=9" in h.get("accept", "") for _, _, h in es_proxy.requests)
    ids = [json.loads(f)["_id"] for f in result.events["fields"]]
    assert len(set(ids)) == N_DOCS


def test_pages_with_tied_timestamps_have_no_gaps_or_duplicates(osmem_clone):
    stamp = "2026-03-04T14:00:00Z"
    docs = [{"@timestamp": stamp, "message": f"tie {i}"} for i in range(2300)]
    index_docs(osmem_clone.url, "ties", docs)
    seen, callback = recorder()
    result = source(osmem_clone.url, "ties", page_size=500).load(None, None, Progress(callback))
    assert sorted(result.events["message"]) == sorted(d["message"] for d in docs)
    done = [d for d, total, msg in seen if msg.startswith("fetched")]
    assert done == [500, 1000, 1500, 2000, 2300]  # progress after every page
    assert seen[-1][1] == 2300  # total known from the exact count


def test_sampling_over_cap_is_even_in_time_and_labelled(cluster):
    result = source(cluster.url, max_docs=1500, page_size=400).load(START, END, Progress())
    ev, report = result.events, result.report
    assert report.estimated and "ESTIMATES" in report.warning()
    assert 1100 < len(ev) < 1900  # ~1/4 of the documents
    assert report.scale == pytest.approx(N_DOCS / len(ev))
    before = (ev["timestamp"] < pd.Timestamp(DEPLOY)).sum()
    assert abs(before / len(ev) - 0.5) < 0.06  # even over both windows
    # scaled counts estimate the real ones; the NEW error is still seen
    est_errors = (ev["level"] == "error").sum() * report.scale
    assert est_errors == pytest.approx(N_DOCS // 20, rel=0.3)
    # exact totals per bucket come from aggregations, unaffected by sampling
    m = result.metrics
    total = m[(m["metric"] == "log events") & (m["dimensions"] == "")]
    assert total["value"].sum() == pytest.approx(N_DOCS)  # 1-minute buckets, per-minute values
    err = m[(m["metric"] == "log events") & (m["dimensions"] == "level=error")]
    assert err["value"].sum() == pytest.approx(N_DOCS // 20)
    assert err[err["timestamp"] < pd.Timestamp(DEPLOY)]["value"].sum() == 0
    five = m[m["metric"] == "http 5xx"]
    assert five["value"].sum() == pytest.approx(N_DOCS // 20)
    pay = m[(m["metric"] == "log events") & (m["dimensions"] == "service=payments")]
    expected = sum(d["service"]["name"] == "payments" for d in make_docs(N_DOCS))
    assert pay["value"].sum() == pytest.approx(expected)
    assert {f"host={h}" for h in ("pod-1", "pod-2", "pod-3")} <= set(m["dimensions"])


def test_sample_is_repeatable(cluster):
    a = source(cluster.url, max_docs=800).load(START, END, Progress()).events
    b = source(cluster.url, max_docs=800).load(START, END, Progress()).events
    assert list(a["fields"]) == list(b["fields"])


def test_query_string_and_filters(cluster):
    r = source(cluster.url, query="log.level:ERROR").load(START, END, Progress())
    assert len(r.events) == N_DOCS // 20 and set(r.events["level"]) == {"error"}
    r = source(cluster.url, filters=[("service.name", ["checkout", "search"])]).load(START, END, Progress())
    assert set(r.events["service"]) == {"checkout", "search"}
    assert len(r.events) == sum(d["service"]["name"] != "payments" for d in make_docs(N_DOCS))
    both = source(cluster.url, query="message:KeyError", filters=[("log.level", ["warning"])])
    r = both.load(START, END, Progress())
    assert len(r.events) == N_DOCS // 2 // 20 and r.events["message"].str.startswith("KeyError").all()


def test_field_overrides_and_fallbacks_on_dynamic_mapping(osmem_clone):
    docs = [{"ts": f"2026-03-04T14:{i % 60:02d}:00Z", "created": "2026-01-01T00:00:00Z", "msg": f"boom {i}",
             "severity": "err" if i % 2 else "notice", "app": "billing", "hostname": f"vm-{i % 2}",
             "status": "502" if i % 2 else "200"} for i in range(120)]
    index_docs(osmem_clone.url, "custom", docs, mapping=None)  # dynamic: strings become text + .keyword
    with pytest.raises(SourceError) as err:
        source(osmem_clone.url, "custom").load(None, None, Progress())
    assert "timestamp" in str(err.value) and "--es-field timestamp=" in err.value.hint
    assert "created" in err.value.hint and "ts" in err.value.hint  # date fields it could use
    src = source(osmem_clone.url, "custom", field_overrides={"timestamp": "ts", "level": "severity"})
    r = src.load(None, None, Progress())
    ev = r.events
    assert len(ev) == 120 and ev["message"].str.startswith("boom").all()  # "msg" fallback
    assert (ev["level"] == "error").sum() == 60 and (ev["level"] == "info").sum() == 60
    assert set(ev["service"]) == {"billing"} and set(ev["host"]) == {"vm-0", "vm-1"}
    assert (ev["http_status"] == 502).sum() == 60
    levels = r.metrics[r.metrics["dimensions"].str.startswith("level=")]
    assert set(levels["dimensions"]) == {"level=error", "level=info"}  # aggregated on severity.keyword
    assert r.metrics[r.metrics["metric"] == "http 5xx"]["value"].sum() == 60  # string statuses classified


def test_numeric_metric_field_mean_and_p95(osmem_clone):
    rows = [{"@timestamp": f"2026-03-04T14:00:{s:02d}Z", "system": {"cpu": {"total": {"norm": {"pct": v}}}}}
            for s, v in enumerate(np.linspace(0, 1, 60))]
    rows += [{"@timestamp": "2026-03-04T14:00:30Z", "message": "hello"}]
    index_docs(osmem_clone.url, "metricbeat-1", rows[:60], mapping=None)
    index_docs(osmem_clone.url, "logs-x", rows[60:], mapping=None)
    src = source(osmem_clone.url, "logs-x", metrics=["system.cpu.total.norm.pct@metricbeat-*", "no.such.field"])
    r = src.load(DEPLOY, DEPLOY + dt.timedelta(minutes=2), Progress())
    m = r.metrics
    mean = m[m["metric"] == "system.cpu.total.norm.pct"]
    p95 = m[m["metric"] == "system.cpu.total.norm.pct p95"]
    assert list(mean["value"]) == pytest.approx([0.5])
    assert p95["value"].iloc[0] == pytest.approx(0.95, abs=0.02)
    assert set(mean["unit"]) == {"ratio"}
    assert any("no.such.field" in n for n in r.report.notes)


def test_index_not_found_and_bad_query(cluster):
    with pytest.raises(SourceError) as err:
        source(cluster.url, "nope-*").load(START, END, Progress())
    assert "nope-*" in str(err.value) and "--index" in err.value.hint
    with pytest.raises(SourceError) as err:
        source(cluster.url, query="message:((").load(START, END, Progress())
    assert "400" in str(err.value) and "--query" in err.value.hint


def test_cancel_keeps_partial_and_closes_pit(cluster, es_proxy):
    progress = Progress()

    def on_progress(done, total, message):
        if done >= 1000:
            progress.cancel()

    progress._callback = on_progress
    before = len(es_proxy.requests)
    with pytest.raises(Cancelled) as exc:
        source(es_proxy.url, page_size=1000).load(START, END, progress)
    partial = exc.value.partial
    assert partial is not None and len(partial.events) == 1000 and partial.report.partial
    lines = es_proxy.lines()[before:]
    assert sum(line.startswith("POST /_search") for line in lines) == 1  # no page after the cancel
    assert lines[-1].startswith("DELETE /_pit")


def test_signatures_find_the_new_error(cluster):
    from triage.signatures import add_signatures

    ev = add_signatures(source(cluster.url).load(START, END, Progress()).events)
    after = ev["timestamp"] >= pd.Timestamp(DEPLOY)
    new = set(ev.loc[after, "signature"]) - set(ev.loc[~after, "signature"])
    gone = set(ev.loc[~after, "signature"]) - set(ev.loc[after, "signature"])
    templates = ev.drop_duplicates("signature").set_index("signature")["template"]
    assert any("ConnectionError" in templates[s] for s in new)
    assert any("KeyError" in templates[s] for s in gone)
    conn = ev[ev["message"].str.startswith("ConnectionError")]
    assert conn["signature"].nunique() == 1  # port numbers masked: one signature


def test_raw_lines_without_level_field_get_their_headers_parsed(osmem_clone):
    docs = [{"@timestamp": "2026-03-04T14:00:01Z", "message": "2026-03-04 14:00:01,123 ERROR [payments] charge failed"},
            {"@timestamp": "2026-03-04T14:00:02Z", "message": '{"level":"warn","msg":"slow query","service":"db"}'},
            {"@timestamp": "2026-03-04T14:00:03Z", "message": "plain words", "host": {"name": "vm-9"}}]
    index_docs(osmem_clone.url, "filebeat-raw", docs, mapping=None)
    ev = source(osmem_clone.url, "filebeat-*").load(None, None, Progress()).events
    assert list(ev["level"].fillna("-")) == ["error", "warn", "-"]
    assert list(ev["service"].fillna("-")) == ["payments", "db", "-"]
    assert list(ev["message"]) == ["charge failed", "slow query", "plain words"]
    assert list(ev["host"].fillna("-")) == ["-", "-", "vm-9"]
    assert ev["timestamp"].iloc[0] == pd.Timestamp("2026-03-04T14:00:01Z")  # the document's time wins


def test_untrusted_text_stays_inert_and_bounded(osmem_clone):
    nasty = "[bold red]boom[/] \x1b[31mred\x1b[0m \x00\x07 tab\tend"
    docs = [{"@timestamp": "2026-03-04T14:00:00Z", "message": nasty, "log": {"level": "error"}},
            {"@timestamp": "2026-03-04T14:00:01Z", "message": "x" * 2_000_000, "log": {"level": "info"}}]
    index_docs(osmem_clone.url, "nasty", docs)
    ev = source(osmem_clone.url, "nasty").load(None, None, Progress()).events
    assert ev["message"].iloc[0] == nasty  # kept verbatim: display code escapes it
    assert len(ev["message"].iloc[1]) == MAX_RAW_CHARS and len(ev["raw"].iloc[1]) == MAX_RAW_CHARS


def test_lone_surrogates_from_json_are_repaired_and_counted():
    from triage.sources.elasticsearch.query import Fields, hits_to_frame

    fields = Fields(read={"timestamp": ["@timestamp"], "message": ["message"], "level": ["log.level"],
                          "service": [], "host": [], "http_status": [], "error_type": [], "stack_trace": []}, agg={})
    hits = [json.loads('{"_id": "1", "_index": "i", "sort": [1772632800000], '
                       '"_source": {"message": "bad \\ud800 byte", "log": {"level": "ERROR"}}}'),
            {"_id": "2", "_index": "i", "sort": [1772632801000], "_source": {"log": {"level": "info"}}}]
    frame, skipped = hits_to_frame(hits, fields)
    assert list(frame["message"]) == ["bad ? byte"]
    assert skipped == {"documents without a message": 1, "invalid UTF-8 (replaced)": 1}
    assert frame["timestamp"].iloc[0] == pd.Timestamp("2026-03-04T14:00:00Z")
