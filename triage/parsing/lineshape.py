"""Raw log lines to the event table, without being told the format.

JSON lines are read as records; text lines are matched against the header shapes
found in a sample (triage.parsing.textshapes), whole columns at a time; lines that
continue a record (stack frames...) are folded into the event that started them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from triage.events import EVENT_COLUMNS, MAX_RAW_CHARS, STR, LoadReport
from triage.parsing import folding, jsonblock, jsonlines, logtime, textshapes, wrappers
from triage.parsing.levels import ERROR_WORDS, normalise_levels
from triage.parsing.linereader import to_line_array

SAMPLE_LINES = 200
HEADER_DOMINATED = 0.5  # share of sample lines with a header above which every other line is a continuation
_ANSI = r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]"
_STR_FIELDS = ("level", "service", "host", "msg", "fields")


@dataclass
class _Columns:
    """Parsed fields of every line: part columns concatenated, `where` maps a line to its row."""

    n: int
    header: np.ndarray
    ts: pd.Series
    strings: dict[str, pa.Array] = field(default_factory=dict)
    status: pd.Series | None = None
    shapes: list[str] = field(default_factory=list)
    records: np.ndarray | None = None  # JSON lines: complete in themselves
    where: np.ndarray | None = None  # line position -> row of the (unsorted) part columns; None: identity

    def rows(self, idx: np.ndarray) -> np.ndarray:
        return idx if self.where is None else self.where[idx]


def _has_byte(arr: pa.Array, byte: int) -> bool:
    """Cheap pre-check on the raw data buffer (may see bytes outside a sliced array: then we just do more work)."""
    data = arr.buffers()[2] if len(arr) else None
    return data is not None and re.search(re.escape(bytes([byte])), memoryview(data)) is not None


def strip_ansi(arr: pa.Array) -> pa.Array:
    """Colour codes would hide levels and split signatures; they are display noise."""
    if _has_byte(arr, 0x1B):
        return pc.replace_substring_regex(arr, _ANSI, "")
    return arr


def _nonblank(arr: pa.Array) -> np.ndarray:
    return np.asarray(pc.match_substring_regex(arr, r"\S").to_numpy(zero_copy_only=False), dtype=bool)


JSON_CHUNK = 20000  # one malformed line only sends its own chunk to the slow per-line reader


def _json_part(clean: pa.Array, candidates: np.ndarray, tz, now, report: LoadReport) -> tuple[np.ndarray, dict] | None:
    idx = np.flatnonzero(candidates)
    if not len(idx):
        return None
    positions: list = []
    pieces: list = []
    salvaged: list = []
    for start in range(0, len(idx), JSON_CHUNK):
        chunk = idx[start : start + JSON_CHUNK]
        got = _json_chunk(clean.take(pa.array(chunk)), chunk, tz, now, salvaged)
        if got is not None:
            positions.append(got[0])
            pieces.append(got[1])
    report.skip("malformed JSON lines (known keys salvaged)", len(salvaged))
    if not pieces:
        return None
    if len(pieces) == 1:
        return positions[0], pieces[0]
    merged = {
        "ts": pd.concat([p["ts"] for p in pieces], ignore_index=True),
        "status": pd.concat([p["status"] for p in pieces], ignore_index=True),
    }
    for name in _STR_FIELDS:
        merged[name] = pa.concat_arrays([p[name].cast(pa.string()) for p in pieces])
    return np.concatenate(positions), merged


def _json_chunk(block: pa.Array, idx: np.ndarray, tz, now, salvaged: list[int]) -> tuple[np.ndarray, dict] | None:
    fast = jsonblock.parse_block(block, tz=tz, now=now)
    if fast is not None:
        return idx, fast
    ok, cols = jsonlines.parse_records(block.to_pylist(), salvaged)
    if not ok:
        return None
    pos = idx[np.asarray(ok, dtype=np.int64)]
    ts = logtime.parse_any(pd.Series(cols.pop("ts"), dtype=object), tz=tz, now=now)
    status = pd.Series(cols.pop("status"), dtype="Float64")
    strings = {k: pa.array(v, pa.string()) for k, v in cols.items()}
    return pos, {"ts": ts, "status": status, **strings}


def _sample(lines: pa.Array) -> pa.Array:
    """The first lines plus lines spread evenly over the rest, blank ones left out."""
    n = len(lines)
    head = np.arange(min(n, SAMPLE_LINES))
    spread = np.linspace(0, n - 1, num=min(n, SAMPLE_LINES)).astype(np.int64) if n > SAMPLE_LINES else head[:0]
    sample = lines.take(pa.array(np.unique(np.concatenate([head, spread]))))
    return sample.filter(pa.array(_nonblank(sample)))


def _text_part(clean: pa.Array, remaining: np.ndarray, tz, now, report: LoadReport) -> list[tuple[np.ndarray, dict, str]]:
    idx = np.flatnonzero(remaining)
    if not len(idx):
        return []
    sub = clean if len(idx) == len(clean) else clean.take(pa.array(idx))
    parts = []
    todo = np.ones(len(sub), dtype=bool)
    tried: set[str] = set()
    while todo.any():
        # Re-sample what is still unclaimed: a second layout further down the input gets its turn.
        local = np.flatnonzero(todo)
        pending = sub if todo.all() else sub.take(pa.array(local))
        sample = _sample(pending)
        shapes = [shape for shape, _ in textshapes.detect(sample) if shape.name not in tried]
        if not shapes and "inferred" not in tried:
            # No named layout fits what is left: learn its header from the sample, once.
            tried.add("inferred")
            learned = textshapes.infer_shape(sample)
            shapes = [learned] if learned is not None else []
        if not shapes:
            break
        for shape in shapes:
            tried.add(shape.name)
            local = np.flatnonzero(todo)
            if not len(local):
                break
            lines = sub if len(local) == len(sub) else sub.take(pa.array(local))
            ok, cols = textshapes.extract_shape(lines, shape)
            if ok.any():
                todo[local[ok]] = False
                parts.append((idx[local[ok]], shape, cols))
    # Dated layouts first: their latest time anchors the year of syslog/klog lines in the same input.
    done: list[tuple[np.ndarray, dict, str]] = []
    for pos, shape, cols in sorted(parts, key=lambda p: p[1].ts_kind in _YEARLESS):
        ref, anchored = now, False
        if shape.ts_kind in _YEARLESS and done:
            latest = max((d[1]["ts"].max() for d in done if d[1]["ts"].notna().any()), default=None)
            if latest is not None and (now is None or latest < now):
                ref, anchored = latest.to_pydatetime(), True
        done.append((pos, _shape_columns(shape, cols, tz, ref, report, anchored), shape.name))
    return done


_YEARLESS = ("syslog", "klog", "generic", "timeonly")


def _note(report: LoadReport, text: str) -> None:
    if text not in report.notes:
        report.notes.append(text)


def _shape_columns(shape: textshapes.Shape, cols: dict, tz, now, report: LoadReport, anchored: bool = False) -> dict:
    n = len(cols["msg"])
    if shape.ts_kind and cols["ts"] is not None:
        ts = logtime.parse_timestamps(cols["ts"], shape.ts_kind, tz=tz, now=now)
    else:
        ts = pd.Series(pd.NaT, index=range(n), dtype=logtime.TS_DTYPE)
    yearless = shape.ts_kind in ("syslog", "klog")
    if shape.ts_kind == "generic" and cols["ts"] is not None:
        yearless = not pc.any(pc.match_substring_regex(cols["ts"], r"\d{4}")).as_py()
    if yearless:
        how = "took it from the dated lines" if anchored else "assumed the latest that is not in the future"
        _note(report, f"{shape.name} timestamps carry no year; {how}")
    if shape.ts_kind == "timeonly":
        _note(report, "timestamps carry no date; " + ("took it from the dated lines" if anchored else "assumed today"))
    out = {"ts": ts, "msg": cols["msg"]}
    if "status" in cols and cols["status"] is not None:
        out["status"] = pd.to_numeric(pd.Series(cols["status"], dtype=STR), errors="coerce").astype("Float64")
        level = textshapes.status_levels(cols["status"])
        out["level"] = pa.array(level, pa.string(), from_pandas=True)
    elif "pri" in cols and cols.get("pri") is not None:
        out["level"] = pa.array(textshapes.pri_levels(cols["pri"]), pa.string(), from_pandas=True)
    else:
        out["level"] = cols.get("level")
    for name in ("service", "host"):
        out[name] = cols.get(name)
    return out


def _assemble(n: int, clean: pa.Array, parts: list[tuple[np.ndarray, dict, str]]) -> _Columns:
    """Scatter the parts back into line order; lines no part claimed keep their text as message."""
    header = np.zeros(n, dtype=bool)
    claimed = np.zeros(n, dtype=bool)
    positions, pieces = [], []
    for pos, cols, _ in parts:
        header[pos] = True
        claimed[pos] = True
        positions.append(pos)
        pieces.append(cols)
    rest = np.flatnonzero(~claimed)
    if len(rest):
        positions.append(rest)
        pieces.append({"ts": pd.Series(pd.NaT, index=range(len(rest)), dtype=logtime.TS_DTYPE), "msg": clean.take(pa.array(rest))})
    if not positions:
        return _Columns(n, header, pd.Series([], dtype=logtime.TS_DTYPE), {k: pa.array([], pa.string()) for k in _STR_FIELDS})
    allpos = np.concatenate(positions)
    where = None
    if not (len(pieces) == 1 and np.array_equal(allpos, np.arange(n))):
        where = np.empty(n, dtype=np.int64)
        where[allpos] = np.arange(n)
    ts = pd.concat([p["ts"].reset_index(drop=True) for p in pieces], ignore_index=True)
    status = pd.concat(
        [p["status"].reset_index(drop=True) if p.get("status") is not None else pd.Series(pd.NA, index=range(len(pos)), dtype="Float64") for p, pos in zip(pieces, positions)],
        ignore_index=True,
    )
    strings = {}
    for name in _STR_FIELDS:
        chunks = []
        for p, pos in zip(pieces, positions):
            v = p.get(name)
            chunks.append(v.cast(pa.string()) if v is not None else pa.nulls(len(pos), pa.string()))
        strings[name] = pa.concat_arrays(chunks)
    return _Columns(n, header, ts, strings, status, [name for *_, name in parts], where=where)


def _safe_json(clean: pa.Array, json_like: np.ndarray, report: LoadReport) -> pa.Array:
    """Bound the nesting depth and repair lone surrogate escapes of the JSON lines, counting both."""
    idx = np.flatnonzero(json_like)
    fixed, deep, lone = jsonlines.make_safe(clean.take(pa.array(idx)))
    report.skip(f"JSON lines nested deeper than {jsonlines.MAX_DEPTH} levels (deep parts kept as text)", deep)
    report.skip("JSON lines with lone UTF-16 surrogate escapes (replaced by U+FFFD)", lone)
    if not deep and not lone:
        return clean
    return pc.replace_with_mask(clean, pa.array(json_like), fixed)


def _parse_columns(clean: pa.Array, *, tz, now, report: LoadReport) -> _Columns:
    n = len(clean)
    if _has_byte(clean, ord("{")):
        json_like = np.asarray(pc.match_substring_regex(clean, r"^\s*\{").to_numpy(zero_copy_only=False), dtype=bool)
    else:
        json_like = np.zeros(n, dtype=bool)
    parts = []
    if json_like.any():
        clean = _safe_json(clean, json_like, report)
    js = _json_part(clean, json_like, tz, now, report) if json_like.any() else None
    remaining = np.ones(n, dtype=bool)
    parsed = 0
    if js is not None:
        pos, cols = js
        parts.append((pos, cols, "json"))
        remaining[pos] = False
        parsed = len(pos)
    report.skip("malformed JSON lines (kept as text)", int(json_like.sum()) - parsed)
    parts.extend(_text_part(clean, remaining, tz, now, report))
    table = _assemble(n, clean, parts)
    table.records = ~remaining
    return table


def _frame(cols: _Columns, idx: np.ndarray, message: pa.Array, raw: pa.Array, lineno: np.ndarray | None, source: str,
           *, read_times: bool = True) -> pd.DataFrame:
    """The event table for the lines at positions `idx` (event starts)."""
    idx = cols.rows(idx)
    take = pa.array(idx)
    status = cols.status.iloc[idx] if cols.status is not None else pd.Series(pd.NA, index=range(len(idx)), dtype="Float64")
    status = status.where((status >= 100) & (status <= 599)).round().astype("Int16")
    def pick(name: str) -> pa.Array:
        arr = cols.strings[name]
        return pa.nulls(len(idx), pa.string()) if arr.null_count == len(arr) else arr.take(take)

    data = {
        "timestamp": cols.ts.iloc[idx].reset_index(drop=True).astype("datetime64[ns, UTC]"),
        "level": normalise_levels(pick("level")),
        "service": pd.Series(pick("service"), dtype=STR),
        "host": pd.Series(pick("host"), dtype=STR),
        "message": pd.Series(message, dtype=STR),
        "http_status": status.reset_index(drop=True),
        "fields": pd.Series(pick("fields"), dtype=STR),
        "raw": pd.Series(raw, dtype=STR),
        "source": pd.Series(pa.array([source], pa.string()).take(pa.array(np.zeros(len(idx), dtype=np.int64))), dtype=STR),
        "line": pd.Series(lineno, dtype="Int64") if lineno is not None else pd.Series(pd.NA, index=range(len(idx)), dtype="Int64"),
    }
    untimed = data["timestamp"].isna().to_numpy()
    if read_times and untimed.any():  # a header we could not read may still hold a full date-time further in
        at = np.flatnonzero(untimed)
        found = logtime.embedded(pa.array(raw).take(pa.array(at)))
        ts = data["timestamp"].copy()
        ts.iloc[at] = found.to_numpy()
        data["timestamp"] = ts
    data["level"] = _default_levels(data["level"], data["http_status"], data["timestamp"], message)
    return pd.DataFrame(data, columns=list(EVENT_COLUMNS))


UNTIMED = "events without a readable timestamp (kept, untimed)"

_ERRORISH = ERROR_WORDS
"""Words that make an un-levelled line look bad: such a line is left without a level, never defaulted to info."""


def _default_levels(level: pd.Series, status: pd.Series, ts: pd.Series, message: pa.Array) -> pd.Series:
    """lnav's conventions for lines without a level marker.

    An access line takes its level from the HTTP status (5xx error, 4xx warn, else info). A line
    whose header was recognised (it has a timestamp) but carries no level is "info", unless its
    text has an error word: then it stays un-levelled, as before, so the default never hides a
    failure. "info" and no level rank the same in judgement/severity.py.
    """
    missing = level.isna().to_numpy()
    if not missing.any():
        return level
    code = status.to_numpy(dtype="float64", na_value=np.nan)
    from_status = np.where(code >= 500, "error", np.where(code >= 400, "warn", "info"))
    has_status = missing & ~np.isnan(code)
    timed = missing & ~has_status & ts.notna().to_numpy()
    if timed.any():
        at = np.flatnonzero(timed)
        bad = pc.fill_null(pc.match_substring_regex(message.take(pa.array(at)), _ERRORISH), True)
        timed[at[np.asarray(bad.to_numpy(zero_copy_only=False), dtype=bool)]] = False
    if not (has_status.any() or timed.any()):
        return level
    out = level.to_numpy(dtype=object, na_value=None).copy()
    out[has_status] = from_status[has_status]
    out[timed] = "info"
    return pd.Series(out, dtype=STR)


def _count_missing_times(df: pd.DataFrame, source: str, report: LoadReport) -> None:
    missing = int(df["timestamp"].isna().sum())
    if not missing:
        return
    if missing == len(df):
        _note(report, f"no timestamps found in {source}")
    else:
        report.skip(UNTIMED, missing)


def _content_frame(clean, raw, lineno, source) -> pd.DataFrame:
    n = len(clean)
    cols = _Columns(n, np.ones(n, dtype=bool), pd.Series(pd.NaT, index=range(n), dtype=logtime.TS_DTYPE), {k: pa.nulls(n, pa.string()) for k in _STR_FIELDS})
    return _frame(cols, np.arange(n), clean, raw, lineno, source, read_times=False)


def parse_lines(
    lines: Sequence[str] | pa.Array,
    *,
    source: str = "-",
    first_line: int = 1,
    content: bool = False,
    tz=None,
    report: LoadReport | None = None,
    now: datetime | None = None,
) -> pd.DataFrame:
    """Event table from raw lines of one source; shapes are detected, multi-line records folded.

    `content=True` takes every line as a bare message (no header detection, no folding).
    Blank lines are dropped; `line` is the 1-based input line where each event starts.
    """
    report = report if report is not None else LoadReport()
    raw = to_line_array(lines, report)
    keep = _nonblank(raw)
    lineno = np.arange(first_line, first_line + len(raw), dtype=np.int64)
    if not keep.all():
        raw, lineno = raw.filter(pa.array(keep)), lineno[keep]
    clean = strip_ansi(raw)
    if content:
        return _content_frame(clean, raw, lineno, source)
    clean, outer = wrappers.unwrap(clean, _sample(clean), tz=tz, now=now)
    cols = _parse_columns(clean, tz=tz, now=now, report=report)
    sample_share = cols.header[:SAMPLE_LINES * 5].mean() if cols.n else 0.0
    start = folding.start_flags(clean, cols.header, header_dominated=sample_share >= HEADER_DOMINATED, records=cols.records)
    first, sizes = folding.fold_groups(start)
    message, raw_out = cols.strings["msg"].take(pa.array(cols.rows(first))), raw.take(pa.array(first))
    multi = sizes > 1
    if multi.any():
        message = _replace(message, multi, folding.joined(message.filter(pa.array(multi)).to_pylist(), clean, start, first, sizes, multi))
        raw_out = _replace(raw_out, multi, folding.joined(raw_out.filter(pa.array(multi)).to_pylist(), raw, start, first, sizes, multi))
    df = _frame(cols, first, message, raw_out, lineno[first], source)
    if outer is not None:
        wrappers.fill(df, outer, first)
    _fill_panic_times(df)
    _count_missing_times(df, source, report)
    return df


def _replace(arr: pa.Array, mask: np.ndarray, values: list[str]) -> pa.Array:
    """arr with the masked positions replaced by `values`, in order."""
    return pc.replace_with_mask(arr, pa.array(mask), pa.array(values, arr.type))


def _fill_panic_times(df: pd.DataFrame) -> None:
    """A Go panic is written without a timestamp: it happened right after the previous event."""
    ts = df["timestamp"]
    if not ts.isna().any() or ts.isna().all():
        return
    panic = df["message"].str.match(folding.PANIC_START).fillna(False).to_numpy(dtype=bool) & ts.isna().to_numpy()
    if panic.any():
        filled = ts.ffill()
        df.loc[panic, "timestamp"] = filled[panic]
        df.loc[panic, "level"] = "fatal"


def parse_messages(
    messages: Sequence[str] | pa.Array,
    *,
    timestamps=None,
    source: str,
    report: LoadReport | None = None,
    tz=None,
    now: datetime | None = None,
    lines: Sequence[int] | None = None,
) -> pd.DataFrame:
    """Event table from records that are already split (CloudWatch `@message`): one event each.

    A record may be JSON or text with or without a header; its first line is parsed for the
    header and the rest kept in `message`. `timestamps` (UTC) fill in where a record has none.
    """
    report = report if report is not None else LoadReport()
    raw = to_line_array(messages, report)
    n = len(raw)
    clean = strip_ansi(raw)
    split = pc.extract_regex(clean, r"(?s)^(?P<first>[^\n]*)(?P<tail>.*)$")
    first_lines = split.field("first")
    tail = split.field("tail")
    json_whole = np.asarray(pc.match_substring_regex(clean, r"^\s*\{").to_numpy(zero_copy_only=False), dtype=bool)
    head = pc.if_else(pa.array(json_whole), clean, first_lines)
    cols = _parse_columns(head, tz=tz, now=now, report=report)
    has_tail = pc.and_(pc.invert(pa.array(json_whole)), pc.greater(pc.utf8_length(tail), 0))
    msg = cols.strings["msg"] if cols.where is None else cols.strings["msg"].take(pa.array(cols.where))
    message = pc.if_else(has_tail, pc.binary_join_element_wise(msg, tail, ""), msg)
    message = pc.utf8_slice_codeunits(message, 0, MAX_RAW_CHARS)
    lineno = np.asarray(lines, dtype=np.int64) if lines is not None else None
    df = _frame(cols, np.arange(n), message, raw, lineno, source)
    if timestamps is not None:
        given = pd.to_datetime(pd.Series(list(timestamps) if not isinstance(timestamps, pd.Series) else timestamps.reset_index(drop=True)), utc=True, errors="coerce")
        df["timestamp"] = df["timestamp"].fillna(logtime.to_ns(given))
    _count_missing_times(df, source, report)
    return df
