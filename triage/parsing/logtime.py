"""Vectorised parsing of log timestamps, one known layout at a time.

Each header shape says which layout its `ts` group has, so a million timestamps
go through one pandas call; only the odd leftovers reach dateutil, once per
distinct string.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from triage.events import _NS_MAX, _NS_MIN, STR, to_ns
from triage.timeparse import parse_time, resolve_tz

TS_DTYPE = "datetime64[ns, UTC]"
_FALLBACK_LIMIT = 20000  # distinct odd strings handed to dateutil; beyond that they stay NaT
_AWARE = r"(?:Z|z|[+-]\d{2}(?::?\d{2})?|UTC|GMT)$"


def _series(arr) -> pd.Series:
    return pd.Series(arr, dtype=STR) if not isinstance(arr, pd.Series) else arr


def _nat(n: int) -> pd.Series:
    return pd.Series(pd.NaT, index=range(n), dtype=TS_DTYPE)


def _localise(naive: pd.Series, tz) -> pd.Series:
    zone = resolve_tz(tz)
    if zone is timezone.utc:
        return naive.dt.tz_localize("UTC")
    return naive.dt.tz_localize(zone, ambiguous="NaT", nonexistent="shift_forward").dt.tz_convert("UTC")


def _to_dt(s: pd.Series, fmt: str, tz, aware: bool) -> pd.Series:
    if aware:
        out = pd.to_datetime(s, format=fmt, utc=True, errors="coerce")
    else:
        naive = pd.to_datetime(s, format=fmt, errors="coerce")
        naive = naive.mask((naive < _NS_MIN.tz_localize(None)) | (naive > _NS_MAX.tz_localize(None)))
        out = _localise(naive, tz)
    return to_ns(out)


def _any(arr: pa.Array, pattern: str) -> bool:
    return bool(pc.any(pc.match_substring_regex(arr, pattern)).as_py())


def _tail(arr: pa.Array, n: int = 7) -> pa.Array:
    """The last n characters: RE2 reads a `...$` pattern from the start of the string, so a check of
    how a string ends runs on its tail (a zone is at most 7 characters)."""
    return pc.utf8_slice_codeunits(arr, -n)


def _iso(arr: pa.Array, tz) -> pd.Series:
    if pc.any(pc.match_substring(arr, ",")).as_py():
        arr = pc.replace_substring(arr, ",", ".")
    if _any(arr, r"^\d{4}/"):
        arr = pc.replace_substring_regex(arr, r"^(\d{4})/(\d{2})/(\d{2})", r"\1-\2-\3")
    tail = _tail(arr)
    if _any(tail, r"(?:UTC|GMT)$"):
        arr = pc.replace_substring_regex(arr, r" ?(?:UTC|GMT)$", "Z")
        tail = _tail(arr)
    if _any(tail, r" [+-]\d{2}:?\d{2}$"):
        arr = pc.replace_substring_regex(arr, r" ([+-]\d{2}:?\d{2})$", r"\1")
    fast = _arrow_iso(arr, tz)
    if fast is not None:
        return fast
    s = _series(arr)
    if resolve_tz(tz) is timezone.utc:
        return _to_dt(s, "ISO8601", tz, True)  # naive strings are UTC: one call for both kinds
    mask = np.asarray(pc.match_substring_regex(arr, _AWARE).to_numpy(zero_copy_only=False), dtype=bool)
    out = _nat(len(s))
    if mask.any():
        out[mask] = _to_dt(s[mask], "ISO8601", tz, True)
    if (~mask).any():
        out[~mask] = _to_dt(s[~mask], "ISO8601", tz, False)
    return out


_ARROW_AWARE = r"(?:Z|[+-]\d{2}(?::?\d{2})?)$"


def _arrow_iso(arr: pa.Array, tz) -> pd.Series | None:
    """Arrow's own ISO-8601 cast: about ten times pandas' parser and free of the GIL, so parse threads
    run side by side. None when any string is one it does not read (a leap second, a year outside the
    nanosecond range, ten fraction digits, a lower-case `t`): pandas then parses the whole column."""
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    aware = pc.fill_null(pc.match_substring_regex(_tail(arr), _ARROW_AWARE), False)
    mask = np.asarray(aware.to_numpy(zero_copy_only=False), dtype=bool)
    vals = np.empty(len(arr), dtype="datetime64[ns]")
    try:
        if mask.any():
            vals[mask] = pc.cast(arr.filter(aware), pa.timestamp("ns", "UTC")).to_numpy(zero_copy_only=False)
        if not mask.all():
            naive = pc.cast(arr.filter(pc.invert(aware)), pa.timestamp("ns")).to_numpy(zero_copy_only=False)
            if resolve_tz(tz) is not timezone.utc:
                naive = _localise(pd.Series(naive), tz).dt.tz_localize(None).to_numpy()
            vals[~mask] = naive
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    return to_ns(pd.Series(vals).dt.tz_localize("UTC"))


def _with_year(arr: pa.Array, fmt: str, tz, now: datetime | None) -> pd.Series:
    """Layouts without a year (syslog, klog): this year, or last year when that lands in the future."""
    now = now or datetime.now(timezone.utc)
    year = now.year
    prefixed = pc.binary_join_element_wise(pa.scalar(f"{year}"), arr, " ")
    out = _fraction_optional(prefixed, "%Y " + fmt, tz, False)
    future = out > pd.Timestamp(now + timedelta(days=2))
    if future.any():
        earlier = pc.binary_join_element_wise(pa.scalar(f"{year - 1}"), arr, " ")
        redo = _fraction_optional(earlier, "%Y " + fmt, tz, False)
        out = out.where(~future, redo)
    return out


def _fraction_optional(arr: pa.Array, fmt: str, tz, aware: bool) -> pd.Series:
    has_frac = np.asarray(pc.match_substring_regex(arr, r":\d{2}\.\d+").to_numpy(zero_copy_only=False), dtype=bool)
    s = _series(arr)
    if has_frac.all():
        return _to_dt(s, fmt.replace("%S", "%S.%f"), tz, aware)
    if not has_frac.any():
        return _to_dt(s, fmt, tz, aware)
    out = _nat(len(s))
    out[has_frac] = _to_dt(s[has_frac], fmt.replace("%S", "%S.%f"), tz, aware)
    out[~has_frac] = _to_dt(s[~has_frac], fmt, tz, aware)
    return out


def _time_only(arr: pa.Array, tz, now: datetime | None) -> pd.Series:
    """Layouts with a time of day only (logback's default): today in the user's zone."""
    now = now or datetime.now(timezone.utc)
    today = now.astimezone(resolve_tz(tz)).strftime("%Y-%m-%d")
    arr = pc.replace_substring(arr, ",", ".")
    return _iso(pc.binary_join_element_wise(pa.scalar(today), arr, " "), tz)


def _klog(arr: pa.Array, tz, now) -> pd.Series:
    """glog's `0517 15:04:22.619632`; glog 0.7+ writes the year too: `20200308 23:47:32.089828`."""
    dated = np.asarray(pc.match_substring_regex(arr, r"^\d{8} ").to_numpy(zero_copy_only=False), dtype=bool)
    if not dated.any():
        return _with_year(arr, "%m%d %H:%M:%S", tz, now)
    out = _nat(len(arr))
    out[dated] = _fraction_optional(arr.filter(pa.array(dated)), "%Y%m%d %H:%M:%S", tz, False).to_numpy()
    if not dated.all():
        out[~dated] = _with_year(arr.filter(pa.array(~dated)), "%m%d %H:%M:%S", tz, now).to_numpy()
    return out


def _clf(arr: pa.Array, tz) -> pd.Series:
    """`10/Oct/2000:13:55:36 -0700`; Python's http.server writes `10/Oct/2000 13:55:36` without a zone (local time)."""
    if _any(arr, r"\d{4} \d"):
        arr = pc.replace_substring_regex(arr, r"^(\S+/\d{4}) ", r"\1:")
    zoned = np.asarray(pc.match_substring_regex(arr, r" [+-]\d{4}$").to_numpy(zero_copy_only=False), dtype=bool)
    s = _series(arr)
    if zoned.all():
        return _to_dt(s, "%d/%b/%Y:%H:%M:%S %z", tz, True)
    out = _nat(len(s))
    if zoned.any():
        out[zoned] = _to_dt(s[zoned], "%d/%b/%Y:%H:%M:%S %z", tz, True)
    out[~zoned] = _to_dt(s[~zoned], "%d/%b/%Y:%H:%M:%S", tz, False)
    return out


def _epoch(arr: pa.Array) -> pd.Series:
    num = pd.to_numeric(_series(arr), errors="coerce").astype("float64")
    scale = np.where(num > 1e17, 1e-9, np.where(num > 1e14, 1e-6, np.where(num > 1e11, 1e-3, 1.0)))
    micros = np.round(num.to_numpy() * scale * 1e6)  # microsecond precision survives float64
    ok = np.isfinite(micros) & (np.abs(micros) < 9.2e15)
    out = _nat(len(num))
    if ok.any():
        out[ok] = pd.to_datetime(micros[ok].astype("int64"), unit="us", utc=True).astype(TS_DTYPE)
    return out


_TIME_PART = r"(?P<H>\d\d?)[:.](?P<M>\d\d?)[:.](?P<S>\d\d?)(?:[.,:](?P<f>\d{1,9}))?"
GENERIC_DATED = (
    r"(?:(?P<y>\d{4})[-./]?(?P<mo>\d\d)[-./]?(?P<d>\d\d)|(?P<a>\d\d?)(?P<sep>[-./])(?P<b>\d\d?)[-./](?P<y2>\d{4})"
    r"|(?P<mo2>\d\d?)[-./](?P<d2>\d\d?))[-T _./:]+" + _TIME_PART
)
"""`date time` with unusual separators (`2005-06-03-15.42.50.675872`, `20171223-22:15:29:606`, `11.26 14:02:07`)."""
GENERIC_TIME = r"(?P<H>\d\d?):(?P<M>\d\d?):(?P<S>\d\d?)(?:[.,:](?P<f>\d{1,9}))?"
"""A time of day alone: colons only (`26.11.26` is a date, not a time)."""


_MONTH_NAME = r"(?i)\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b"
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
NAMED_DMY = (
    r"^\W*(?P<d>\d\d?)[-/ ](?P<mon>(?i:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec))[a-z]*\.?[-/ ,]+"
    r"(?:(?P<y>\d{4})[-T _:/]+)?" + _TIME_PART + r"(?P<zone>\s*(?:[A-Za-z]{1,5}\b|[+-]\d\d:?\d\d))?"
)
"""`02 Dec 2026 09:10:11.123` (redis), `02/Dec/2026 09:10:11` (Python's http.server), `13 Apr 12:52:30.731`:
day, month name, optional year, time, read without dateutil. A zone after the time is left to dateutil."""


def _join(*parts) -> pa.Array:
    return pc.binary_join_element_wise(*parts, "")


def _clock(st: pa.StructArray) -> pa.Array:
    frac = pc.utf8_slice_codeunits(pc.fill_null(st.field("f"), "0"), 0, 6)
    frac = pc.if_else(pc.equal(frac, ""), pa.scalar("0"), frac)
    hour, minute, second = (pc.utf8_lpad(st.field(k), 2, "0") for k in ("H", "M", "S"))
    return _join(hour, pa.scalar(":"), minute, pa.scalar(":"), second, pa.scalar("."), frac)


def _ymd(st: pa.StructArray) -> tuple[pa.Array, pa.Array, pa.Array]:
    """Year, month, day text; `a/b/yyyy` is month first with `/` (US), day first with `.` or `-`,
    unless a number over 12 says otherwise."""
    a, b = pc.utf8_lpad(st.field("a"), 2, "0"), pc.utf8_lpad(st.field("b"), 2, "0")
    a_day = pc.or_(pc.not_equal(st.field("sep"), "/"), pc.greater(a, "12"))
    a_day = pc.and_(a_day, pc.less_equal(b, "12"))
    dmy = pc.not_equal(st.field("y2"), "")
    year = pc.if_else(dmy, st.field("y2"), st.field("y"))
    month = pc.if_else(dmy, pc.if_else(a_day, b, a), st.field("mo"))
    day = pc.if_else(dmy, pc.if_else(a_day, a, b), st.field("d"))
    return year, month, day


def _dated(st: pa.StructArray, tz, now) -> np.ndarray:
    """UTC ns of matched `date time` rows: a year gives one ISO parse; month/day only, the syslog year inference."""
    time = _clock(st)
    year, month, day = _ymd(st)
    has_year = np.asarray(pc.not_equal(year, "").to_numpy(zero_copy_only=False), dtype=bool)
    parsed = np.full(len(st), np.iinfo(np.int64).min, dtype=np.int64)
    if has_year.any():
        iso = _join(year, pa.scalar("-"), month, pa.scalar("-"), day, pa.scalar(" "), time)
        parsed[has_year] = _ns(_to_dt(_series(iso.filter(pa.array(has_year))), "%Y-%m-%d %H:%M:%S.%f", tz, False))
    if not has_year.all():
        md = _join(pc.utf8_lpad(st.field("mo2"), 2, "0"), pa.scalar("-"), pc.utf8_lpad(st.field("d2"), 2, "0"), pa.scalar(" "), time)
        parsed[~has_year] = _ns(_with_year(md.filter(pa.array(~has_year)), "%m-%d %H:%M:%S", tz, now))
    return parsed


def _named_dmy(arr: pa.Array, tz, now) -> np.ndarray:
    """UTC ns of `day month-name [year] time` strings (NaT as min int64 where the layout differs or a zone follows)."""
    out = np.full(len(arr), np.iinfo(np.int64).min, dtype=np.int64)
    st = pc.extract_regex(arr, NAMED_DMY)
    ok = np.asarray(pc.and_(pc.is_valid(st), pc.equal(pc.fill_null(st.field("zone"), ""), "")).fill_null(False)
                    .to_numpy(zero_copy_only=False), dtype=bool)
    if not ok.any():
        return out
    st = st.filter(pa.array(ok))
    mon = pc.utf8_lower(st.field("mon"))
    month = pc.take(pa.array([f"{i + 1:02d}" for i in range(12)]), pc.index_in(mon, pa.array(_MONTHS)))
    day = pc.utf8_lpad(st.field("d"), 2, "0")
    md = _join(month, pa.scalar("-"), day, pa.scalar(" "), _clock(st))
    year = st.field("y")
    has_year = np.asarray(pc.not_equal(year, "").to_numpy(zero_copy_only=False), dtype=bool)
    parsed = np.full(len(st), np.iinfo(np.int64).min, dtype=np.int64)
    if has_year.any():
        iso = _join(year, pa.scalar("-"), md).filter(pa.array(has_year))
        parsed[has_year] = _ns(_to_dt(_series(iso), "%Y-%m-%d %H:%M:%S.%f", tz, False))
    if not has_year.all():
        parsed[~has_year] = _ns(_with_year(md.filter(pa.array(~has_year)), "%m-%d %H:%M:%S", tz, now))
    out[ok] = parsed
    return out


def _generic(arr: pa.Array, tz, now: datetime | None) -> pd.Series:
    """Unusual layouts: pull the numbers out, rebuild ISO text, then the usual vectorised parsers.

    A full date first; month and day only take the year inference; a time alone takes today.
    """
    full = _ns(_nat(len(arr))).copy()
    st = pc.extract_regex(arr, GENERIC_DATED)
    ok = np.asarray(pc.is_valid(st).to_numpy(zero_copy_only=False), dtype=bool)
    named = np.asarray(pc.match_substring_regex(arr, _MONTH_NAME).to_numpy(zero_copy_only=False), dtype=bool)
    if named.any():  # `Thu Nov 26 10:00:07 UTC 2026`: left to dateutil, once per distinct string
        ok &= ~named
        at = np.flatnonzero(named)
        got = _named_dmy(arr.take(pa.array(at)), tz, now)
        full[at] = got
        read = np.zeros(len(arr), dtype=bool)
        read[at[got != np.iinfo(np.int64).min]] = True
        ok |= read  # read here: neither a time alone nor dateutil
        arr = pc.if_else(pa.array(named & ~read), pa.scalar("", pa.string()), arr)
    dated = ok & ~named
    if dated.any():
        full[dated] = _dated(st.filter(pa.array(dated)), tz, now)
    if not ok.all():
        rest = np.flatnonzero(~ok)
        st2 = pc.extract_regex(arr.take(pa.array(rest)), GENERIC_TIME)
        ok2 = np.asarray(pc.is_valid(st2).to_numpy(zero_copy_only=False), dtype=bool)
        if ok2.any():
            full[rest[ok2]] = _ns(_time_only(_clock(st2.filter(pa.array(ok2))), tz, now))
    return _from_ns(full)


def parse_timestamps(arr: pa.Array, kind: str, *, tz=None, now: datetime | None = None) -> pd.Series:
    """Timestamps of one layout `kind` to UTC; unreadable ones become NaT (and go to `fallback`)."""
    if len(arr) == 0:
        return _nat(0)
    if kind == "iso":
        out = _iso(arr, tz)
    elif kind == "syslog":
        arr = pc.replace_substring_regex(arr, " +", " ") if _any(arr, "  ") else arr
        out = _with_year(arr, "%b %d %H:%M:%S", tz, now)
    elif kind == "klog":
        out = _klog(arr, tz, now)
    elif kind == "clf":
        out = _clf(arr, tz)
    elif kind == "ctime":
        out = _fraction_optional(pc.replace_substring_regex(arr, " +", " "), "%a %b %d %H:%M:%S %Y", tz, False)
    elif kind == "yymmdd":  # HDFS `081109 203615`; MySQL 5 `170213 16:00:33`, `170213  6:00:33`
        if _any(arr, ":"):
            arr = pc.replace_substring(pc.replace_substring_regex(arr, r"^(\d{6})  ?(\d):", r"\1 0\2:"), ":", "")
        out = _to_dt(_series(arr), "%y%m%d %H%M%S", tz, False)
    elif kind == "yy/mm/dd":
        out = _to_dt(_series(arr), "%y/%m/%d %H:%M:%S", tz, False)
    elif kind == "generic":
        out = _generic(arr, tz, now)
    elif kind == "timeonly":
        out = _time_only(arr, tz, now)
    elif kind == "epoch":
        out = _epoch(pc.replace_substring_regex(arr, r"[\[\]()]", "") if _any(arr, r"[\[(]") else arr)
    else:
        out = _nat(len(arr))
    return fallback(arr, out, tz=tz, now=now)


def fallback(arr, parsed: pd.Series, *, tz=None, now=None) -> pd.Series:
    """Give the strings the fast path could not read one dateutil try each (distinct values only)."""
    missing = parsed.isna().to_numpy()
    if not missing.any():
        return parsed
    texts = _series(arr)
    todo = missing & texts.notna().to_numpy() & (texts.str.len() > 0).fillna(False).to_numpy()
    if not todo.any():
        return parsed
    uniques = pd.unique(texts[todo])[:_FALLBACK_LIMIT]
    table = {}
    for text in uniques:
        try:
            table[text] = parse_time(text, tz=tz, now=now)
        except (ValueError, OverflowError):
            continue
    if not table:
        return parsed
    found = texts[todo].map(table)
    merged = _ns(parsed).copy()
    fixed = _ns(to_ns(pd.to_datetime(found.astype(object), utc=True, errors="coerce")).reset_index(drop=True))
    merged[todo] = fixed
    return _from_ns(merged)


def _ns(series: pd.Series) -> np.ndarray:
    """UTC nanoseconds as int64 (NaT -> min int64), for position-wise merging without dtype surprises."""
    series = to_ns(series)
    return series.array.asi8 if hasattr(series.array, "asi8") else series.to_numpy().view("int64")


def _from_ns(values: np.ndarray) -> pd.Series:
    return pd.Series(pd.DatetimeIndex(values.view("M8[ns]")).tz_localize("UTC"), dtype=TS_DTYPE)


def parse_any(values: pd.Series, *, tz=None, now=None) -> pd.Series:
    """Timestamps of unknown layout (JSON fields): numbers as epochs, strings as ISO, then dateutil."""
    n = len(values)
    out = np.full(n, np.iinfo(np.int64).min, dtype=np.int64)
    if n == 0:
        return _nat(0)
    obj = values.astype(object).tolist()
    is_num = np.fromiter((isinstance(v, (int, float)) and not isinstance(v, bool) for v in obj), dtype=bool, count=n)
    is_str = np.fromiter((isinstance(v, str) for v in obj), dtype=bool, count=n)
    if is_num.any():
        nums = [repr(v) if isinstance(v, float) else str(v) for v, keep in zip(obj, is_num) if keep]
        out[is_num] = _ns(_epoch(pa.array(nums, pa.string())))
    if is_str.any():
        strs = pa.array([v for v, keep in zip(obj, is_str) if keep], pa.string())
        parsed = _ns(parse_timestamps(strs, "iso", tz=tz, now=now))
        epochish = np.asarray(pc.match_substring_regex(strs, r"^\d{9,19}(?:\.\d+)?$").to_numpy(zero_copy_only=False), dtype=bool)
        if epochish.any():
            parsed = parsed.copy()
            parsed[epochish] = _ns(_epoch(strs))[epochish]
        out[is_str] = parsed
    return _from_ns(out)


_MON = r"(?:[Jj]an|[Ff]eb|[Mm]ar|[Aa]pr|[Mm]ay|[Jj]un|[Jj]ul|[Aa]ug|[Ss]ep|[Oo]ct|[Nn]ov|[Dd]ec)[a-z]*"
_DOW = r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*"
EMBEDDED = (
    r"(?P<t>\d\d?/" + _MON + r"/\d{4}[: ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?: [+-]\d{4})?"
    r"|\d{4}-\d\d-\d\d(?:T| +)\d?\d:\d\d:\d\d(?:[.,]\d+)?"
    r"|\d{4}/\d\d/\d\d[ T]\d\d:\d\d:\d\d(?:[.,]\d+)?"
    r"|" + _DOW + r",? +" + _MON + r" +\d\d? +\d\d:\d\d:\d\d(?: [A-Z]{3,4})? \d{4}"
    r"|\d\d? " + _MON + r" \d{4} \d\d:\d\d:\d\d(?:[.,]\d+)?)"
)
"""A full date and time (with a year) anywhere near the start of a line whose header was not read:
CLF `[23/Dec/2014:21:20:35 +0000]` after a vhost, `(2022-06-08  8:52:40)`, `at Thu Jun 2 08:00:01 UTC 2022`."""
EMBEDDED_WITHIN = 200


def embedded(arr: pa.Array, *, tz=None, now: datetime | None = None) -> pd.Series:
    """UTC times of the first full date-time inside each string (NaT where there is none): one regex pass."""
    if len(arr) == 0:
        return _nat(0)
    st = pc.extract_regex(pc.utf8_slice_codeunits(arr, 0, EMBEDDED_WITHIN), EMBEDDED)
    ok = np.asarray(pc.is_valid(st).to_numpy(zero_copy_only=False), dtype=bool)
    out = _ns(_nat(len(arr))).copy()
    if ok.any():
        text = st.field("t").filter(pa.array(ok))
        text = pc.replace_substring_regex(text, r"^(\d\d?/\w+/\d{4}):", r"\1 ")  # CLF's `yyyy:HH` for dateutil
        out[ok] = _ns(parse_timestamps(text, "generic", tz=tz, now=now))
    return _from_ns(out)
