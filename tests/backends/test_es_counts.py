"""Per-signature counts made inside the cluster (filters + date_histogram) from a bounded sample.

osmem-server over real HTTP, with both official clients. Every document carries the number of
the template it was made from in `event.dataset` (a field the source keeps), so each count
labelled exact can be checked against what was indexed.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections import Counter

import pandas as pd
import pytest

from es_support import DEPLOY, Proxy, index_docs
from triage.analysis import analyze, timeline
from triage.note import NoteDraft, render_json, render_markdown
from triage.pipeline import load_incident
from triage.sources.elasticsearch import ElasticsearchSource
from triage.sources.elasticsearch.connect import ConnectionSettings

N_DOCS = 4000
MAX_DOCS = 800
SPAN = dt.timedelta(hours=1)
TEMPLATES = {
    "get": "GET /api/items/{n} 200 {ms}ms",
    "get_slow": "GET /api/items/{n} 200 {ms}ms timed out waiting for upstream",  # holds every word of "get"
    "login": "user u{n} logged in from 10.0.{a}.{b}",
    "cache": "cache miss for key user:{n}:profile",
    "new": "payment provider rejected card token tok{hex}",  # after the deploy only
    "gone": "legacy receipt renderer used for order {n}",  # before the deploy only
    "numbers": "{n} {ms} {hex}",  # no constant word: nothing to count with
}


def make_counted_docs(n: int = N_DOCS, seed: int = 3) -> list[dict]:
    rnd = random.Random(seed)
    start = DEPLOY - SPAN / 2
    docs = []
    for i in range(n):
        ts = start + SPAN * i / n
        after = ts >= DEPLOY
        if after and i % 9 == 0:
            name = "new"
        elif not after and i % 11 == 0:
            name = "gone"
        else:
            name = rnd.choice(["get", "get", "get", "get_slow", "login", "cache", "numbers"])
        values = dict(n=rnd.randint(1, 99999), ms=rnd.randint(1, 900), a=rnd.randint(0, 255),
                      b=rnd.randint(1, 254), hex=f"{rnd.getrandbits(40):010x}")
        docs.append({"@timestamp": ts.isoformat().replace("+00:00", "Z"), "message": TEMPLATES[name].format(**values),
                     "log": {"level": "ERROR" if name == "new" else "INFO"}, "service": {"name": "shop"},
                     "host": {"name": f"pod-{i % 3}"}, "event": {"dataset": name}})
    return docs


DOCS = make_counted_docs()


@pytest.fixture(scope="module")
def cluster(osmem_server):
    clone = osmem_server.clone()
    index_docs(clone.url, "logs-shop", DOCS)
    yield clone
    clone.close()


def source(url: str, **kw) -> ElasticsearchSource:
    flavor = kw.pop("flavor", "auto")
    return ElasticsearchSource(ConnectionSettings(urls=[url], flavor=flavor, timeout=30, retries=1), "logs-*",
                               max_docs=kw.pop("max_docs", MAX_DOCS), page_size=kw.pop("page_size", 400), **kw)


def truth(ev: pd.DataFrame) -> pd.Series:
    """The template name of every sampled event (from the kept `event.dataset` field)."""
    return ev["fields"].astype(object).map(lambda f: json.loads(f).get("event.dataset"))


def true_counts(name: str, lo: dt.datetime, hi: dt.datetime) -> int:
    return sum(1 for d in DOCS if d["event"]["dataset"] == name
               and lo <= dt.datetime.fromisoformat(d["@timestamp"].replace("Z", "+00:00")) < hi)


@pytest.fixture(scope="module")
def incident(cluster):
    return load_incident(source(cluster.url), deploy=DEPLOY, before=dt.timedelta(minutes=20),
                         after=dt.timedelta(minutes=20), margin=dt.timedelta(minutes=10))


def names_of(inc) -> dict[str, str]:
    """signature id -> the one template its sampled members came from."""
    ev = inc.events
    by_sig = pd.DataFrame({"sig": ev["signature"].astype(object), "truth": truth(ev)}).groupby("sig")["truth"]
    assert (by_sig.nunique() == 1).all(), "the test templates must group one to one"
    return by_sig.first().to_dict()


def test_exact_counts_match_what_was_indexed_while_downloading_a_sample(incident):
    inc = incident
    assert len(inc.events) <= 1.3 * MAX_DOCS  # a sample was downloaded, not the index
    assert inc.counts is not None and inc.report.estimated  # the events are a sample ...
    names = names_of(inc)
    kinds = {names[s]: k for s, k in inc.counts.kinds.items()}
    # ... yet every signature with constant words is counted exactly, nested ones included
    assert kinds == {"get": "exact", "get_slow": "exact", "login": "exact", "cache": "exact",
                     "new": "exact", "gone": "exact", "numbers": "sampled"}
    a = analyze(inc)
    sigs = a.signatures.assign(name=a.signatures["signature"].map(names)).set_index("name")
    lo, mid, hi = DEPLOY - dt.timedelta(minutes=20), DEPLOY, DEPLOY + dt.timedelta(minutes=20)
    for name, kind in kinds.items():
        row = sigs.loc[name]
        assert row["counts"] == kind
        if kind == "exact":
            assert (row["before"], row["after"]) == (true_counts(name, lo, mid), true_counts(name, mid, hi)), name
    assert sigs.loc["new", "status"] == "NEW" and sigs.loc["gone", "status"] == "GONE"
    # the sampled signature is scaled from the sample, as the label says
    sample_after = int(((truth(inc.events) == "numbers") & (inc.events["timestamp"] >= pd.Timestamp(mid))
                        & (inc.events["timestamp"] < pd.Timestamp(hi))).sum())
    assert sigs.loc["numbers", "after"] == int(sample_after * inc.report.scale)
    assert a.count_kinds == {"exact": 6, "estimated": 0, "sampled": 1}
    assert any("6 exact, 1 sampled" in w for w in a.warnings)


def test_other_windows_and_timelines_use_the_exact_per_minute_counts(incident):
    names = {v: k for k, v in names_of(incident).items()}
    a = analyze(incident, before=dt.timedelta(minutes=7), after=dt.timedelta(minutes=13))
    row = a.signatures.set_index("signature").loc[names["get_slow"]]
    assert row["before"] == true_counts("get_slow", DEPLOY - dt.timedelta(minutes=7), DEPLOY)
    assert row["after"] == true_counts("get_slow", DEPLOY, DEPLOY + dt.timedelta(minutes=13))
    lo, hi = DEPLOY - dt.timedelta(minutes=30), DEPLOY + dt.timedelta(minutes=30)
    counts, deploy_bin = timeline(incident, names["login"], bins=60, start=lo, end=hi - dt.timedelta(microseconds=1))
    per_minute = Counter(int((dt.datetime.fromisoformat(d["@timestamp"].replace("Z", "+00:00")) - lo).total_seconds() // 60)
                         for d in DOCS if d["event"]["dataset"] == "login")
    assert counts.tolist() == [per_minute.get(i, 0) for i in range(60)] and deploy_bin == 30


def test_labels_reach_the_note_and_the_json(incident):
    a = analyze(incident)
    draft = NoteDraft()
    doc = render_json(incident, a, draft)
    assert doc["count_kinds"] == {"exact": 6, "estimated": 0, "sampled": 1}
    assert {s["counts"] for s in doc["signatures"]} == {"exact", "sampled"}
    md = render_markdown(incident, a, draft)
    assert "6 exact, 1 sampled" in md


def test_elasticsearch_client_counts_the_same(cluster, incident):
    with Proxy(cluster.url, elasticsearch=True) as proxy:
        inc = load_incident(source(proxy.url, flavor="elasticsearch"), deploy=DEPLOY, before=dt.timedelta(minutes=20),
                            after=dt.timedelta(minutes=20), margin=dt.timedelta(minutes=10))
        searches = [line for line in proxy.lines() if "_msearch" in line or line.endswith("_search")]
    assert inc.counts is not None
    a, b = analyze(inc).signatures, analyze(incident).signatures
    cols = ["signature", "before", "after", "counts"]
    assert a[cols].sort_values("signature").values.tolist() == b[cols].sort_values("signature").values.tolist()
    assert len(searches) <= 8  # overview, totals, two checks and the count: a few requests, not a download


def test_sample_mode_keeps_the_scaled_estimates(cluster):
    inc = load_incident(source(cluster.url, count_in_cluster=False), deploy=DEPLOY)
    assert inc.counts is None
    a = analyze(inc)
    assert set(a.signatures["counts"]) == {"sampled"} and a.count_kinds["exact"] == 0


def test_whole_index_under_the_cap_is_exact_without_cluster_counting(cluster):
    inc = load_incident(source(cluster.url, max_docs=10_000), deploy=DEPLOY)
    assert inc.counts is None and len(inc.events) == N_DOCS
    assert set(analyze(inc).signatures["counts"]) == {"exact"}
