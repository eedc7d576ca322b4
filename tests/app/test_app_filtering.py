"""The app's pure helpers: filter language, sorting, per-signature time bins, metric series bins."""

from datetime import datetime, timedelta, timezone

import numpy as np
import pandas as pd

from triage.app.filtering import apply_filter, parse_filter, sort_rows
from triage.app.spark import sparkline
from triage.app.timelines import SignatureRows, TimelineIndex, metric_series_bins
from triage.events import events_frame, metrics_frame

T0 = datetime(2026, 11, 26, 14, 0, tzinfo=timezone.utc)

ROWS = pd.DataFrame({
    "rank": [1, 2, 3, 4],
    "signature": ["aa11", "bb22", "cc33", "dd44"],
    "template": ["Connection refused to <IP>", "GET /health <NUM>", "pool exhausted after <DUR>", "KeyError: <*>"],
    "level": ["error", "info", "warn", None],
    "status": ["NEW", "STEADY", "SPIKE", "GONE"],
    "before": [0, 300, 40, 90],
    "after": [1200, 310, 380, 0],
    "rate_after": [40.0, 10.3, 12.6, 0.0],
    "ratio": [np.inf, 1.03, 9.5, 0.0],
    "q": [1e-12, 0.8, 1e-9, 1e-6],
})
PAIRS = pd.DataFrame({"signature": ["aa11", "bb22", "bb22", "cc33"], "service": ["payments", "web", "payments", "checkout"]})


def test_parse_filter_reads_keys_and_words():
    f = parse_filter("refused level:warning service:payments status:new,spike sig:aa extra:thing")
    assert f.words == ["refused", "extra:thing"]
    assert (f.level, f.service, f.statuses, f.sig) == ("warn", "payments", {"NEW", "SPIKE"}, "aa")
    assert parse_filter("level:loud").problems == ["unknown level 'loud'"]


def test_filters_combine():
    sigs = lambda text: list(apply_filter(ROWS, parse_filter(text), PAIRS)["signature"])  # noqa: E731
    assert sigs("") == ["aa11", "bb22", "cc33", "dd44"]
    assert sigs("level:warn") == ["aa11", "cc33"]
    assert sigs("status:gone,new") == ["aa11", "dd44"]
    assert sigs("service:payments") == ["aa11", "bb22"]
    assert sigs("service:payments health") == ["bb22"]
    assert sigs("CONNECTION refused") == ["aa11"]
    assert sigs("sig:cc") == ["cc33"]
    assert sigs("[bold]") == []


def test_sort_rows_by_columns():
    assert list(sort_rows(ROWS, "after")["signature"]) == ["aa11", "cc33", "bb22", "dd44"]
    assert list(sort_rows(ROWS, "after", reverse=True)["signature"]) == ["dd44", "bb22", "cc33", "aa11"]
    assert list(sort_rows(ROWS, "level")["signature"])[:2] == ["aa11", "cc33"]
    assert list(sort_rows(ROWS, "q")["signature"])[0] == "aa11"


def test_timeline_index_counts_per_signature_and_bin():
    ts = [T0 + timedelta(minutes=m) for m in (0, 1, 5, 9, 9, 30)] + [None]
    ev = events_frame({"timestamp": ts, "message": ["x"] * 7})
    ev["signature"] = pd.Series(["a", "b", "a", "a", "b", "a", "b"], dtype="string[pyarrow]")
    index = TimelineIndex(ev)
    table = index.counts(T0, T0 + timedelta(minutes=10), 2)
    assert index.row(table, "a").tolist() == [1, 2]  # minute 30 is outside
    assert index.row(table, "b").tolist() == [1, 1]  # the untimed event is not binned
    rows = SignatureRows(ev)
    assert sorted(rows.rows("b").tolist()) == [1, 4, 6]
    assert rows.rows("missing").tolist() == []


def test_metric_series_bins_keeps_dimensions_apart():
    ts = [T0 + timedelta(minutes=m) for m in (0, 1, 0, 6)]
    m = metrics_frame({"timestamp": ts, "metric": ["cpu"] * 4, "value": [10.0, 20.0, 50.0, 70.0],
                       "dimensions": ["host=a", "host=a", "host=b", "host=b"]})
    bins = metric_series_bins(m, T0, T0 + timedelta(minutes=10), 2)
    assert bins[("cpu", "host=a")][0] == 15.0 and np.isnan(bins[("cpu", "host=a")][1])
    assert bins[("cpu", "host=b")].tolist() == [50.0, 70.0]


def test_sparkline_marks_the_deploy_and_scales_from_zero():
    spark = sparkline([0, 1, 2, 8], 2)
    assert spark.plain == "▁▂│▃█"  # any non-zero count is visibly above an empty bin
    assert sparkline([40, 41, 40, 48], 2, zero_based=False).plain == "▁▂│▁█"
    assert sparkline([np.nan, 3], None).plain == " █"


def test_sparkline_and_histogram_mark_a_rollback_in_its_own_style():
    from triage.app.spark import DEPLOY_STYLE, ROLLBACK_STYLE, histogram

    spark = sparkline([0, 1, 2, 8, 3], 2, rollback_index=4)
    assert spark.plain == "▁▂│▃█↩▄"
    styles = {spark.plain[span.start:span.end]: str(span.style) for span in spark.spans}
    assert styles["│"] == DEPLOY_STYLE and styles["↩"] == ROLLBACK_STYLE
    assert styles["▁▂"] == "dim"  # before the deploy stays dimmed, after it does not
    hist = histogram([1, 2, 3, 4], 1, height=2, rollback_index=3)
    axis = hist.plain.splitlines()[-1]
    assert axis == "─▲─↩"
    assert histogram([1, 2, 3, 4], 1, height=2).plain.splitlines()[-1] == "─▲──"
