"""load_incident: the load range (windows + margin), grouping, metric sources, reports, cancel."""

from datetime import timedelta

import pandas as pd
import pytest

from triage.demo import DEMO_DEPLOY, DemoSource
from triage.events import Cancelled, Progress
from triage.pipeline import load_incident
from triage.sources.files import FileSource
from triage.sources.metrics_csv import CsvMetricsSource


def test_load_range_is_windows_plus_margin():
    inc = load_incident(DemoSource(), deploy=DEMO_DEPLOY, before=timedelta(minutes=10), after=timedelta(minutes=5))
    ts = inc.events["timestamp"]
    # margin defaults to max(before, after) = 10 min on each side
    assert ts.min() >= pd.Timestamp(DEMO_DEPLOY - timedelta(minutes=20))
    assert ts.max() <= pd.Timestamp(DEMO_DEPLOY + timedelta(minutes=15))
    assert ts.max() > pd.Timestamp(DEMO_DEPLOY + timedelta(minutes=14))
    assert {"signature", "template"} <= set(inc.events.columns)
    assert inc.events["signature"].notna().all()
    assert inc.sources and inc.key and inc.before == timedelta(minutes=10)


def test_cancel_stops_the_load():
    progress = Progress()
    progress.cancel()
    with pytest.raises(Cancelled):
        load_incident(DemoSource(), deploy=DEMO_DEPLOY, progress=progress)


def test_metric_sources_are_merged_with_their_reports(tmp_path):
    log = tmp_path / "app.log"
    log.write_text("".join(f"2026-11-26T14:{m:02d}:00Z ERROR api - boom {m}\n" for m in range(60)))
    csv = tmp_path / "m.csv"
    csv.write_text("timestamp,metric,value\n2026-11-26T14:10:00Z,cpu,40\n2026-11-26T14:40:00Z,cpu,45\nnot a time,cpu,1\n")
    inc = load_incident(FileSource([str(log)]), deploy=DEMO_DEPLOY.replace(minute=30), metric_sources=[CsvMetricsSource(str(csv))])
    assert list(inc.metrics["metric"]) == ["cpu", "cpu"]
    assert any("m.csv" in s for s in inc.sources)
    assert inc.report.warning() is not None  # the unreadable CSV row is counted, not lost silently


def test_untimed_lines_are_kept_and_reported(tmp_path):
    log = tmp_path / "app.log"
    log.write_text("no timestamp here at all\n2026-11-26T14:00:00Z ERROR api - boom\n")  # a leading untimed line
    inc = load_incident(FileSource([str(log)]), deploy=DEMO_DEPLOY)
    assert len(inc.events) == 2 and inc.events["timestamp"].isna().sum() == 1
