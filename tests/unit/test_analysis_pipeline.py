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


def _log(tmp_path):
    log = tmp_path / "app.log"
    log.write_text("".join(f"2026-11-26T14:{m:02d}:00Z ERROR api - boom {m}\n" for m in range(60)))
    return log


class _BrokenMetrics:
    """A metric back end that fails the way a remote one does (its own exception type)."""

    kind = "broken"

    def describe(self):
        return "cloudwatch metrics eu-west-1"

    def queries(self):
        return []

    def load(self, start, end, progress):
        raise RuntimeError("AccessDenied for AKIAIOSFODNN7EXAMPLE")


@pytest.mark.parametrize("content", [None, "host,status\nweb-1,ok\n", "\x00\x01\x02binary"])
def test_a_failing_metric_source_keeps_the_logs(tmp_path, content):
    csv = tmp_path / "m.csv"
    if content is not None:
        csv.write_text(content)
    good = tmp_path / "good.csv"
    good.write_text("timestamp,metric,value\n2026-11-26T14:10:00Z,cpu,40\n")
    inc = load_incident(FileSource([str(_log(tmp_path))]), deploy=DEMO_DEPLOY.replace(minute=30),
                        metric_sources=[CsvMetricsSource(str(csv)), CsvMetricsSource(str(good))])
    assert len(inc.events) == 60  # every log event survived
    assert list(inc.metrics["metric"]) == ["cpu"]  # the good metric source still counted
    assert inc.report.partial
    assert any("m.csv" in n and "could not be loaded (logs unaffected)" in n for n in inc.report.notes)
    assert "m.csv" not in " ".join(inc.sources)  # only what loaded is listed as a source


def test_a_metric_back_end_error_is_a_redacted_note_shown_in_the_note(tmp_path):
    from triage.analysis import analyze
    from triage.note import NoteDraft, render_json, render_markdown

    inc = load_incident(FileSource([str(_log(tmp_path))]), deploy=DEMO_DEPLOY.replace(minute=30),
                        metric_sources=[_BrokenMetrics()])
    assert len(inc.events) == 60
    note = inc.report.warning()
    assert "cloudwatch metrics eu-west-1" in note and "RuntimeError" in note
    assert "AKIAIOSFODNN7EXAMPLE" not in note
    md = render_markdown(inc, analyze(inc), NoteDraft())
    warnings = md.split("> **Warnings**", 1)[1].split("\n\n", 1)[0]
    assert "could not be loaded" in warnings and "PARTIAL" in warnings
    doc = render_json(inc, analyze(inc), NoteDraft())
    assert doc["load_report"]["partial"] and any("could not be loaded" in w for w in doc["warnings"])


def test_cancel_during_metrics_still_cancels(tmp_path):
    class Cancelling(_BrokenMetrics):
        def load(self, start, end, progress):
            raise Cancelled()

    with pytest.raises(Cancelled):
        load_incident(FileSource([str(_log(tmp_path))]), deploy=DEMO_DEPLOY.replace(minute=30),
                      metric_sources=[Cancelling()])
