"""The one sparkline engine, as the note draws it (the app's Rich wrapper is tested in tests/app)."""

import numpy as np

from triage.note.format import sparkline as note_sparkline
from triage.sparkline import blocks, sparkline


def test_counts_scale_from_zero_and_any_count_stands_above_an_empty_bin():
    assert blocks([0, 1, 2, 8]) == "▁▂▃█"
    assert blocks([5, 5, 5]) == "███"  # a steady rate is a full bar, not an empty one
    assert blocks([5, 5, 5], zero_based=False) == "▁▁▁"  # a flat gauge: no invented shape


def test_gauges_scale_from_their_minimum():
    assert blocks([40, 41, 40, 48], zero_based=False) == "▁▂▁█"


def test_deploy_mark_is_inserted_and_clamped():
    assert sparkline([0, 1, 2, 8], 2) == "▁▂│▃█"
    assert sparkline([0, 2], 0) == "│▁█"
    assert sparkline([0, 2], 9) == "▁█│"
    assert sparkline([0, 2]) == "▁█"


def test_the_note_draws_what_the_app_draws_and_counts_missing_bins_as_zero():
    counts = np.array([0, 3, 1, 0, 12, 7])
    assert note_sparkline(counts, 3) == sparkline(counts, 3)
    assert note_sparkline([np.nan, 4], 1) == "▁│█"
    assert blocks([np.nan, 4]) == " █"


def test_a_rollback_mark_follows_the_deploy_and_both_keep_every_bin():
    values = [0, 1, 2, 8, 3, 1]
    b = blocks(values)
    line = sparkline(values, 2, rollback_index=4)
    assert line == b[:2] + "│" + b[2:4] + "↩" + b[4:]
    assert sparkline(values, 2, rollback_index=2) == b[:2] + "│↩" + b[2:]  # same bin: deploy first
    assert sparkline(values, None, rollback_index=9) == blocks(values) + "↩"
    assert note_sparkline(values, 2, 4) == line
