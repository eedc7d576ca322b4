"""Bursty (overdispersed) counts must not look significant; a real change still does."""

import numpy as np

from analysis_support import Log, row
from triage.analysis import analyze
from triage.stats import dispersion


def test_dispersion_is_one_for_poisson_and_large_for_bursts():
    rng = np.random.default_rng(1)
    poisson = rng.poisson(5.0, (200, 30))
    assert 0.7 < float(np.median(dispersion(poisson))) < 1.3
    bursts = np.where(np.arange(30) % 5 == 0, 50, 1)[None, :]
    assert dispersion(bursts)[0] > 10
    assert dispersion(np.zeros((1, 30)))[0] == 1.0  # no events: the plain test
    assert dispersion(np.ones((1, 3)))[0] == 1.0  # too few bins to estimate


def test_one_level_shift_barely_moves_dispersion():
    # errors that began 4 minutes before the given deploy: one step, not burstiness
    step = np.r_[np.zeros(26), np.full(4, 20.0)][None, :]
    assert dispersion(step)[0] < 8  # the plain variance/mean would be ~ 15


def _flapping(log, name, rng, lo=-30, hi=30):
    for m in range(lo, hi):
        log.add(name, int(rng.integers(30, 60)) if m % 5 == 0 else 1, m, m + 1, level="warn")


def test_flapping_warning_with_the_same_mean_is_steady_and_a_real_rise_is_not():
    rng = np.random.default_rng(3)
    log = Log()
    _flapping(log, "flap", rng)
    log.add("err", 20, -30, 0).add("err", 40, 0, 30)
    a = analyze(log.incident())
    assert row(a, "flap")["status"] == "STEADY" and row(a, "flap")["phi"] > 5
    assert row(a, "err")["status"] == "SPIKE" and row(a, "err")["phi"] < 3


def test_small_counts_keep_the_exact_test():
    # 8 events after, none before: phi is 1, p = 2 * 0.5**8 exactly as before
    a = analyze(Log().add("boot", 8, 0, 1, level="warn").even("noise", 1, -30, 30, level="info").incident())
    r = row(a, "boot")
    assert r["phi"] == 1.0 and abs(r["p"] - 2 * 0.5 ** 8) < 1e-12 and r["status"] == "NEW"
