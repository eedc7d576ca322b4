"""The analysis with per-signature counts made by the source (SignatureCounts) next to a sample."""

from datetime import timedelta

import pandas as pd
from test_analysis import DEPLOY, Log, row

from triage.analysis import analyze, timeline
from triage.events import STR, SignatureCounts


def counts_table(rows: list[tuple[str, int, int]]) -> pd.DataFrame:
    """(signature, minute offset from the deploy, count) -> the counts table."""
    return pd.DataFrame({
        "signature": pd.Series([r[0] for r in rows], dtype=STR),
        "timestamp": pd.Series([pd.Timestamp(DEPLOY) + pd.Timedelta(minutes=r[1]) for r in rows]).astype("datetime64[ns, UTC]"),
        "count": [r[2] for r in rows],
    })


def sampled_incident():
    """A 1-in-10 sample: "boom" appears after the deploy, "tick" is steady, "odd" could not be counted."""
    inc = Log().even("tick", 1, -30, 30).add("boom", 3, 1, 29).add("odd", 4, -29, 29).incident()
    inc.report.estimated, inc.report.scale = True, 10.0
    return inc


def test_counted_signatures_take_their_counts_from_the_table_and_keep_labels():
    inc = sampled_incident()
    table = counts_table([("tick", m, 10) for m in range(-30, 30)] + [("boom", m, 7) for m in range(0, 30)])
    inc.counts = SignatureCounts(table=table, kinds={"tick": "exact", "boom": "estimated", "odd": "sampled"})
    a = analyze(inc)
    assert (row(a, "tick")["before"], row(a, "tick")["after"], row(a, "tick")["counts"]) == (300, 300, "exact")
    assert (row(a, "boom")["before"], row(a, "boom")["after"], row(a, "boom")["counts"]) == (0, 210, "estimated")
    assert row(a, "boom")["status"] == "NEW" and row(a, "tick")["status"] == "STEADY"
    assert row(a, "tick")["rate_after"] == 10.0  # counted: not scaled again
    assert row(a, "odd")["counts"] == "sampled" and row(a, "odd")["before"] + row(a, "odd")["after"] == 40
    assert a.count_kinds == {"exact": 1, "estimated": 1, "sampled": 1}
    assert any(w.startswith("signature counts: 1 exact, 1 estimated, 1 sampled") for w in a.warnings)


def test_window_sums_follow_the_windows_and_timelines_use_the_counts():
    inc = sampled_incident()
    inc.counts = SignatureCounts(table=counts_table([("tick", m, m + 100) for m in range(-30, 30)]),
                                 kinds={"tick": "exact"})
    a = analyze(inc, before=timedelta(minutes=5), after=timedelta(minutes=2))
    assert row(a, "tick")["before"] == sum(m + 100 for m in range(-5, 0))
    assert row(a, "tick")["after"] == 100 + 101
    lo, hi = DEPLOY - timedelta(minutes=30), DEPLOY + timedelta(minutes=30) - timedelta(microseconds=1)
    counts, deploy_bin = timeline(inc, "tick", bins=60, start=lo, end=hi)
    assert counts.tolist() == [m + 100 for m in range(-30, 30)] and deploy_bin == 30


def test_without_counts_labels_follow_the_load():
    inc = Log().even("tick", 1, -30, 30).incident()
    assert set(analyze(inc).signatures["counts"]) == {"exact"}
    inc = sampled_incident()
    assert set(analyze(inc).signatures["counts"]) == {"sampled"}
