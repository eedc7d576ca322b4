"""lnav's published format definitions as a corpus of real log lines (tests/data/lnav_samples.*, BSD-2).

Each lnav format is parsed as one file of its own samples, the way a user would open it.
Measured rates (also printed by `pytest -s`) are the floor: a change that loses times or
levels on real formats fails here. The issue's goal is 95% for both; see docs/signatures.md.
"""

import json
import warnings
from collections import defaultdict
from pathlib import Path

import pytest

from triage.parsing.lineshape import parse_lines

DATA = Path(__file__).resolve().parents[1] / "data" / "lnav_samples.jsonl"
TIME_FLOOR = 0.95
LEVEL_FLOOR = 0.95


@pytest.fixture(scope="module")
def rates():
    by = defaultdict(list)
    for line in DATA.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        by[row["format"]].append(row["line"])
    total = timed = levelled = 0
    for name, samples in by.items():
        lines, starts = [], []
        for s in samples:
            starts.append(len(lines) + 1)
            lines.extend(s.split("\n"))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # dateutil's "tzname PDT not understood"
            ev = parse_lines(lines, source=name)
        row_of = {int(n): i for i, n in enumerate(ev["line"].astype("int64"))}
        for start in starts:
            total += 1
            i = row_of.get(start)
            timed += i is not None and not ev["timestamp"].isna().iloc[i]
            levelled += i is not None and isinstance(ev["level"].iloc[i], str)
    print(f"lnav samples: {total}, with a time {timed / total:.1%}, with a level {levelled / total:.1%}")
    return total, timed / total, levelled / total


def test_every_lnav_sample_is_an_event(rates):
    total, _, _ = rates
    assert total >= 250


def test_lnav_samples_get_a_time(rates):
    assert rates[1] >= TIME_FLOOR


def test_lnav_samples_get_a_level(rates):
    assert rates[2] >= LEVEL_FLOOR
