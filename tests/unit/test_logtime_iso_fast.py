"""ISO timestamps go through Arrow's cast when it reads every string; pandas decides otherwise.

The fast path must give exactly what the pandas path gives, on mixed zones, fractions, zones given
as user setting, and on columns with one string only pandas reads (the whole column falls back).
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pytest

from triage.parsing import logtime

MIXED = [
    "2024-05-14 12:00:00.021", "2024-05-14T12:00:00.057Z", "2024-05-14T12:00:00.5+02:00",
    "2024-05-14T12:00:00+0200", "2024-05-14T12:00:00-07:30", "2024-05-14T12:00:00.123456789Z",
    "2024-05-14 12:00:00", None, "2024-05-14T12:00:00+02",
]


def _pandas(values, tz):
    """What the pandas path alone gives (the fast path switched off)."""
    saved = logtime._arrow_iso
    logtime._arrow_iso = lambda arr, tz: None
    try:
        return logtime.parse_timestamps(pa.array(values, pa.string()), "iso", tz=tz)
    finally:
        logtime._arrow_iso = saved


@pytest.mark.parametrize("tz", [None, "UTC", "Europe/Berlin", "America/New_York"])
def test_fast_path_equals_pandas(tz):
    fast = logtime.parse_timestamps(pa.array(MIXED, pa.string()), "iso", tz=tz)
    assert logtime._arrow_iso(pa.array([v for v in MIXED if v], pa.string()), tz) is not None  # the fast path ran
    pd.testing.assert_series_equal(fast.reset_index(drop=True), _pandas(MIXED, tz).reset_index(drop=True))
    assert str(fast.dtype) == logtime.TS_DTYPE
    assert fast[1] == pd.Timestamp("2024-05-14T12:00:00.057Z")
    assert fast[2] == pd.Timestamp("2024-05-14T10:00:00.5Z")


@pytest.mark.parametrize("odd", ["2024-05-14T23:59:60Z", "1677-05-14T12:00:00Z", "2024-05-14T12:00:00.1234567891Z", "2024-02-30 12:00:00"])
def test_a_string_arrow_refuses_sends_the_column_to_pandas(odd):
    values = ["2024-05-14 12:00:00.021", odd, "2024-05-14T12:00:00.057Z"]
    assert logtime._arrow_iso(pa.array(values, pa.string()), None) is None
    got = logtime.parse_timestamps(pa.array(values, pa.string()), "iso")
    pd.testing.assert_series_equal(got, _pandas(values, None))
    assert got[0] == pd.Timestamp("2024-05-14T12:00:00.021Z")  # the good ones are still read
