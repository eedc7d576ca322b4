"""The event table and metric series every source produces, and the small
progress/cancel protocol sources report through.

One pandas DataFrame per load. Strings are pyarrow-backed so a million
events stay compact; time is always UTC.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from triage.severity import LEVEL_RANK, LEVELS  # noqa: F401  (re-exported)

STR = pd.ArrowDtype(__import__("pyarrow").string())
"""pyarrow-backed string dtype used for every text column."""

EVENT_COLUMNS: dict[str, object] = {
    "timestamp": "datetime64[ns, UTC]",  # NaT when the event had no readable time
    "level": STR,  # one of LEVELS or <NA>
    "service": STR,
    "host": STR,
    "message": STR,  # the event text without its header; multi-line records joined with "\n"
    "http_status": "Int16",  # nullable
    "fields": STR,  # extra structured fields as a compact JSON object string, or <NA>
    "raw": STR,  # the original text (first 64 KiB) as read, for display and samples
    "source": STR,  # file path, "-" for stdin, index name, log group/stream ...
    "line": "Int64",  # first input line (1-based) of the event in its source, when meaningful
}
"""Column name -> dtype of the event table. Grouping adds `signature` and `template` (STR)."""

METRIC_COLUMNS: dict[str, object] = {
    "timestamp": "datetime64[ns, UTC]",
    "metric": STR,
    "value": "float64",
    "unit": STR,
    "dimensions": STR,  # "k=v,k2=v2" sorted, or "" when none
}

MAX_RAW_CHARS = 65536
"""Raw text and messages are clipped to this many characters (megabyte lines stay usable)."""


_NS_MIN = pd.Timestamp.min.tz_localize("UTC")
_NS_MAX = pd.Timestamp.max.tz_localize("UTC")


def to_ns(series: pd.Series) -> pd.Series:
    """Any datetime series as UTC nanoseconds; times outside 1677..2262 (pandas' ns range) become NaT.

    pandas keeps year 0001 or 9999 at microsecond or second resolution; casting those to
    nanoseconds raises. Such a time is unreadable for us, not a reason to stop.
    """
    if series.dtype == "datetime64[ns, UTC]":
        return series
    if getattr(series.dt, "tz", None) is None:
        series = series.dt.tz_localize("UTC")
    outside = (series < _NS_MIN) | (series > _NS_MAX)
    if outside.any():
        series = series.mask(outside)
    return series.astype("datetime64[ns, UTC]")


def empty_events() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([], dtype=t) for c, t in EVENT_COLUMNS.items()})


def empty_metrics() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([], dtype=t) for c, t in METRIC_COLUMNS.items()})


def events_frame(columns: Mapping[str, Iterable]) -> pd.DataFrame:
    """Build an event table from column lists/arrays; missing columns are filled with NA.

    `timestamp` may be datetimes (naive ones are taken as UTC) or anything pandas parses.
    """
    n = None
    for v in columns.values():
        n = len(v)  # type: ignore[arg-type]
        break
    n = n or 0
    data = {}
    for col, dtype in EVENT_COLUMNS.items():
        if col in columns:
            values = columns[col]
            if col == "timestamp":
                data[col] = to_ns(pd.to_datetime(pd.Series(values), utc=True, errors="coerce"))
            else:
                data[col] = pd.Series(values).astype(dtype)  # type: ignore[arg-type]
        else:
            data[col] = pd.Series([pd.NA] * n if col != "timestamp" else [pd.NaT] * n, dtype=dtype)  # type: ignore[arg-type]
    return pd.DataFrame(data)


def metrics_frame(columns: Mapping[str, Iterable]) -> pd.DataFrame:
    n = len(next(iter(columns.values()))) if columns else 0  # type: ignore[arg-type]
    data = {}
    for col, dtype in METRIC_COLUMNS.items():
        if col in columns:
            if col == "timestamp":
                data[col] = to_ns(pd.to_datetime(pd.Series(columns[col]), utc=True, errors="coerce"))
            else:
                data[col] = pd.Series(columns[col]).astype(dtype)  # type: ignore[arg-type]
        else:
            default = "" if col == "dimensions" else pd.NA
            data[col] = pd.Series([default] * n, dtype=dtype)  # type: ignore[arg-type]
    return pd.DataFrame(data)


class Cancelled(Exception):
    """Raised inside a source when the user cancelled; partial results travel in `partial`."""

    def __init__(self, partial: LoadResult | None = None):
        super().__init__("cancelled")
        self.partial = partial


@dataclass
class LoadReport:
    """What a load skipped or doubted, summarised for one readable warning.

    `skipped` counts by reason, e.g. {"invalid UTF-8 (replaced)": 3, "malformed JSON": 2}.
    """

    skipped: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    partial: bool = False  # the load stopped early (cancel, error) and data is incomplete
    estimated: bool = False  # counts were sampled and scaled (remote sources over their cap)
    scale: float = 1.0  # multiply sampled counts by this to estimate real ones

    def skip(self, reason: str, n: int = 1) -> None:
        if n:
            self.skipped[reason] = self.skipped.get(reason, 0) + n

    def merge(self, other: LoadReport) -> None:
        for k, v in other.skipped.items():
            self.skip(k, v)
        self.notes.extend(other.notes)
        self.partial = self.partial or other.partial
        self.estimated = self.estimated or other.estimated
        self.scale = max(self.scale, other.scale)

    def warning(self) -> str | None:
        """One human sentence, or None when nothing worth saying happened."""
        parts = [f"{n:,} {reason}" for reason, n in sorted(self.skipped.items(), key=lambda kv: -kv[1])]
        bits = []
        if parts:
            bits.append("skipped or repaired: " + ", ".join(parts))
        if self.partial:
            bits.append("results are PARTIAL")
        if self.estimated:
            bits.append(f"counts are ESTIMATES (sampled, x{self.scale:.2f})")
        bits.extend(self.notes)
        return "; ".join(bits) if bits else None


COUNT_KINDS = ("exact", "estimated", "sampled")
"""How a signature's count was obtained: every document counted / counted and corrected / sample scaled."""


@dataclass
class SignatureCounts:
    """Per-signature counts per time bucket, counted by the source over every document.

    Remote sources that only download a sample of a large window count each sampled
    signature in the cluster instead (aggregations); the analysis then takes a signature's
    before/after counts from `table` rather than from the sampled events. `kinds` labels
    each signature (COUNT_KINDS); signatures labelled "sampled" have no rows in `table`.
    """

    table: pd.DataFrame  # signature (STR), timestamp (bucket start, UTC), count (int64)
    kinds: dict[str, str] = field(default_factory=dict)
    bucket: timedelta = timedelta(minutes=1)
    unmatched: int | None = None  # documents in range that no counted signature matched
    requests: int = 0  # what counting cost: requests to the source and their time
    seconds: float = 0.0

    def summary(self) -> dict[str, int]:
        """Signatures per kind, in COUNT_KINDS order."""
        out = {k: 0 for k in COUNT_KINDS}
        for kind in self.kinds.values():
            out[kind] = out.get(kind, 0) + 1
        return out


@dataclass
class LoadResult:
    events: pd.DataFrame
    metrics: pd.DataFrame = field(default_factory=empty_metrics)
    report: LoadReport = field(default_factory=LoadReport)
    description: str = ""  # e.g. "files: app.log (+2)", "elasticsearch logs-* @ https://..."
    counts: SignatureCounts | None = None  # exact per-signature counts made by the source, if any


class Progress:
    """Thread-safe progress and cancel token handed to a source.

    Sources call `update()` as they go and check `cancelled` (or call `check()`,
    which raises Cancelled) between pages. The UI supplies `callback` to receive
    (done, total, message); `total` is None when unknown. `waiting` marks a
    back-off state such as throttling, shown as waiting rather than an error.
    """

    def __init__(self, callback: Callable[[int, int | None, str], None] | None = None):
        self._callback = callback
        self._cancel = threading.Event()
        self.done = 0
        self.total: int | None = None
        self.message = ""

    def update(self, done: int | None = None, total: int | None = None, message: str | None = None) -> None:
        if done is not None:
            self.done = done
        if total is not None:
            self.total = total
        if message is not None:
            self.message = message
        if self._callback is not None:
            self._callback(self.done, self.total, self.message)

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def check(self) -> None:
        if self._cancel.is_set():
            raise Cancelled()


class SourceError(Exception):
    """A failure the user can act on. `hint` says what to fix; never include credentials."""

    def __init__(self, message: str, hint: str = ""):
        super().__init__(message)
        self.hint = hint

    def __str__(self) -> str:
        base = super().__str__()
        return f"{base} ({self.hint})" if self.hint else base


def arrow_strings(series: pd.Series) -> pa.ChunkedArray:
    """A string column as Arrow strings (zero-copy for pyarrow-backed columns)."""
    data = getattr(series.array, "_pa_array", None)
    if data is None:
        data = pa.chunked_array([pa.array(series.astype(object).where(series.notna(), None).tolist(), pa.string())])
    elif not isinstance(data, pa.ChunkedArray):
        data = pa.chunked_array([data])
    if not pa.types.is_string(data.type) and not pa.types.is_large_string(data.type):
        data = data.cast(pa.string())
    return data


def dictionary_codes(series: pd.Series, dtype=np.int64) -> tuple[np.ndarray, list[str]]:
    """Integer code per row (-1 for missing) and the distinct values, via Arrow dictionary encoding.

    `dtype=np.int32` keeps Arrow's own codes (no widened copy: 4 bytes per row, not 8 more)."""
    arr = pa.chunked_array([pa.array([], pa.string())]) if len(series) == 0 else arrow_strings(series)
    enc = pc.dictionary_encode(arr).combine_chunks()
    indices = enc.indices.fill_null(-1) if enc.indices.null_count else enc.indices
    codes = indices.to_numpy(zero_copy_only=False).astype(dtype, copy=False)
    return codes, [str(v) for v in enc.dictionary.to_pylist()]
