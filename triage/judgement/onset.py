"""Onset: the first minute of sustained change, by a two-rate (single change point) Poisson fit.

For each signature the split of its binned curve that maximises the likelihood of
"rate r1, then rate r2" (r2 > r1 for a rise, r2 < r1 for a fall) is the change point;
a rise is then refined to the first event at or after that bin (second resolution).
"""

from __future__ import annotations

import numpy as np


def _xlogx_over(s: np.ndarray, n: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(s > 0, s * np.log(s / n), 0.0)


def change_bins(curves: np.ndarray, rising: np.ndarray) -> np.ndarray:
    """Index (into the columns of `curves`) of the first bin after the change, per row."""
    c = np.asarray(curves, dtype=float)
    rows, n = c.shape
    if n < 2 or rows == 0:
        return np.zeros(rows, dtype=np.int64)
    cum = np.cumsum(c, axis=1)
    s1 = cum[:, :-1]
    s2 = cum[:, -1:] - s1
    n1 = np.arange(1, n, dtype=float)[None, :]
    n2 = n - n1
    ll = _xlogx_over(s1, n1) + _xlogx_over(s2, n2)
    up = (s2 / n2) > (s1 / n1)
    valid = np.where(np.asarray(rising, dtype=bool)[:, None], up, ~up & ((s2 / n2) < (s1 / n1)))
    ll = np.where(valid, ll, -np.inf)
    best = np.argmax(ll, axis=1) + 1
    none = ~np.isfinite(ll.max(axis=1))
    return np.where(none, -1, best).astype(np.int64)


def onsets(binning, codes: np.ndarray, rising: np.ndarray, rows_codes: np.ndarray, rows_ts: np.ndarray,
           deploy_ns: int) -> np.ndarray:
    """Onset time (ns) per signature code in `codes`; the deploy when no change point is found.

    rows_codes/rows_ts: signature code and time of every event in the windows.
    """
    cols = np.flatnonzero(binning.covered)
    if cols.size < 2 or codes.size == 0:
        return np.full(codes.size, deploy_ns, dtype=np.int64)
    cb = change_bins(binning.counts[codes][:, cols], rising)
    start_bin = np.where(cb >= 0, cols[np.clip(cb, 0, cols.size - 1)], binning.n_before)
    start_ns = binning.start_ns(start_bin, deploy_ns).astype(np.int64)
    out = start_ns.copy()
    # rises: the first event at or after the change bin; falls: the last event before it
    pos = np.full(int(codes.max()) + 1, -1, dtype=np.int64)
    pos[codes] = np.arange(codes.size)
    sel = (rows_codes >= 0) & (rows_codes < pos.size)
    rc, rt = rows_codes[sel], rows_ts[sel]
    p = pos[rc]
    keep = p >= 0
    rc, rt, p = rc[keep], rt[keep], p[keep]
    after = rt >= start_ns[p]
    first = np.full(codes.size, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first, p[after], rt[after])
    last = np.full(codes.size, np.iinfo(np.int64).min, dtype=np.int64)
    np.maximum.at(last, p[~after], rt[~after])
    rising = np.asarray(rising, dtype=bool)
    use_first = rising & (first != np.iinfo(np.int64).max)
    use_last = ~rising & (last != np.iinfo(np.int64).min)
    out[use_first] = first[use_first]
    out[use_last] = last[use_last]
    return out


def fmt_offset(seconds: float) -> str:
    """`+0m12s`, `-4m`, `+1h02m`: an onset relative to the deploy."""
    if seconds is None or not np.isfinite(seconds):
        return "–"
    s = int(round(abs(seconds)))
    sign = "-" if seconds < 0 and s else "+"
    h, rem = divmod(s, 3600)
    m, sec = divmod(rem, 60)
    if h:
        return f"{sign}{h}h{m:02d}m"
    return f"{sign}{m}m" if sec == 0 else f"{sign}{m}m{sec:02d}s"
