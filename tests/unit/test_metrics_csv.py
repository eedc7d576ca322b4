"""Metric CSVs, long and wide, with bad rows counted."""

import pandas as pd
import pytest

from triage.events import METRIC_COLUMNS, SourceError
from triage.sources.metrics_csv import CsvMetricsSource


def load(tmp_path, text, **kw):
    p = tmp_path / "m.csv"
    p.write_text(text)
    return CsvMetricsSource(str(p), **kw).load()


def test_long_csv_with_unit_and_dimensions(tmp_path):
    result = load(
        tmp_path,
        "timestamp,metric,value,unit,host\n"
        "2026-11-26T10:00:00Z,latency_p95,210,ms,pay-1\n"
        "2026-11-26T10:01:00Z,latency_p95,890.5,ms,pay-2\n",
    )
    m = result.metrics
    assert list(m.columns) == list(METRIC_COLUMNS)
    assert m["value"].tolist() == [210.0, 890.5]
    assert m["unit"].tolist() == ["ms", "ms"]
    assert m["dimensions"].tolist() == ["host=pay-1", "host=pay-2"]
    assert m["timestamp"][1] == pd.Timestamp("2026-11-26T10:01:00Z")
    assert result.events.empty and result.description == "csv: m.csv"


def test_wide_csv_one_series_per_column_with_units_in_headers(tmp_path):
    m = load(tmp_path, "time,5xx_per_min,p95 (ms),cpu[%]\n2026-11-26 10:00,0.4,210,41\n2026-11-26 10:01,38,890,44\n").metrics
    assert sorted(m["metric"].unique()) == ["5xx_per_min", "cpu", "p95"]
    assert m[m["metric"] == "p95"]["unit"].tolist() == ["ms", "ms"]
    assert m[m["metric"] == "cpu"]["value"].tolist() == [41.0, 44.0]
    assert (m["dimensions"] == "").all()


def test_epoch_times_and_zone_for_naive_times(tmp_path):
    m = load(tmp_path, "ts,metric,value\n1764151200,cpu,1\n2026-11-26 11:00,cpu,2\n", tz="Europe/Berlin").metrics
    assert m["timestamp"].tolist() == [pd.Timestamp("2025-11-26T10:00:00Z"), pd.Timestamp("2026-11-26T10:00:00Z")]


def test_bad_rows_are_skipped_and_counted(tmp_path):
    result = load(tmp_path, "timestamp,metric,value\n2026-11-26T10:00:00Z,cpu,1\nnot-a-time,cpu,2\n2026-11-26T10:02:00Z,cpu,n/a\n")
    assert len(result.metrics) == 1
    assert result.report.skipped["metric rows without a readable time or value"] == 2


def test_time_range_filter(tmp_path):
    m = CsvMetricsSource.__new__(CsvMetricsSource)
    p = tmp_path / "m.csv"
    p.write_text("timestamp,metric,value\n2026-11-26T10:00:00Z,cpu,1\n2026-11-26T11:00:00Z,cpu,2\n")
    m = CsvMetricsSource(str(p)).load(pd.Timestamp("2026-11-26T10:30:00Z").to_pydatetime(), None).metrics
    assert m["value"].tolist() == [2.0]


@pytest.mark.parametrize(
    "content, match",
    [
        (b"", "no rows|not a readable CSV"),
        (b"\x00\x01\x02binary", "not text"),
        (b"a,b\nfoo,bar\n", "no readable times"),
    ],
)
def test_unusable_files_raise_source_error_with_a_hint(tmp_path, content, match):
    p = tmp_path / "m.csv"
    p.write_bytes(content)
    with pytest.raises(SourceError, match=match):
        CsvMetricsSource(str(p)).load()


def test_missing_file_is_a_source_error(tmp_path):
    with pytest.raises(SourceError, match="cannot read metrics file"):
        CsvMetricsSource(str(tmp_path / "none.csv")).load()
