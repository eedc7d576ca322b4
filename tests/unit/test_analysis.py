"""Deltas and their judgement: statuses, ranking, outliers, metrics and the awkward cases."""

from datetime import timedelta

import numpy as np
import pandas as pd
import pytest

from analysis_support import DEPLOY, Log, row  # noqa: E402
from triage.analysis import (
    DIMENSION_COLUMNS,
    SIGNATURE_COLUMNS,
    analyze,
    classify,
    metric_timeline,
    signature_detail,
    timeline,
)
from triage.events import metrics_frame
from triage.metric_deltas import METRIC_DELTA_COLUMNS

# ---------------------------------------------------------------- classification boundaries

@pytest.mark.parametrize(
    "a,b,expected",
    [
        (3, 0, "STEADY"),  # p = 0.25: three events are not a new problem
        (8, 0, "NEW"),  # p = 2 * 0.5**8 < 0.05
        (0, 9, "STEADY"),  # significant, but only 9 expected after: may just be rare
        (0, 10, "GONE"),
        (1150, 1000, "STEADY"),  # significant but only +15%
        (200, 100, "SPIKE"),
        (40, 100, "DROP"),
        (12, 10, "STEADY"),
    ],
)
def test_classification_boundaries(a, b, expected):
    inc = Log().even("x", 1, -30, 30).incident()  # any comparable windows
    from triage.analysis import compare_counts, prepare, windows_for

    w = windows_for(prepare(inc), DEPLOY, timedelta(minutes=30), timedelta(minutes=30))
    res = compare_counts(np.array([a]), np.array([b]), w)
    assert res["status"][0] == expected


def test_classify_requires_fdr_significance():
    status = classify([8, 8], [0, 0], [0.2, 0.01], [0, 0])
    assert list(status) == ["STEADY", "NEW"]


def test_statuses_counts_rates_and_columns():
    log = Log().even("steady", 2, -30, 30).add("boom", 60, 0, 30).add("fixed", 40, -30, 0).add("rare", 2, -30, 0)
    a = analyze(log.incident())
    assert list(a.signatures.columns) == SIGNATURE_COLUMNS
    assert list(a.dimensions.columns) == DIMENSION_COLUMNS
    boom, fixed, rare, steady = (row(a, s) for s in ("boom", "fixed", "rare", "steady"))
    assert (boom["status"], boom["before"], boom["after"]) == ("NEW", 0, 60)
    assert boom["rate_after"] == pytest.approx(2.0) and np.isinf(boom["ratio"])
    assert fixed["status"] == "GONE" and fixed["after"] == 0
    assert rare["status"] == "STEADY"
    assert steady["status"] == "STEADY" and steady["ratio"] == pytest.approx(1.0)
    assert boom["ci_low"] > 1 and boom["q"] >= boom["p"]
    assert a.signatures["rank"].tolist() == list(range(1, len(a.signatures) + 1))


def test_errors_rank_before_bigger_info_changes():
    log = Log().add("info-spike", 600, 0, 30, level="info").add("info-spike", 100, -30, 0, level="info")
    log.add("err-new", 30, 0, 30).even("noise", 1, -30, 30, level="info")
    a = analyze(log.incident())
    top = a.signatures["signature"].tolist()
    assert top.index("err-new") < top.index("info-spike")
    assert row(a, "info-spike")["status"] == "SPIKE"


def test_custom_windows_change_the_result_without_reloading():
    log = Log().even("base", 1, -60, 60).add("late", 50, 40, 60)
    inc = log.incident()
    assert row(analyze(inc), "late")["after"] == 0
    wide = analyze(inc, after=timedelta(minutes=60))
    assert row(wide, "late")["status"] == "NEW"
    assert wide.after == timedelta(minutes=60)


def test_rates_use_each_window_length():
    log = Log().even("x", 2, -60, 15)
    a = analyze(log.incident(), before=timedelta(minutes=60), after=timedelta(minutes=15))
    r = row(a, "x")
    assert (r["before"], r["after"]) == (120, 30)
    assert r["rate_before"] == pytest.approx(2.0) and r["rate_after"] == pytest.approx(2.0)
    assert r["status"] == "STEADY"


# ---------------------------------------------------------------- services and hosts

def test_one_bad_host_stands_out_among_its_service_peers():
    log = Log()
    for h in ("w1", "w2", "w3"):
        log.even("ok", 10, -30, 30, level="info", service="web", host=h)
        log.add("err", 15, -30, 30, service="web", host=h)
    log.add("err", 120, 0, 30, service="web", host="w2")
    # a busy host in another service with a proportional error share is not an outlier
    log.even("ok", 40, -30, 30, level="info", service="db", host="d1")
    log.even("ok", 10, -30, 30, level="info", service="db", host="d2")
    log.add("dberr", 80, -30, 30, service="db", host="d1").add("dberr", 20, -30, 30, service="db", host="d2")
    a = analyze(log.incident())
    hosts = a.dimensions[(a.dimensions["dimension"] == "host") & (a.dimensions["measure"] == "errors")]
    flagged = set(hosts[hosts["outlier"]]["key"])
    assert flagged == {"w2"}
    w2 = hosts[hosts["key"] == "w2"].iloc[0]
    assert w2["status"] == "SPIKE"


def test_broken_service_and_http_rates():
    log = Log()
    log.even("req", 20, -30, 30, level="info", service="gateway", host="g1", status=200)
    log.add("bad-gw", 90, 0, 30, level=None, service="gateway", host="g1", status=502)
    log.add("nf", 30, -30, 30, level=None, service="gateway", host="g1", status=404)
    log.even("job", 5, -30, 30, level="info", service="worker", host="k1")
    log.add("pay", 200, 0, 30, service="payments", host="p1").even("pay-ok", 5, -30, 30, level="info", service="payments", host="p1")
    a = analyze(log.incident())
    d = a.dimensions
    five = d[(d["dimension"] == "overall") & (d["measure"] == "5xx")].iloc[0]
    assert (five["before"], five["after"], five["status"]) == (0, 90, "NEW")
    four = d[(d["dimension"] == "overall") & (d["measure"] == "4xx")].iloc[0]
    assert four["status"] == "STEADY"
    svc = d[(d["dimension"] == "service") & (d["measure"] == "errors")].set_index("key")
    assert svc.loc["payments", "outlier"] and svc.loc["payments", "status"] == "NEW"
    # a 5xx access line without a level counts as an error-level signature for ranking
    assert row(a, "bad-gw")["level"] == "error"


# ---------------------------------------------------------------- metrics

def _series(name, values_before, values_after, unit="ms"):
    n_b, n_a = len(values_before), len(values_after)
    ts = [DEPLOY + timedelta(minutes=m) for m in range(-n_b, n_a)]
    return metrics_frame({"timestamp": ts, "metric": [name] * (n_b + n_a),
                          "value": list(values_before) + list(values_after), "unit": [unit] * (n_b + n_a)})


def test_metric_shift_is_up_and_a_single_spike_is_not():
    rng = np.random.default_rng(3)
    shifted = _series("p95", 200 + rng.normal(0, 10, 30), 600 + rng.normal(0, 30, 30))
    after = 100 + rng.normal(0, 5, 30)
    after[7] = 50_000  # one wild point: the mean jumps, the rank test does not care
    spiky = _series("cpu", 100 + rng.normal(0, 5, 30), after, unit="%")
    steady = _series("mem", 500 + rng.normal(0, 5, 30), 500 + rng.normal(0, 5, 30), unit="MiB")
    metrics = pd.concat([shifted, spiky, steady], ignore_index=True)
    a = analyze(Log().even("x", 1, -30, 30).incident(metrics=metrics))
    assert list(a.metrics.columns) == METRIC_DELTA_COLUMNS
    m = a.metrics.set_index("metric")
    assert m.loc["p95", "status"] == "UP" and m.loc["p95", "change"] == pytest.approx(2.0, rel=0.1)
    assert m.loc["cpu", "change"] > 10 and m.loc["cpu", "status"] == "STEADY"
    assert m.loc["mem", "status"] == "STEADY"
    assert m.loc["p95", "after_p95"] > m.loc["p95", "after_mean"] * 0.99


def test_metrics_are_judged_even_without_logs():
    rng = np.random.default_rng(5)
    shifted = _series("p95", 200 + rng.normal(0, 10, 30), 600 + rng.normal(0, 30, 30))
    a = analyze(Log().incident(metrics=shifted))
    assert a.metrics.iloc[0]["status"] == "UP"
    few = _series("p95", [1.0, 2.0], [50.0, 60.0])  # two points a side: too few to call
    assert analyze(Log().incident(metrics=few)).metrics.iloc[0]["status"] == "STEADY"


# ---------------------------------------------------------------- bad input and edge cases

def test_no_events_at_all():
    a = analyze(Log().incident())
    assert a.signatures.empty and list(a.signatures.columns) == SIGNATURE_COLUMNS
    assert any("no events" in w for w in a.warnings)


def test_deploy_outside_the_data_calls_nothing():
    log = Log().add("late", 50, 120, 150)
    a = analyze(log.incident())
    assert any("outside the loaded data" in w for w in a.warnings)
    assert set(a.signatures["status"]) == {"STEADY"}


def test_empty_before_window_is_said_and_nothing_is_new():
    log = Log().even("x", 3, 0, 30).add("y", 40, 0, 30)
    a = analyze(log.incident())
    assert any("before window is empty" in w for w in a.warnings)
    assert set(a.signatures["status"]) == {"STEADY"}


def test_single_event():
    a = analyze(Log().add_at("one", 1.0).incident())
    assert len(a.signatures) == 1 and a.signatures.iloc[0]["status"] == "STEADY"


def test_no_errors_is_said():
    a = analyze(Log().even("hello", 2, -30, 30, level="info").incident())
    assert any("no error-level events" in w for w in a.warnings)


def test_partly_covered_window_uses_the_covered_length():
    # data starts 10 min before the deploy; same rate throughout: not a SPIKE
    log = Log().even("x", 3, -10, 30)
    a = analyze(log.incident())
    r = row(a, "x")
    assert r["status"] == "STEADY" and r["rate_before"] == pytest.approx(3.0, rel=0.02)
    assert any("partly covered" in w for w in a.warnings)


def test_events_without_time_are_counted_not_placed():
    inc = Log().even("x", 1, -30, 30).incident()
    inc.events.loc[0, "timestamp"] = pd.NaT
    a = analyze(inc)
    assert any("no timestamp" in w for w in a.warnings)
    assert row(a, "x")["before"] + row(a, "x")["after"] == 59


def test_clock_skew_between_files_is_flagged():
    log = Log().even("x", 1, -30, 30, source="a.log").even("y", 1, -30 + 300, 30 + 300, source="b.log")
    a = analyze(log.incident())
    assert any("b.log" in w and "skew" in w for w in a.warnings)


def test_estimated_counts_are_labelled():
    inc = Log().even("x", 1, -30, 30).incident()
    inc.report.estimated, inc.report.scale = True, 4.0
    a = analyze(inc)
    assert a.estimated and row(a, "x")["before"] == 120 and row(a, "x")["rate_before"] == pytest.approx(4.0)
    assert any("ESTIMATES" in w for w in a.warnings)


def test_estimated_counts_are_tested_on_the_sample_not_the_scaled_numbers():
    # 5 sampled events after, none before: p = 2 * 0.5**5 = 0.0625, not a finding;
    # scaled x10 it reads 50 vs 0, which an honest test must not believe
    inc = Log().add("x", 5, 0, 30).even("noise", 1, -30, 30, level="info").incident()
    inc.report.estimated, inc.report.scale = True, 10.0
    r = row(analyze(inc), "x")
    assert (r["before"], r["after"]) == (0, 50)
    assert r["p"] == pytest.approx(0.0625) and r["status"] == "STEADY"


# ---------------------------------------------------------------- timelines and detail

def test_timeline_counts_and_deploy_bin():
    log = Log().even("x", 1, -30, 30).add("y", 12, 0, 30)
    inc = log.incident()
    counts, dbin = timeline(inc, None, bins=6, start=DEPLOY - timedelta(minutes=30), end=DEPLOY + timedelta(minutes=30))
    assert counts.sum() == 72 and dbin == 3
    ycounts, _ = timeline(inc, "y", bins=6, start=DEPLOY - timedelta(minutes=30), end=DEPLOY + timedelta(minutes=30))
    assert ycounts[:3].sum() == 0 and ycounts.sum() == 12
    assert timeline(inc, "missing", bins=4)[0].sum() == 0


def test_metric_timeline_means_and_gaps():
    m = _series("lat", [10.0, 20.0], [30.0, 40.0])
    inc = Log().even("x", 1, -2, 2).incident(metrics=m)
    means, dbin = metric_timeline(inc, "lat", bins=8, start=DEPLOY - timedelta(minutes=2), end=DEPLOY + timedelta(minutes=2))
    assert np.nanmax(means) == 40.0 and np.isnan(means).sum() == 4 and dbin == 4


def test_metric_timeline_can_pick_one_series():
    a = _series("cpu", [10.0, 10.0], [10.0, 10.0])
    b = _series("cpu", [30.0, 30.0], [30.0, 30.0])
    a["dimensions"], b["dimensions"] = "host=a", "host=b"
    inc = Log().even("x", 1, -2, 2).incident(metrics=pd.concat([a, b], ignore_index=True))
    span = dict(bins=2, start=DEPLOY - timedelta(minutes=2), end=DEPLOY + timedelta(minutes=2))
    assert metric_timeline(inc, "cpu", **span)[0].tolist() == [20.0, 20.0]
    assert metric_timeline(inc, "cpu", dimensions="host=b", **span)[0].tolist() == [30.0, 30.0]


def test_signature_detail_samples_and_breakdowns():
    log = Log().add("e", 10, 0, 30, host="a").add("e", 5, 0, 30, host="b").add("e", 7, -30, 0, host="a")
    inc = log.incident()
    d = signature_detail(inc, "e", samples=3, start=DEPLOY, end=DEPLOY + timedelta(minutes=30))
    assert d.count == 22 and d.by_host == [("a", 17), ("b", 5)]
    assert len(d.samples) == 3 and all(s["timestamp"] >= pd.Timestamp(DEPLOY) for s in d.samples)
    assert [s["timestamp"] for s in d.samples] == sorted(s["timestamp"] for s in d.samples)
    assert signature_detail(inc, "nope").count == 0


def test_error_timeline_ignores_info_noise():
    log = Log().even("info", 5, -30, 30, level="info").add("err", 9, 0, 30).add("gw", 4, -30, 0, level=None, status=503)
    inc = log.incident()
    span = dict(start=DEPLOY - timedelta(minutes=30), end=DEPLOY + timedelta(minutes=30))
    errors, dbin = timeline(inc, None, bins=2, errors_only=True, **span)
    assert errors.tolist() == [4, 9] and dbin == 1


def test_level_ranks_take_the_level_else_the_http_status():
    """Rank per event from its level; without one, 5xx ranks as error, 4xx as warn, else unknown."""
    from triage.analysis import _level_ranks
    from triage.severity import LEVEL_RANK

    levels = pd.Series(["info", None, "ERROR", None, None, "warn", "fatal", None, "bogus"],
                       dtype=pd.ArrowDtype(__import__("pyarrow").string()))
    status = np.array([503, 502, np.nan, 404, 200, 500, 200, np.nan, 503])
    rank, is_error = _level_ranks(levels, status)
    want = [LEVEL_RANK["info"], LEVEL_RANK["error"], LEVEL_RANK["error"], LEVEL_RANK["warn"], -1,
            LEVEL_RANK["warn"], LEVEL_RANK["fatal"], -1, LEVEL_RANK["error"]]
    assert rank.tolist() == want
    assert is_error.tolist() == [False, False, True, False, False, False, True, False, False]


def test_first_rows_of_new_codes_by_running_maximum_and_by_scatter():
    from triage.analysis import _first_rows

    rng = np.random.default_rng(2)
    for _ in range(30):
        k_old = int(rng.integers(0, 5))
        k = k_old + int(rng.integers(1, 8))
        codes: list[int] = []
        for c in range(k_old, k):  # new codes numbered in order of first appearance, old ones and missing between
            codes.extend(int(x) for x in rng.integers(-1, k_old, int(rng.integers(0, 4))) if k_old or x < 0)
            codes.append(c)
            codes.extend(int(x) for x in rng.integers(k_old, c + 1, int(rng.integers(0, 4))))
        arr = np.array(codes, dtype=np.int64)
        want = [int(np.flatnonzero(arr == c)[0]) for c in range(k_old, k)]
        assert _first_rows(arr, k_old, k).tolist() == want
    # numbered out of order: the scatter still finds each first row
    codes = np.array([3, 2, 2, 3, 4], dtype=np.int64)
    assert _first_rows(codes, 2, 5).tolist() == [1, 0, 4]
