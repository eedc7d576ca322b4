"""Before/after deltas around the deploy: per signature, per service/host, per metric.

`analyze` is pure and vectorised: everything that does not depend on the windows
(signature codes, levels, first/last seen, top service/host) is computed once per
incident and cached, so a window change costs a few bincounts. In follow mode those arrays
grow with the appended events (`extend_prepared`) instead of being rebuilt, and
`analyze(keep=...)` can keep an earlier analysis' stories between two judgements.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
import pandas as pd

from triage import rawtext
from triage.events import COUNT_KINDS, LEVEL_RANK, dictionary_codes
from triage.metric_deltas import metric_deltas
from triage.pipeline import Incident
from triage.signatures.slots import SlotReport, summarise
from triage.stats import benjamini_hochberg, dispersion, poisson_rate_test, rate_ratio_ci
from triage.timeparse import format_time

SIGNATURE_COLUMNS = [
    "rank", "signature", "template", "level", "status", "before", "after",
    "rate_before", "rate_after", "ratio", "ci_low", "ci_high", "p", "q", "score",
    "first_seen", "last_seen", "top_service", "top_host", "phi", "counts",
    "story", "role", "severity", "onset", "onset_s", "pre_deploy",
]
"""`counts` says how before/after were obtained: exact, estimated or sampled (triage.events.COUNT_KINDS)."""
DIMENSION_COLUMNS = [
    "dimension", "key", "measure", "before", "after", "rate_before", "rate_after",
    "ratio", "p", "q", "status", "outlier",
]
STATUSES = ("NEW", "SPIKE", "DROP", "GONE", "STEADY")

ALPHA = 0.05  # false discovery rate for calling a change
MIN_EFFECT = 1.5  # a significant but smaller rate change is STEADY (huge counts make tiny shifts significant)
GONE_MIN_EXPECTED = 10.0  # expected events after the deploy before "not seen" means GONE
LEVEL_WEIGHT = {"fatal": 1.0, "error": 1.0, "warn": 0.1, "info": 0.01, "debug": 0.001}
UNKNOWN_WEIGHT = 0.01
OUTLIER_MIN_RATIO = 2.0
OUTLIER_MIN_COUNT = 5


@dataclass
class Analysis:
    deploy: datetime
    before: timedelta
    after: timedelta
    signatures: pd.DataFrame
    dimensions: pd.DataFrame
    metrics: pd.DataFrame
    warnings: list[str] = field(default_factory=list)
    estimated: bool = False
    count_kinds: dict[str, int] = field(default_factory=dict)  # signatures per `counts` label
    stories: list = field(default_factory=list)  # triage.judgement.Story, best first

    def story(self, story_id: int):
        return next((s for s in self.stories if s.id == story_id), None)


@dataclass
class SignatureDetail:
    signature: str
    template: str
    level: str | None
    count: int
    first_seen: pd.Timestamp | None
    last_seen: pd.Timestamp | None
    samples: list[dict]
    by_service: list[tuple[str, int]]
    by_host: list[tuple[str, int]]
    by_status: list[tuple[str, int]]
    slots: SlotReport | None = None  # per variable slot of the template: top values, before/after


SLOT_SAMPLE = 20000
"""Events read (evenly spread) for the value inspector of one signature: shares, not exact counts."""


def _slot_report(incident: Incident, rows: pd.DataFrame, template: str, sample: int = SLOT_SAMPLE) -> SlotReport | None:
    """Top values of each variable slot, split at the deploy (events without a time count as before)."""
    if not len(rows) or "message" not in rows:
        return None
    if len(rows) > sample:
        rows = rows.iloc[np.linspace(0, len(rows) - 1, sample).astype(np.int64)]
    after = None
    if "timestamp" in rows and incident.deploy is not None:
        ts = pd.to_datetime(rows["timestamp"], utc=True)
        after = (ts >= pd.Timestamp(incident.deploy)).fillna(False).to_numpy(dtype=bool)
    return summarise(rows["message"], template, after=after)


@dataclass
class Prepared:
    """Window-independent per-incident arrays, cached on the incident."""

    ts: np.ndarray  # int64 ns; meaningless where not has_ts
    has_ts: np.ndarray
    ts_min: int | None
    ts_max: int | None
    sig_codes: np.ndarray  # int64 index into `signatures`, -1 when missing
    signatures: pd.DataFrame  # signature, template, level, first_seen, last_seen, top_service, top_host
    service_codes: np.ndarray
    services: list[str]
    host_codes: np.ndarray
    hosts: list[str]
    is_error: np.ndarray
    is_5xx: np.ndarray
    is_4xx: np.ndarray
    has_status: np.ndarray
    host_service: np.ndarray  # per host code: code of its most common service (-1 unknown)
    source_spans: pd.DataFrame  # index source, columns min/max (ns)
    scale: float
    counted: Counted | None = None
    tallies: Tallies | None = None  # what extend_prepared() needs to grow these arrays
    _index: dict = field(default_factory=dict)
    cache: dict = field(default_factory=dict)  # window-independent extras (triage.judgement.evidence)

    def code_of(self, signature: str) -> int:
        if not self._index:
            self._index.update({s: i for i, s in enumerate(self.signatures["signature"])})
        return self._index.get(signature, -1)


@dataclass
class Counted:
    """The source's per-signature bucket counts (SignatureCounts), on the prepared signature codes."""

    codes: np.ndarray  # signature code per count row
    ts: np.ndarray  # bucket start, int64 ns
    count: np.ndarray  # float
    use: np.ndarray  # per signature code: before/after come from these counts
    kinds: np.ndarray  # per signature code: exact / estimated / sampled


def _counted(counts, prep: Prepared) -> Counted | None:
    if counts is None:
        return None
    t = counts.table
    codes = np.array([prep.code_of(str(x)) for x in t["signature"].astype(object)], dtype=np.int64)
    ts = t["timestamp"].to_numpy(dtype="datetime64[ns]").view(np.int64)
    kinds = np.array([counts.kinds.get(str(sig), "sampled") for sig in prep.signatures["signature"]], dtype=object)
    keep = codes >= 0
    return Counted(codes[keep], ts[keep], t["count"].to_numpy(dtype=float)[keep], kinds != "sampled", kinds)


@dataclass
class Windows:
    """The before/after windows clipped to the data actually loaded."""

    deploy: pd.Timestamp
    start: pd.Timestamp  # start of the before window
    end: pd.Timestamp  # end of the after window
    before_minutes: float  # effective (covered) lengths, used as exposure
    after_minutes: float
    before_mask: np.ndarray
    after_mask: np.ndarray
    notes: list[str]
    comparable: bool  # both windows hold data: statuses mean something
    rows: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # indices of events in either window
    side: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # 0 before, 1 after, per `rows`

    def warnings(self, tz=None) -> list[str]:
        return list(self.notes)


def prepare(incident: Incident) -> Prepared:
    """Build (or reuse) the window-independent arrays for this incident's events."""
    ev = incident.events
    cached = incident.__dict__.get("_prepared")
    if cached is not None and cached[0] is ev and cached[1] == len(ev):
        return cached[2]
    prep = _prepare(ev, incident.report.scale if incident.report.estimated else 1.0)
    prep.counted = _counted(getattr(incident, "counts", None), prep)
    incident.__dict__["_prepared"] = (ev, len(ev), prep)
    return prep


def _level_ranks(level: pd.Series, status: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rank of each event's level (-1 unknown) and whether it is error/fatal.

    Lines without a level take one from their HTTP status (5xx error, 4xx warn), so an
    access-log signature ranks like the failure it records.
    """
    codes, names = dictionary_codes(level, dtype=np.int32)
    # ranks are small: one byte an event; code -1 (no level) takes the appended -1
    table = np.array([LEVEL_RANK.get(str(n).lower(), -1) for n in names] + [-1], dtype=np.int8)
    raw = table.take(codes)
    del codes
    is_error = raw >= LEVEL_RANK["error"]
    none = raw < 0
    raw[none & (status >= 400)] = LEVEL_RANK["warn"]
    raw[none & (status >= 500)] = LEVEL_RANK["error"]
    return raw, is_error


def _prepare(ev: pd.DataFrame, scale: float) -> Prepared:
    return _grow(None, ev, scale)


def extend_prepared(prep: Prepared, events: pd.DataFrame, start: int, scale: float = 1.0) -> Prepared:
    """`prep` (for events[:start]) grown by events[start:]: the arrays prepare() would build from scratch.

    Follow mode appends a few thousand events to hundreds of thousands: their codes, levels,
    first/last seen and modes extend the old ones (new values get the next codes, in order of
    first appearance, as dictionary encoding of the whole would give them).
    """
    if prep.tallies is None or start > len(events):
        return _grow(None, events, scale)
    return _grow(prep, events.iloc[start:], scale)


_PAIR = np.int64(1 << 32)  # key of a (code, value) pair: code * 2**32 + value
DENSE_TALLY_CELLS = 4_000_000
"""Pairs are counted in a dense table when codes x values fit in this many cells; by hashing otherwise."""


@dataclass
class Tallies:
    """Counts behind the per-signature modes and spans of a Prepared, so appended events can extend it."""

    sig_index: dict[str, int]
    service_index: dict[str, int]
    host_index: dict[str, int]
    source_index: dict[str, int]
    templates: list
    level: tuple[np.ndarray, np.ndarray]  # (pair key, count): signature x level rank
    service: tuple[np.ndarray, np.ndarray]  # signature x service
    host: tuple[np.ndarray, np.ndarray]  # signature x host
    host_service: tuple[np.ndarray, np.ndarray]  # host x service
    first_ts: np.ndarray  # per signature, int64 ns (int64 max when none)
    last_ts: np.ndarray
    source_lo: np.ndarray  # per source code, int64 ns
    source_hi: np.ndarray


def _grow(prev: Prepared | None, ev: pd.DataFrame, scale: float) -> Prepared:
    """Prepared arrays for `ev` appended to what `prev` prepared (None: from nothing)."""
    t = prev.tallies if prev is not None else None
    n = len(ev)
    ts_series = ev["timestamp"]
    has_ts = ts_series.notna().to_numpy()
    ts = ts_series.to_numpy(dtype="datetime64[ns]", na_value=np.datetime64("NaT")).view(np.int64).copy()
    sig_index = dict(t.sig_index) if t is not None else {}
    if "signature" in ev.columns:
        sig_codes = _extend_codes(ev["signature"], sig_index)
    else:
        sig_codes = np.full(n, -1, dtype=np.int64)
    k_old, k = (len(t.sig_index) if t is not None else 0), len(sig_index)
    # per-event temporaries are dropped as soon as they are used: at millions of events each is
    # 8 bytes an event, and together they were the peak of a whole-file report
    status = ev["http_status"].to_numpy(dtype="float64", na_value=np.nan)
    level_rank, is_error = _level_ranks(ev["level"], status)
    is_5xx = status >= 500  # NaN compares False
    is_4xx = (status >= 400) & ~is_5xx
    has_status = ~np.isnan(status)
    del status
    service_index = dict(t.service_index) if t is not None else {}
    host_index = dict(t.host_index) if t is not None else {}
    source_index = dict(t.source_index) if t is not None else {}
    service_codes = _extend_codes(ev["service"], service_index)
    host_codes = _extend_codes(ev["host"], host_index)

    templates = list(t.templates) if t is not None else []
    if k > k_old:  # the template of a new signature: the one of its first event
        first = _first_rows(sig_codes, k_old, k)
        shown = (ev["template"].iloc[first].astype(object).tolist()
                 if "template" in ev.columns else [""] * len(first))
        templates.extend(s if isinstance(s, str) else "" for s in shown)
    big, small = np.iinfo(np.int64).max, np.iinfo(np.int64).min
    first_ts = _resized(t.first_ts if t is not None else None, k, big)
    last_ts = _resized(t.last_ts if t is not None else None, k, small)
    codes_ok, ts_ok = _where((sig_codes >= 0) & has_ts, sig_codes, ts)
    np.minimum.at(first_ts, codes_ok, ts_ok)
    np.maximum.at(last_ts, codes_ok, ts_ok)
    del codes_ok, ts_ok
    source_lo, source_hi = _source_spans(t, ev["source"], source_index, ts, has_ts)
    level_tally = _tally(sig_codes, level_rank)
    del level_rank
    tallies = Tallies(
        sig_index, service_index, host_index, source_index, templates,
        _merge_tally(t.level if t is not None else None, level_tally),
        _merge_tally(t.service if t is not None else None, _tally(sig_codes, service_codes)),
        _merge_tally(t.host if t is not None else None, _tally(sig_codes, host_codes)),
        _merge_tally(t.host_service if t is not None else None, _tally(host_codes, service_codes)),
        first_ts, last_ts, source_lo, source_hi)

    if prev is not None:
        ts, has_ts = np.concatenate([prev.ts, ts]), np.concatenate([prev.has_ts, has_ts])
        sig_codes = np.concatenate([prev.sig_codes, sig_codes])
        service_codes = np.concatenate([prev.service_codes, service_codes])
        host_codes = np.concatenate([prev.host_codes, host_codes])
        is_error, is_5xx = np.concatenate([prev.is_error, is_error]), np.concatenate([prev.is_5xx, is_5xx])
        is_4xx, has_status = np.concatenate([prev.is_4xx, is_4xx]), np.concatenate([prev.has_status, has_status])
    ts_min = int(ts[has_ts].min()) if has_ts.any() else None
    ts_max = int(ts[has_ts].max()) if has_ts.any() else None
    services, hosts = list(service_index), list(host_index)
    info = pd.DataFrame({
        "signature": np.asarray(list(sig_index), dtype=object),
        "template": np.asarray(templates, dtype=object),
        "level": _modes(tallies.level, list(LEVEL_RANK), k),
        "first_seen": _times(first_ts, big),
        "last_seen": _times(last_ts, small),
        "top_service": _modes(tallies.service, services, k),
        "top_host": _modes(tallies.host, hosts, k),
    })
    seen = source_lo <= source_hi
    if seen.any():
        source_spans = pd.DataFrame({"min": source_lo[seen], "max": source_hi[seen]},
                                    index=pd.Index(np.asarray(list(source_index), dtype=object)[seen], name="source"))
    else:
        source_spans = pd.DataFrame(columns=["min", "max"])
    modes = _modes(tallies.host_service, list(range(len(services))), len(hosts))
    host_service = np.array([-1 if m is None else m for m in modes], dtype=np.int64)
    return Prepared(ts, has_ts, ts_min, ts_max, sig_codes, info, service_codes, services, host_codes, hosts,
                    is_error, is_5xx, is_4xx, has_status, host_service, source_spans, float(scale), tallies=tallies)


def _source_spans(t: Tallies | None, source: pd.Series, index: dict[str, int], ts: np.ndarray,
                  has_ts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First and last time per source code (`index` extended by new sources), grown from `t`'s."""
    codes = _extend_codes(source, index)
    big, small = np.iinfo(np.int64).max, np.iinfo(np.int64).min
    lo = _resized(t.source_lo if t is not None else None, len(index), big)
    hi = _resized(t.source_hi if t is not None else None, len(index), small)
    codes, ts = _where(has_ts & (codes >= 0), codes, ts)
    np.minimum.at(lo, codes, ts)
    np.maximum.at(hi, codes, ts)
    return lo, hi


def _where(mask: np.ndarray, *arrays: np.ndarray) -> list[np.ndarray]:
    """The arrays at `mask`; the arrays themselves when it holds everywhere (no copies of millions)."""
    return list(arrays) if mask.all() else [a[mask] for a in arrays]


def _first_rows(codes: np.ndarray, k_old: int, k: int) -> np.ndarray:
    """Row of the first event of each code k_old..k-1 (each occurs in `codes`).

    _extend_codes numbers new values in order of first appearance, so the running maximum of
    the codes steps onto each new code at its first row: one pass, no scatter over every row.
    """
    top = np.maximum.accumulate(codes)
    first = np.searchsorted(top, np.arange(k_old, k), side="left")
    if len(first) and (first.max() >= len(codes) or not np.array_equal(codes[first], np.arange(k_old, k))):
        first = np.full(k - k_old, len(codes), dtype=np.int64)  # numbered otherwise: scatter the minimum
        pos = np.flatnonzero(codes >= k_old)
        np.minimum.at(first, codes[pos] - k_old, pos)
    return first


def _extend_codes(series: pd.Series, index: dict[str, int]) -> np.ndarray:
    """Codes of `series` in `index` (extended in place by unseen values, in order of first appearance)."""
    codes, names = dictionary_codes(series, dtype=np.int32)
    if not names:
        return codes.astype(np.int64)
    # one int64 array out: code -1 (missing) takes the appended -1, Python-style
    mapping = np.array([index.setdefault(name, len(index)) for name in names] + [-1], dtype=np.int64)
    return mapping.take(codes)


def _resized(values: np.ndarray | None, k: int, fill: int) -> np.ndarray:
    out = np.full(k, fill, dtype=np.int64)
    if values is not None:
        out[: len(values)] = values
    return out


def _times(ns: np.ndarray, none: int) -> pd.DatetimeIndex:
    return pd.to_datetime(np.where(ns == none, np.iinfo(np.int64).min, ns), utc=True)


def _tally(codes: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """How often each (code, value) pair occurs where both are known."""
    ok = (codes >= 0) & (values >= 0)
    if not ok.any():
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    c, v = _where(ok, codes, values)
    width, rows = int(v.max()) + 1, int(c.max()) + 1
    if rows * width <= DENSE_TALLY_CELLS:  # few codes x values: one bincount, no hashing
        table = np.bincount(c * width + v, minlength=rows * width)
        cell = np.flatnonzero(table)
        return (cell // width) * _PAIR + cell % width, table[cell].astype(np.int64)
    vc = pd.Series(c * _PAIR + v).value_counts(sort=False)
    return vc.index.to_numpy(dtype=np.int64), vc.to_numpy(dtype=np.int64)


def _merge_tally(old, new):
    if old is None or not len(old[0]):
        return new
    if not len(new[0]):
        return old
    keys, inverse = np.unique(np.concatenate([old[0], new[0]]), return_inverse=True)
    counts = np.bincount(inverse, weights=np.concatenate([old[1], new[1]]), minlength=len(keys))
    return keys, np.rint(counts).astype(np.int64)


def _modes(tally, names: list, k: int) -> np.ndarray:
    """Most frequent value per code (ties: the lowest value code); None where no value."""
    out = np.full(k, None, dtype=object)
    key, n = tally
    if not len(key) or not names:
        return out
    c, v = key // _PAIR, key % _PAIR
    order = np.lexsort((v, -n, c))
    c, v = c[order], v[order]
    first = np.r_[True, c[1:] != c[:-1]]
    out[c[first]] = np.asarray(names, dtype=object)[v[first]]
    return out


def windows_for(prep: Prepared, deploy, before: timedelta, after: timedelta) -> Windows:
    """Masks and effective lengths of the windows; notes when data does not cover them."""
    d = pd.Timestamp(deploy)
    d = d.tz_localize("UTC") if d.tzinfo is None else d.tz_convert("UTC")
    start, end = d - pd.Timedelta(before), d + pd.Timedelta(after)
    ts, has = prep.ts, prep.has_ts
    before_mask = has & (ts >= start.value) & (ts < d.value)
    after_mask = has & (ts >= d.value) & (ts < end.value)
    rows = np.flatnonzero(before_mask | after_mask)
    side = after_mask[rows].astype(np.int64)
    notes: list[str] = []
    b_min, a_min = before.total_seconds() / 60.0, after.total_seconds() / 60.0
    comparable = True
    if prep.ts_min is None:
        if len(ts):
            notes.append("no event has a readable timestamp: nothing can be placed before or after the deploy")
        else:
            notes.append("no events were loaded")
        return Windows(d, start, end, max(b_min, 1e-9), max(a_min, 1e-9), before_mask, after_mask, notes, False, rows, side)
    if (~has).any():
        notes.append(f"{int((~has).sum()):,} events have no timestamp and are in neither window")
    lo, hi = prep.ts_min, prep.ts_max
    assert lo is not None and hi is not None  # some event has a timestamp (returned above otherwise)
    if d.value < lo or d.value > hi:
        notes.append("deploy time is outside the loaded data "
                     f"({pd.Timestamp(lo, tz='UTC'):%Y-%m-%d %H:%M:%SZ} .. {pd.Timestamp(hi, tz='UTC'):%Y-%m-%d %H:%M:%SZ})")
    covered_b = (d.value - max(start.value, lo)) / 60e9
    covered_a = (min(end.value, hi + 1) - d.value) / 60e9
    if covered_b <= 0 or not before_mask.any():
        notes.append("before window is empty: no baseline, so nothing is called NEW/SPIKE/DROP/GONE")
        comparable = False
    elif covered_b < 0.9 * b_min:
        notes.append(f"before window only partly covered by data ({covered_b:.1f} of {b_min:.0f} min); rates use the covered part")
    if covered_a <= 0 or not after_mask.any():
        notes.append("after window is empty: nothing after the deploy to compare")
        comparable = False
    elif covered_a < 0.9 * a_min:
        notes.append(f"after window only partly covered by data ({covered_a:.1f} of {a_min:.0f} min); rates use the covered part")
    eff_b = covered_b if 0 < covered_b < 0.9 * b_min else b_min
    eff_a = covered_a if 0 < covered_a < 0.9 * a_min else a_min
    return Windows(d, start, end, max(eff_b, 1e-9), max(eff_a, 1e-9), before_mask, after_mask, notes, comparable, rows, side)


def classify(a, b, q, expected_after, comparable: bool = True) -> np.ndarray:
    """NEW / SPIKE / DROP / GONE / STEADY from counts, q-values and the expected count after.

    A change must be significant after FDR control AND large enough; GONE also needs
    enough expected events after the deploy (a rare signature may just be unseen).
    """
    a, b, q, expected_after = (np.asarray(v, dtype=float) for v in (a, b, q, expected_after))
    status = np.full(a.shape, "STEADY", dtype=object)
    if not comparable:
        return status
    sig = q < ALPHA
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(expected_after > 0, a / expected_after, np.inf)
    status[sig & (ratio >= MIN_EFFECT)] = "SPIKE"
    status[sig & (ratio <= 1 / MIN_EFFECT)] = "DROP"
    status[sig & (b == 0) & (a > 0)] = "NEW"
    gone = sig & (a == 0) & (b > 0)
    status[gone & (expected_after >= GONE_MIN_EXPECTED)] = "GONE"
    status[gone & (expected_after < GONE_MIN_EXPECTED)] = "STEADY"
    return status


def compare_counts(a, b, w: Windows, *, ci: bool = True, phi=None) -> dict[str, np.ndarray]:
    """Rates, ratio, interval (unless ci=False), p and q for after-counts `a` vs before-counts `b`.

    `phi` (per row, >= 1) is the quasi-Poisson dispersion: the test and the interval see
    a/phi and b/phi, the information a bursty count really carries. phi = 1 is the exact test.
    """
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    ta, tb = w.after_minutes, w.before_minutes
    rate_a, rate_b = a / ta, b / tb
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(b > 0, rate_a / np.where(rate_b > 0, rate_b, 1), np.where(a > 0, np.inf, np.nan))
    phi = np.ones(a.shape) if phi is None else np.maximum(np.asarray(phi, dtype=float), 1.0)
    ta_, tb_ = a / phi, b / phi
    p = poisson_rate_test(ta_, tb_, ta, tb)
    active = (a + b) > 0
    q = np.ones(a.shape)
    q[active] = benjamini_hochberg(p[active])
    if ci:
        low, high = rate_ratio_ci(ta_, tb_, ta, tb)
    else:
        low = high = np.full(a.shape, np.nan)
    expected = b * ta / tb
    status = classify(a, b, q, expected, w.comparable)
    return dict(rate_before=rate_b, rate_after=rate_a, ratio=ratio, ci_low=low, ci_high=high,
                p=p, q=q, expected=expected, status=status)


def analyze(incident: Incident, *, deploy=None, before=None, after=None, tz=None,
            keep: Analysis | None = None, pause: Callable[[], object] | None = None) -> Analysis:
    """Deltas for the given windows (defaults: the incident's own).

    `keep`: an earlier analysis of this incident with fewer events (follow mode, at most a
    second old) whose stories, judgement columns and service/host table are kept instead of
    worked out again; counts, rates, tests, statuses and ranks are computed afresh, and a
    signature it did not have has no story yet.
    `pause`: called between stages (follow mode: it waits while the user's own job runs).
    """
    pause = pause or (lambda: None)
    deploy = incident.deploy if deploy is None else deploy
    before = incident.before if before is None else before
    after = incident.after if after is None else after
    prep = prepare(incident)
    pause()
    w = windows_for(prep, deploy, before, after)
    warnings = list(w.warnings(tz))
    sigs, stories = _signature_table(prep, w, events=incident.events, keep=keep)
    pause()
    rollback = getattr(incident, "rollback", None)
    if rollback is not None:
        sigs = since_rollback(sigs, prep, rollback, w)
    dims = keep.dimensions if keep is not None else _dimension_table(prep, w)
    # metrics are judged on their own points (each window needs a few), whatever the logs hold
    mets = metric_deltas(incident.metrics, w.start.value, w.deploy.value, w.end.value)
    if len(incident.events) and w.comparable:
        errors = dims[(dims["dimension"] == "overall") & (dims["measure"] == "errors")]
        if len(errors) and int(errors["before"].iloc[0] + errors["after"].iloc[0]) == 0:
            warnings.append("no error-level events in either window")
    warnings.extend(_skew_warnings(prep, w, tz))
    kinds = {k: int((sigs["counts"] == k).sum()) for k in COUNT_KINDS}
    if prep.counted is not None:
        warnings.append("signature counts: " + ", ".join(f"{n:,} {k}" for k, n in kinds.items() if n)
                        + f"; service/host counts are ESTIMATES (sampled, x{incident.report.scale:.2f})")
    elif incident.report.estimated:
        warnings.append(f"counts are ESTIMATES (sampled, x{incident.report.scale:.2f})")
    return Analysis(
        deploy=w.deploy.to_pydatetime(), before=before, after=after, signatures=sigs,
        dimensions=dims, metrics=mets, warnings=warnings, estimated=incident.report.estimated,
        count_kinds=kinds, stories=stories,
    )


def since_rollback(sigs: pd.DataFrame, prep: Prepared, rollback, w: Windows) -> pd.DataFrame:
    """A third window, [rollback, end of the after window]: did the rollback bring the rate back?

    Adds `since_rollback` (count) and `rate_since_rollback` (per minute over the part of that
    window the data covers), next to the before/after rates they are read against.
    """
    r, end = _to_ns(rollback), int(w.end.value)
    inside = prep.has_ts & (prep.ts >= r) & (prep.ts < end) & (prep.sig_codes >= 0)
    counts = np.bincount(prep.sig_codes[inside], minlength=len(prep.signatures)).astype(float) * prep.scale
    c = prep.counted
    if c is not None:  # counted signatures: from the source's per-minute counts
        pick = (c.ts >= r) & (c.ts < end)
        exact = np.bincount(c.codes[pick], weights=c.count[pick], minlength=len(prep.signatures))
        counts = np.where(c.use, exact, counts)
    last = min(end, prep.ts_max + 1) if prep.ts_max is not None else end
    minutes = max((last - r) / 60e9, 1e-9)
    rows = pd.Index(prep.signatures["signature"]).get_indexer(sigs["signature"])
    out = sigs.copy()
    got = np.where(rows >= 0, counts[np.maximum(rows, 0)], 0.0)
    out["since_rollback"] = got.astype(np.int64)
    out["rate_since_rollback"] = got / minutes if last > r else np.nan
    return out


def _scaled(res: dict, scale: float | np.ndarray) -> dict:
    """Rates for display from sampled counts; p, q, interval and status stay on the sample.

    `scale` may be one number or one per row (1 where the counts are not sampled)."""
    if np.any(np.asarray(scale) != 1.0):
        res["rate_before"], res["rate_after"] = res["rate_before"] * scale, res["rate_after"] * scale
    return res


def _split_counts(codes: np.ndarray, side: np.ndarray, k: int, weights=None) -> tuple[np.ndarray, np.ndarray]:
    """Before and after counts per code in one bincount (codes < 0 are skipped)."""
    ok = codes >= 0
    if not ok.all():
        codes, side = codes[ok], side[ok]
        weights = weights[ok] if weights is not None else None
    both = np.bincount(codes * 2 + side, weights=weights, minlength=2 * k)[: 2 * k].reshape(k, 2) if k else np.zeros((0, 2))
    return both[:, 0], both[:, 1]


@dataclass
class Binning:
    """Per-signature counts in equal bins aligned on the deploy (minutes unless the windows are long).

    Bin j covers [deploy + (j - n_before) * width, ... + width). `covered` marks bins that
    lie wholly inside the loaded data, the only ones whose zeros mean "nothing happened".
    """

    width_ns: int
    n_before: int
    counts: np.ndarray  # (signatures, bins) int32
    covered: np.ndarray  # (bins,) bool
    row_bin: np.ndarray  # bin per window row (aligned with Windows.rows)

    def start_ns(self, j, deploy_ns: int):
        return deploy_ns + (np.asarray(j) - self.n_before) * self.width_ns


MAX_BINS = 240  # bins over both windows; longer windows get wider bins


def bin_counts(prep, w: Windows) -> Binning:
    """One bincount over the window rows: the curves behind dispersion, onset and stories."""
    total_min = w.before_minutes + w.after_minutes
    span_b = (w.deploy - w.start).value / 60e9
    span_a = (w.end - w.deploy).value / 60e9
    width_min = max(1.0, float(np.ceil((span_b + span_a) / MAX_BINS))) if total_min > 0 else 1.0
    width = int(width_min * 60e9)
    n_before, n_after = int(np.ceil(span_b / width_min)), int(np.ceil(span_a / width_min))
    nb = max(1, n_before + n_after)
    k = len(prep.signatures)
    ts = prep.ts[w.rows]
    row_bin = np.clip((ts - w.deploy.value) // width + n_before, 0, nb - 1).astype(np.int64)
    codes = prep.sig_codes[w.rows]
    ok = codes >= 0
    flat = np.bincount(codes[ok] * nb + row_bin[ok], minlength=k * nb)[: k * nb] if k else np.zeros(0, np.int64)
    counts = flat.reshape(k, nb).astype(np.int32)
    if prep.counted is not None:  # counted signatures: their bins from the source's per-minute counts
        c = prep.counted
        inside = (c.ts >= w.deploy.value - n_before * width) & (c.ts < w.deploy.value + n_after * width)
        cb = (c.ts[inside] - w.deploy.value) // width + n_before
        exact = np.bincount(c.codes[inside] * nb + cb, weights=c.count[inside], minlength=k * nb)[: k * nb]
        counts[c.use] = np.rint(exact.reshape(k, nb)[c.use]).astype(np.int32)
    edges = w.deploy.value + (np.arange(nb) - n_before) * width
    lo = prep.ts_min if prep.ts_min is not None else 0
    hi = prep.ts_max if prep.ts_max is not None else -1
    covered = (edges >= max(lo, w.start.value) - width // 2) & (edges + width <= min(hi, w.end.value) + width // 2)
    return Binning(width, n_before, counts, covered, row_bin)


def before_dispersion(binning: Binning) -> np.ndarray:
    """phi per signature from its covered before-window bins (see stats.dispersion)."""
    cols = np.flatnonzero(binning.covered[: binning.n_before])
    return dispersion(binning.counts[:, cols])


def _signature_table(prep, w: Windows, binning: Binning | None = None, events=None,
                     keep: Analysis | None = None) -> tuple[pd.DataFrame, list]:
    """The signature table in story order (cause first, then its symptoms), and the stories (or `keep`'s)."""
    info = prep.signatures
    k = len(info)
    b, a = _split_counts(prep.sig_codes[w.rows], w.side, k)
    scale, kinds = np.full(k, prep.scale), np.full(k, "exact" if prep.scale == 1.0 else "sampled", dtype=object)
    if prep.counted is not None:  # the source counted these signatures over every document
        use, kinds = prep.counted.use, prep.counted.kinds
        cb, ca = _counted_split(prep.counted, w, k)
        b, a, scale = np.where(use, cb, b), np.where(use, ca, a), np.where(use, 1.0, scale)
    binning = binning or bin_counts(prep, w)
    phi = before_dispersion(binning) if w.comparable else np.ones(k)
    res = _scaled(compare_counts(a, b, w, phi=phi), scale)  # tests on the sampled or counted numbers, display scaled
    b, a = b * scale, a * scale
    weight = info["level"].map(LEVEL_WEIGHT).astype(float).fillna(UNKNOWN_WEIGHT).to_numpy()
    score = np.abs(res["rate_after"] - res["rate_before"]) * weight
    table = pd.DataFrame({
        "signature": info["signature"].to_numpy(), "template": info["template"].to_numpy(),
        "level": info["level"].to_numpy(), "status": res["status"],
        "before": b.astype(np.int64), "after": a.astype(np.int64),
        "rate_before": res["rate_before"], "rate_after": res["rate_after"], "ratio": res["ratio"],
        "ci_low": res["ci_low"], "ci_high": res["ci_high"], "p": res["p"], "q": res["q"], "score": score,
        "first_seen": info["first_seen"].to_numpy(), "last_seen": info["last_seen"].to_numpy(),
        "top_service": info["top_service"].to_numpy(), "top_host": info["top_host"].to_numpy(),
        "phi": phi, "counts": kinds,
    })
    from triage.judgement import judge
    from triage.judgement.stories import ROLE_ORDER

    if keep is not None:
        cols, stories = _kept_judgement(keep.signatures, table["signature"].to_numpy()), list(keep.stories)
    else:
        cols, stories = judge(prep, w, binning, table, events if events is not None else pd.DataFrame())
    for name, values in cols.items():
        table[name] = values
    changed = (table["status"] != "STEADY").to_numpy()
    in_window = ((a + b) > 0)
    story = cols["story"]
    role = np.array([ROLE_ORDER[r] for r in cols["role"]])
    storyless = np.where(story > 0, story, np.iinfo(np.int64).max)
    order = np.lexsort((table["signature"].to_numpy(), -score, ~in_window, ~changed, role, storyless))
    table = table.iloc[order].reset_index(drop=True)
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    return table[SIGNATURE_COLUMNS], stories


def _kept_judgement(previous: pd.DataFrame, signatures: np.ndarray) -> dict:
    """The judgement columns of an earlier table, for `signatures` (those it lacks: no story)."""
    prev = previous.drop_duplicates("signature")
    at = pd.Index(prev["signature"].astype(object)).get_indexer(signatures)
    have, at = at >= 0, np.maximum(at, 0)

    def column(name, fill, dtype):
        values = prev[name].to_numpy(dtype=dtype)
        return np.where(have, values[at] if len(values) else fill, fill).astype(dtype)

    onset = pd.DatetimeIndex(prev["onset"]).asi8 if len(prev) else np.zeros(0, dtype=np.int64)
    none = np.iinfo(np.int64).min
    return {
        "story": column("story", 0, np.int64), "role": column("role", "", object),
        "severity": column("severity", "", object),
        "onset": pd.to_datetime(np.where(have, onset[at] if len(onset) else none, none), utc=True),
        "onset_s": column("onset_s", np.nan, float), "pre_deploy": column("pre_deploy", False, bool),
    }


def _counted_split(c: Counted, w: Windows, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Before/after sums of the buckets that start inside each window."""
    before = (c.ts >= w.start.value) & (c.ts < w.deploy.value)
    after = (c.ts >= w.deploy.value) & (c.ts < w.end.value)
    inside = before | after
    return _split_counts(c.codes[inside], after[inside].astype(np.int64), k, weights=c.count[inside])


def _dimension_table(prep, w: Windows) -> pd.DataFrame:
    frames = []
    rows, side = w.rows, w.side
    measures = [(measure, mask[rows]) for measure, mask in (("errors", prep.is_error), ("5xx", prep.is_5xx), ("4xx", prep.is_4xx))]
    with_status = prep.has_status[rows]
    for dimension, codes, keys in (("overall", None, ["all"]), ("service", prep.service_codes, prep.services),
                                   ("host", prep.host_codes, prep.hosts)):
        k = len(keys)
        codes = np.zeros(rows.size, dtype=np.int64) if codes is None else codes[rows]
        volumes = {}  # events per key after the deploy (all, or those with an HTTP status): the outliers' exposure
        if dimension != "overall":
            volumes["errors"] = _split_counts(codes, side, k)[1]
            volumes["5xx"] = volumes["4xx"] = _split_counts(codes[with_status], side[with_status], k)[1]
        for measure, hit in measures:
            frames.append(_measure_rows(dimension, codes, keys, measure, hit, volumes.get(measure), prep, w))
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame(columns=DIMENSION_COLUMNS)
    out = pd.concat(frames, ignore_index=True)
    return out[DIMENSION_COLUMNS]


def _measure_rows(dimension, codes, keys, measure, hit, volume, prep, w: Windows) -> pd.DataFrame:
    """One measure's rows; `codes`, `hit` are per window row, `volume` per key (None for overall)."""
    k = len(keys)
    b, a = _split_counts(codes[hit], w.side[hit], k)
    keep = np.ones(k, dtype=bool) if dimension == "overall" else (a + b) > 0
    if dimension != "overall" and not keep.any():
        return pd.DataFrame(columns=DIMENSION_COLUMNS)
    res = _scaled(compare_counts(a[keep], b[keep], w, ci=False), prep.scale)
    if dimension == "overall":
        outlier = np.zeros(1, dtype=bool)
    else:
        groups = prep.host_service if dimension == "host" else np.zeros(k, dtype=np.int64)
        outlier = _outliers(a, volume, groups)[keep]  # on the sample, like the other tests
    b, a = b * prep.scale, a * prep.scale
    return pd.DataFrame({
        "dimension": dimension, "key": np.asarray(keys, dtype=object)[keep], "measure": measure,
        "before": b[keep].astype(np.int64), "after": a[keep].astype(np.int64),
        "rate_before": res["rate_before"], "rate_after": res["rate_after"], "ratio": res["ratio"],
        "p": res["p"], "q": res["q"], "status": res["status"], "outlier": outlier,
    })


def _outliers(count, volume, groups) -> np.ndarray:
    """Keys whose share of bad events after the deploy is well above their peers'.

    Peers are the other keys of the same group (hosts of the same service), pooled,
    with event volume as exposure, so a busy host is not an outlier for being busy.
    """
    count, volume = np.asarray(count, dtype=float), np.asarray(volume, dtype=float)
    out = np.zeros(count.size, dtype=bool)
    ratio, tested, peers_count, peers_volume = [], [], [], []
    for g in np.unique(groups):
        idx = np.flatnonzero(groups == g)
        if idx.size < 2 or count[idx].sum() == 0:
            continue
        c, v = count[idx], volume[idx]
        peers_c, peers_v = c.sum() - c, v.sum() - v
        for j, i in enumerate(idx):  # few keys; each test has its own exposures
            if v[j] <= 0 or peers_v[j] <= 0:
                continue
            share_peers = peers_c[j] / peers_v[j]
            tested.append(i)
            peers_count.append(peers_c[j])
            peers_volume.append(peers_v[j])
            ratio.append(np.inf if share_peers == 0 else (c[j] / v[j]) / share_peers)
    if tested:
        idx = np.array(tested)
        p = poisson_rate_test(count[idx], np.array(peers_count), volume[idx], np.array(peers_volume))  # one call
        q = benjamini_hochberg(p)
        hit = (q < ALPHA) & (np.array(ratio) >= OUTLIER_MIN_RATIO) & (count[idx] >= OUTLIER_MIN_COUNT)
        out[idx[hit]] = True
    return out


def _skew_warnings(prep, w: Windows, tz) -> list[str]:
    """Sources whose events miss both windows while others hit them: clock or zone skew?"""
    spans = prep.source_spans
    if len(spans) < 2:
        return []
    start, end = w.start.value, w.end.value
    hits = (spans["max"] >= start) & (spans["min"] < end)
    if not hits.any():
        return []
    out = []
    for name, row in spans[~hits].iterrows():
        lo, hi = pd.Timestamp(row["min"], tz="UTC"), pd.Timestamp(row["max"], tz="UTC")
        out.append(
            f"source {name} has no events in the windows (its events span {format_time(lo, tz)} .. "
            f"{format_time(hi, tz)}): clock or time-zone skew? try --tz"
        )
    return out


def timeline(incident: Incident, signature: str | None, *, bins: int = 60, start=None, end=None,
             errors_only: bool = False) -> tuple[np.ndarray, int]:
    """Counts per bin over [start, end] for one signature (None: all events), and the deploy's bin.

    `errors_only` keeps error/fatal events (or 5xx lines without a level).
    """
    prep = prepare(incident)
    lo, hi = _range(prep, incident, start, end)
    ts = prep.ts
    mask = prep.has_ts & (ts >= lo) & (ts <= hi)
    if errors_only:
        mask &= prep.is_error | prep.is_5xx
    if signature is not None:
        code = prep.code_of(signature)
        c = prep.counted
        if c is not None and code >= 0 and c.use[code] and not errors_only:  # counted over every document
            pick = (c.codes == code) & (c.ts >= lo) & (c.ts <= hi)
            idx = _bin_index(c.ts[pick], lo, hi, bins)
            counts = np.rint(np.bincount(idx, weights=c.count[pick], minlength=bins)[:bins]).astype(np.int64)
            return counts, _deploy_bin(incident, lo, hi, bins)
        mask &= prep.sig_codes == code
    counts = _bin_counts(ts[mask], lo, hi, bins)
    return counts, _deploy_bin(incident, lo, hi, bins)


def metric_timeline(incident: Incident, metric: str, *, bins: int = 60, start=None, end=None,
                    dimensions: str | None = None) -> tuple[np.ndarray, int]:
    """Mean per bin (NaN where empty) for one metric, and the deploy's bin.

    All series of the metric are averaged unless `dimensions` ("k=v,...") picks one.
    """
    prep = prepare(incident)
    lo, hi = _range(prep, incident, start, end)
    m = incident.metrics
    keep = m["metric"] == metric
    if dimensions is not None:
        keep &= m["dimensions"].fillna("") == dimensions
    sel = m[keep.to_numpy(dtype=bool, na_value=False)]
    ts = sel["timestamp"].to_numpy(dtype="datetime64[ns]").view(np.int64)
    vals = sel["value"].to_numpy(dtype=float)
    ok = (ts >= lo) & (ts <= hi) & ~np.isnan(vals)
    idx = _bin_index(ts[ok], lo, hi, bins)
    sums = np.bincount(idx, weights=vals[ok], minlength=bins)[:bins]
    counts = np.bincount(idx, minlength=bins)[:bins]
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
    return means, _deploy_bin(incident, lo, hi, bins)


def _to_ns(value) -> int:
    ts = pd.Timestamp(value)
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    return int(ts.value)


def _range(prep, incident, start, end) -> tuple[int, int]:
    d = _to_ns(incident.deploy)
    lo = _to_ns(start) if start is not None else (prep.ts_min if prep.ts_min is not None else d - incident.before.total_seconds() * 1e9)
    hi = _to_ns(end) if end is not None else (prep.ts_max if prep.ts_max is not None else d + incident.after.total_seconds() * 1e9)
    lo, hi = int(lo), int(hi)
    return (lo, hi) if hi > lo else (lo, lo + 1)


def _bin_index(ts: np.ndarray, lo: int, hi: int, bins: int) -> np.ndarray:
    idx = ((ts - lo).astype(float) / (hi - lo) * bins).astype(np.int64)
    return np.clip(idx, 0, bins - 1)


def _bin_counts(ts, lo, hi, bins) -> np.ndarray:
    return np.bincount(_bin_index(ts, lo, hi, bins), minlength=bins)[:bins].astype(np.int64)


def _bin_of(ns: int, lo: int, hi: int, bins: int) -> int:
    return int(np.clip(int((ns - lo) / (hi - lo) * bins), 0, bins - 1))


def _deploy_bin(incident, lo, hi, bins) -> int:
    return _bin_of(_to_ns(incident.deploy), lo, hi, bins)


def rollback_bin(incident: Incident, *, bins: int = 60, start=None, end=None) -> int | None:
    """The bin of the rollback marker on a `timeline` over the same range; None when unmarked or outside it."""
    when = getattr(incident, "rollback", None)
    if when is None:
        return None
    # the events' span is only needed (and prepared) for a missing end of the range
    prep = prepare(incident) if start is None or end is None else None
    lo, hi = _range(prep, incident, start, end)
    r = _to_ns(when)
    return _bin_of(r, lo, hi, bins) if lo <= r <= hi else None


def signature_detail(incident: Incident, signature: str, *, samples: int = 5, start=None, end=None,
                     slot_sample: int = SLOT_SAMPLE) -> SignatureDetail:
    """Everything the detail pane and the note show about one signature.

    Samples are spread evenly over the signature's events in [start, end) when given
    (e.g. the after window for a NEW signature), else over all of them. `slot_sample`: events read
    for the value inspector's shares (the app reads fewer, so a key press stays quick).
    """
    ev = incident.events
    prep = prepare(incident)
    code = prep.code_of(signature)
    member = prep.sig_codes == code if code >= 0 else np.zeros(len(ev), dtype=bool)
    rows = ev if member.all() else ev[member]  # the detail pane passes just this signature's events
    info = prep.signatures
    meta = info.iloc[code] if code >= 0 else None
    pool = member
    if start is not None or end is not None:
        lo = _to_ns(start) if start is not None else np.iinfo(np.int64).min
        hi = _to_ns(end) if end is not None else np.iinfo(np.int64).max
        windowed = member & prep.has_ts & (prep.ts >= lo) & (prep.ts < hi)
        pool = windowed if windowed.any() else member
    candidates = np.flatnonzero(pool)  # positions: only the picked rows are read
    picks = _sample_positions(len(candidates), samples)
    sample_dicts = sorted((_sample(ev.iloc[int(candidates[i])]) for i in picks), key=_sample_time)

    def counts(col):
        vc = rows[col].dropna().astype(str).value_counts()
        return [(str(k), int(v)) for k, v in vc.items()]

    return SignatureDetail(
        signature=signature,
        template=str(meta["template"]) if meta is not None else "",
        level=meta["level"] if meta is not None and isinstance(meta["level"], str) else None,
        count=int(len(rows)),
        first_seen=meta["first_seen"] if meta is not None else None,
        last_seen=meta["last_seen"] if meta is not None else None,
        samples=sample_dicts,
        by_service=counts("service"),
        by_host=counts("host"),
        by_status=counts("http_status"),
        slots=_slot_report(incident, rows, str(meta["template"]) if meta is not None else "", slot_sample),
    )


def _sample_positions(n: int, k: int) -> list[int]:
    if n <= 0 or k <= 0:
        return []
    if n <= k:
        return list(range(n))
    return sorted({int(round(i * (n - 1) / (k - 1))) for i in range(k)}) if k > 1 else [0]


def _sample_time(s: dict) -> int:
    ts = s.get("timestamp")
    return int(pd.Timestamp(ts).value) if ts is not None else np.iinfo(np.int64).max


def _sample(row) -> dict:
    def val(name):
        v = row.get(name)
        return None if v is None or (not isinstance(v, str) and pd.isna(v)) else v

    line = val("line")
    line = int(line) if line is not None else None
    raw = val("raw")
    if raw is None:  # a plain file's one-line event: its text is read back from the file (triage.rawtext)
        raw = rawtext.lookup(val("source"), line)
    return {
        "timestamp": val("timestamp"), "level": val("level"), "service": val("service"), "host": val("host"),
        "source": val("source"), "line": line, "message": val("message"),
        "raw": raw, "fields": val("fields"),
    }
