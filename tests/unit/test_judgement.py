"""The pieces of the judgement: change points, config cues, severity classes, stories."""

import numpy as np

from analysis_support import Log, row
from triage.analysis import analyze
from triage.judgement.onset import change_bins, fmt_offset
from triage.judgement.severity import severity_classes
from triage.judgement.suspects import cue_strength


def test_change_point_finds_a_rise_and_a_fall():
    rise = np.r_[np.full(20, 1.0), np.full(10, 9.0)]
    fall = np.r_[np.full(12, 9.0), np.full(18, 0.0)]
    assert list(change_bins(np.vstack([rise, fall]), np.array([True, False]))) == [20, 12]
    assert change_bins(np.full((1, 10), 3.0), np.array([True]))[0] == -1  # flat: no change point


def test_offsets_read_like_the_deploy_marker():
    assert fmt_offset(12) == "+0m12s" and fmt_offset(-240) == "-4m" and fmt_offset(3725) == "+1h02m"


def test_config_cues():
    assert cue_strength("PROVIDER_URL not set, using http://localhost:8080") == 2
    assert cue_strength("secret STRIPE_API_KEY missing from vault path") == 2
    assert cue_strength("endpoint=http://mock-payments.internal:8080") == 2
    assert cue_strength("using default thread pool size 16") == 1
    assert cue_strength("order 123 loaded in 12ms") == 0


def test_severity_classes_order_failures_before_noise():
    status = np.array(["NEW", "NEW", "SPIKE", "NEW", "GONE", "DROP"], dtype=object)
    level = np.array(["error", "error", "warn", "info", "error", "info"], dtype=object)
    access = np.array([False, True, False, False, False, True])
    five = np.array([0, 1, 0, 0, 0, 0], dtype=float)
    assert list(severity_classes(status, level, access, five)) == [0, 1, 2, 3, 4, 3]


def test_a_rare_new_error_outranks_a_loud_new_info_line():
    log = Log().add("feature", 3000, 0, 30, level="info").add("boom", 40, 0, 30).even("noise", 1, -30, 30, level="info")
    a = analyze(log.incident())
    assert a.signatures.iloc[0]["signature"] == "boom" and a.stories[0].severity == "error"
    assert row(a, "feature")["story"] > row(a, "boom")["story"]


def test_a_change_that_began_before_the_deploy_is_flagged():
    log = Log().add("early", 200, -4, 30).even("noise", 1, -30, 30, level="info")
    a = analyze(log.incident())
    r = row(a, "early")
    assert r["pre_deploy"] and -300 < r["onset_s"] < -180
