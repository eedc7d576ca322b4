"""Small-count-honest statistics without scipy: exact tests for two Poisson rates,
Clopper-Pearson intervals, Benjamini-Hochberg, and a rank test for metrics.

Everything takes numpy arrays so `analyze` stays vectorised over signatures.
"""

from __future__ import annotations

import math

import numpy as np

_lgamma = np.frompyfunc(math.lgamma, 1, 1)
_TINY = 1e-300
_EPS = 1e-15
EXACT_MAX_N = 2000
"""Above this many events the exact binomial tail and interval are replaced by their
continuity-corrected normal counterparts: at such counts they agree to a few parts in
a thousand (tested), and the exact continued fraction would cost ~sqrt(n) iterations."""


def lgamma(x) -> np.ndarray:
    return np.asarray(_lgamma(np.asarray(x, dtype=float)), dtype=float)


def _betacf(a: np.ndarray, b: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Continued fraction for I_x(a, b) (modified Lentz), iterating only unconverged entries."""
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c = np.ones_like(x)
    d = 1.0 - qab * x / qap
    d = np.where(np.abs(d) < _TINY, _TINY, d)
    d = 1.0 / d
    h = d.copy()
    active = np.arange(x.size)
    for m in range(1, 100000):
        if active.size == 0:
            break
        aa_, bb_, xx = a[active], b[active], x[active]
        cc, dd, hh = c[active], d[active], h[active]
        m2 = 2 * m
        num = m * (bb_ - m) * xx / ((qam[active] + m2) * (aa_ + m2))
        dd = 1.0 + num * dd
        dd = np.where(np.abs(dd) < _TINY, _TINY, dd)
        cc = 1.0 + num / cc
        cc = np.where(np.abs(cc) < _TINY, _TINY, cc)
        dd = 1.0 / dd
        hh = hh * dd * cc
        num = -(aa_ + m) * (qab[active] + m) * xx / ((aa_ + m2) * (qap[active] + m2))
        dd = 1.0 + num * dd
        dd = np.where(np.abs(dd) < _TINY, _TINY, dd)
        cc = 1.0 + num / cc
        cc = np.where(np.abs(cc) < _TINY, _TINY, cc)
        dd = 1.0 / dd
        delta = dd * cc
        hh = hh * delta
        c[active], d[active], h[active] = cc, dd, hh
        active = active[np.abs(delta - 1.0) > _EPS]
    return h


def betainc(a, b, x) -> np.ndarray:
    """Regularized incomplete beta I_x(a, b) for a, b > 0, 0 <= x <= 1 (arrays broadcast)."""
    a, b, x = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (a, b, x)))
    a, b, x = a.ravel().copy(), b.ravel().copy(), x.ravel().copy()
    out = np.empty_like(x)
    lo, hi = x <= 0.0, x >= 1.0
    out[lo], out[hi] = 0.0, 1.0
    mid = ~(lo | hi)
    if mid.any():
        am, bm, xm = a[mid], b[mid], x[mid]
        log_front = (lgamma(am + bm) - lgamma(am) - lgamma(bm)
                     + am * np.log(xm) + bm * np.log1p(-xm))
        front = np.exp(log_front)
        direct = xm < (am + 1.0) / (am + bm + 2.0)
        res = np.empty_like(xm)
        if direct.any():
            res[direct] = front[direct] * _betacf(am[direct], bm[direct], xm[direct]) / am[direct]
        flip = ~direct
        if flip.any():
            res[flip] = 1.0 - front[flip] * _betacf(bm[flip], am[flip], 1.0 - xm[flip]) / bm[flip]
        out[mid] = np.clip(res, 0.0, 1.0)
    return out.reshape(np.broadcast(*(np.asarray(v) for v in (a, b, x))).shape) if out.ndim else out


def binom_sf(k, n, p) -> np.ndarray:
    """P(X >= k) for X ~ Binomial(n, p); 1 where k <= 0, 0 where k > n."""
    k, n, p = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (k, n, p)))
    out = np.where(k <= 0, 1.0, 0.0)
    mid = (k > 0) & (k <= n)
    if mid.any():
        out = out.astype(float)
        out[mid] = betainc(k[mid], n[mid] - k[mid] + 1.0, p[mid])
    return out


def binom_cdf(k, n, p) -> np.ndarray:
    """P(X <= k) for X ~ Binomial(n, p)."""
    k, n, p = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (k, n, p)))
    return 1.0 - binom_sf(k + 1.0, n, p)


def poisson_rate_test(a, b, t_after, t_before) -> np.ndarray:
    """Two-sided conditional test of equal rates: a events in t_after, b in t_before.

    Given n = a + b, a ~ Binomial(n, t_after / (t_after + t_before)) under "no change";
    the p-value is twice the smaller tail (capped at 1), which matches Clopper-Pearson.
    Exact up to EXACT_MAX_N events, continuity-corrected normal above. The exposures may be
    one pair for all counts or one per count (each test is computed on its own either way).
    """
    t_after, t_before = np.asarray(t_after, dtype=float), np.asarray(t_before, dtype=float)
    a, b, share = np.broadcast_arrays(np.asarray(a, dtype=float), np.asarray(b, dtype=float), t_after / (t_after + t_before))
    shape = a.shape
    a, b, share = a.ravel(), b.ravel(), share.ravel()
    n = a + b
    p = np.ones(a.shape)
    exact = (n > 0) & (n <= EXACT_MAX_N)
    if exact.any():
        pa = share[exact]
        tails = np.minimum(binom_sf(a[exact], n[exact], pa), binom_cdf(a[exact], n[exact], pa))
        p[exact] = np.minimum(1.0, 2.0 * tails)
    big = n > EXACT_MAX_N
    if big.any():
        share = share[big]
        mean, sd = n[big] * share, np.sqrt(n[big] * share * (1 - share))
        z = np.maximum(np.abs(a[big] - mean) - 0.5, 0.0) / sd
        p[big] = np.minimum(1.0, 2.0 * normal_sf(z))
    return p.reshape(shape)


MIN_DISPERSION_BINS = 5
"""Fewer covered bins than this give no dispersion estimate (phi = 1, the plain Poisson test)."""


def dispersion(counts) -> np.ndarray:
    """Quasi-Poisson dispersion phi >= 1 per row of binned counts (rows: signatures, columns: minutes).

    The variance is the von Neumann estimate (half the mean squared successive difference),
    not the plain sample variance: a flapping warning (bursts every few minutes) has many
    large steps and gets phi >> 1, while a single level shift inside the baseline (errors
    that began a few minutes before the given deploy time) adds one step and barely moves
    phi, so a real change is not explained away as noise. Rows with no events, or fewer
    than MIN_DISPERSION_BINS bins, get 1.
    """
    c = np.asarray(counts, dtype=float)
    if c.ndim != 2 or c.shape[1] < MIN_DISPERSION_BINS:
        return np.ones(c.shape[0] if c.ndim == 2 else 0)
    mean = c.mean(axis=1)
    var = 0.5 * np.mean(np.diff(c, axis=1) ** 2, axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        phi = np.where(mean > 0, var / mean, 1.0)
    return np.maximum(np.nan_to_num(phi, nan=1.0, posinf=1.0), 1.0)


def _normal_ppf(q: float) -> float:
    lo, hi = -40.0, 40.0
    for _ in range(200):
        mid = (lo + hi) / 2.0
        if 0.5 * math.erfc(-mid / math.sqrt(2.0)) < q:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2.0


def beta_ppf(q: float, a, b, iterations: int = 100, tol: float = 1e-12) -> np.ndarray:
    """Quantile of Beta(a, b): Newton steps on betainc, kept inside a shrinking bracket.

    The bracket makes it as safe as bisection; Newton makes it ~10 steps instead of ~50.
    """
    a, b = np.broadcast_arrays(np.asarray(a, dtype=float), np.asarray(b, dtype=float))
    a, b = a.ravel(), b.ravel()
    lbeta = lgamma(a) + lgamma(b) - lgamma(a + b)
    mean = a / (a + b)
    sd = np.sqrt(a * b / ((a + b) ** 2 * (a + b + 1.0)))
    x = np.clip(mean + _normal_ppf(q) * sd, 1e-12, 1 - 1e-12)
    lo, hi = np.zeros(a.shape), np.ones(a.shape)
    active = np.arange(a.size)
    for _ in range(iterations):
        if active.size == 0:
            break
        aa, bb, xx = a[active], b[active], x[active]
        f = betainc(aa, bb, xx) - q
        below = f < 0
        lo[active] = np.where(below, xx, lo[active])
        hi[active] = np.where(below, hi[active], xx)
        log_pdf = (aa - 1) * np.log(xx) + (bb - 1) * np.log1p(-xx) - lbeta[active]
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            step = xx - f / np.exp(log_pdf)
        low, high = lo[active], hi[active]
        bad = ~np.isfinite(step) | (step <= low) | (step >= high)
        new = np.where(bad, (low + high) / 2.0, step)
        x[active] = new
        done = (np.abs(new - xx) <= tol * np.maximum(new, 1e-300)) | (high - low <= tol)
        active = active[~done]
    return x


_PPF_MEMORY: dict[tuple[float, float, float], float] = {}
PPF_MEMORY_MAX = 100_000


def _remembered_ppf(q: float, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """beta_ppf, remembering quantiles already found (each entry is solved on its own, so a
    remembered one is the same number). Follow mode asks for the intervals of mostly unchanged
    counts every step; a window change asks for many of the same again."""
    keys = [(q, x, y) for x, y in zip(a.tolist(), b.tolist())]
    out = np.array([_PPF_MEMORY.get(key, np.nan) for key in keys], dtype=float)
    miss = np.isnan(out)
    if miss.any():
        found = beta_ppf(q, a[miss], b[miss])
        out[miss] = found
        if len(_PPF_MEMORY) > PPF_MEMORY_MAX:
            _PPF_MEMORY.clear()
        _PPF_MEMORY.update(zip((key for key, m in zip(keys, miss) if m), found.tolist()))
    return out


def clopper_pearson(k, n, alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Exact (conservative) interval for a binomial proportion k/n.

    Above EXACT_MAX_N trials: Newcombe's continuity-corrected Wilson interval.
    """
    k, n = np.broadcast_arrays(np.asarray(k, dtype=float), np.asarray(n, dtype=float))
    shape = k.shape
    k, n = k.ravel(), n.ravel()
    low, high = np.zeros(k.shape), np.ones(k.shape)
    small = n <= EXACT_MAX_N
    has_low, has_high = small & (k > 0) & (n > 0), small & (k < n) & (n > 0)
    if has_low.any():
        low[has_low] = _remembered_ppf(alpha / 2, k[has_low], n[has_low] - k[has_low] + 1)
    if has_high.any():
        high[has_high] = _remembered_ppf(1 - alpha / 2, k[has_high] + 1, n[has_high] - k[has_high])
    big = ~small
    if big.any():
        low[big], high[big] = wilson_cc(k[big], n[big], alpha)
    return low.reshape(shape), high.reshape(shape)


def wilson_cc(k, n, alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval with continuity correction (Newcombe 1998, method 4)."""
    k, n = np.asarray(k, dtype=float), np.asarray(n, dtype=float)
    z = _normal_ppf(1 - alpha / 2)
    p = k / n
    z2 = z * z
    with np.errstate(invalid="ignore"):
        low = (2 * k + z2 - 1 - z * np.sqrt(np.maximum(z2 - 2 - 1 / n + 4 * p * (n * (1 - p) + 1), 0))) / (2 * (n + z2))
        high = (2 * k + z2 + 1 + z * np.sqrt(np.maximum(z2 + 2 - 1 / n + 4 * p * (n * (1 - p) - 1), 0))) / (2 * (n + z2))
    low = np.where(k <= 0, 0.0, np.clip(low, 0, 1))
    high = np.where(k >= n, 1.0, np.clip(high, 0, 1))
    return low, high


def rate_ratio_ci(a, b, t_after, t_before, alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Interval for (rate after / rate before) from Clopper-Pearson on a's share of a + b."""
    a, b = np.broadcast_arrays(np.asarray(a, dtype=float), np.asarray(b, dtype=float))
    lo_p, hi_p = clopper_pearson(a, a + b, alpha)
    scale = float(t_before) / float(t_after)
    with np.errstate(divide="ignore", invalid="ignore"):
        low = np.where(lo_p >= 1, np.inf, lo_p / (1 - lo_p) * scale)
        high = np.where(hi_p >= 1, np.inf, hi_p / (1 - hi_p) * scale)
    none = (a + b) == 0
    return np.where(none, 0.0, low), np.where(none, np.inf, high)


def benjamini_hochberg(p) -> np.ndarray:
    """BH-adjusted p-values (q-values), same order as `p`."""
    p = np.asarray(p, dtype=float)
    m = p.size
    if m == 0:
        return p.copy()
    order = np.argsort(p, kind="mergesort")
    ranked = p[order] * m / np.arange(1, m + 1)
    ranked = np.minimum.accumulate(ranked[::-1])[::-1]
    q = np.empty(m)
    q[order] = np.minimum(ranked, 1.0)
    return q


def normal_sf(z) -> np.ndarray:
    z = np.asarray(z, dtype=float)
    return 0.5 * np.asarray(np.frompyfunc(math.erfc, 1, 1)(z / math.sqrt(2.0)), dtype=float)


def mann_whitney(x, y) -> float:
    """Two-sided Mann-Whitney U p-value (normal approximation with tie correction).

    Robust to outliers and skew, unlike a t-test on means; NaN when a side is empty.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    x, y = x[~np.isnan(x)], y[~np.isnan(y)]
    n1, n2 = x.size, y.size
    if n1 == 0 or n2 == 0:
        return float("nan")
    allv = np.concatenate([x, y])
    order = np.argsort(allv, kind="mergesort")
    sorted_v = allv[order]
    ranks = np.empty(allv.size)
    # average ranks for ties
    uniq, start_idx, counts = np.unique(sorted_v, return_index=True, return_counts=True)
    avg = start_idx + (counts + 1) / 2.0
    ranks[order] = np.repeat(avg, counts)
    u1 = ranks[:n1].sum() - n1 * (n1 + 1) / 2.0
    n = n1 + n2
    tie = (counts ** 3 - counts).sum()
    var = n1 * n2 / 12.0 * ((n + 1) - tie / (n * (n - 1))) if n > 1 else 0.0
    if var <= 0:
        return 1.0
    z = (abs(u1 - n1 * n2 / 2.0) - 0.5) / math.sqrt(var)
    return min(1.0, 2.0 * float(normal_sf(max(z, 0.0))))
