"""What `triage group` prints: the ranked signature table and the JSON-lines stream.

Split from the command so `triage --help` does not import pandas and pyarrow.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from triage.events import LEVEL_RANK, STR, dictionary_codes
from triage.textsafe import UNSAFE, escape

_JSON_UNSAFE = re.compile("[" + "".join(f"\\u{c:04x}" for c in sorted(UNSAFE) if c >= 0x7F) + "]")


def redacted(events: pd.DataFrame, chunk: int = 20000) -> pd.DataFrame:
    """The events with secrets masked in message and template (`--redact`); scanned in chunks so the
    rules' keyword pre-filter pays once per chunk, not once per event."""
    from triage.redact import redact_many

    out = events.copy()
    for column in ("message", "template"):
        values = out[column].astype(object).tolist()
        keep = [i for i, v in enumerate(values) if isinstance(v, str)]
        for start in range(0, len(keep), chunk):
            idx = keep[start : start + chunk]
            for i, v in zip(idx, redact_many([values[i] for i in idx])):
                values[i] = v
        out[column] = pd.Series(values, index=out.index, dtype=STR)
    return out


def at_least(events: pd.DataFrame, level: str) -> pd.DataFrame:
    """Events at `level` or more severe (`--level`); events without a level are left out."""
    rank = events["level"].map(LEVEL_RANK, na_action="ignore").astype("float64")
    return events[(rank >= LEVEL_RANK[level]).fillna(False).to_numpy(dtype=bool)].reset_index(drop=True)


def safe(text: str) -> str:
    """Untrusted text made inert for a terminal: control and bidi characters become visible escapes (triage.textsafe)."""
    return escape(text)


def summarise(events: pd.DataFrame) -> pd.DataFrame:
    """One row per signature: count, share, most common level, template, first example; most frequent first.

    Counted on dictionary codes (one encode per column, then bincounts): pandas' groupby and
    drop_duplicates on a million string keys cost a quarter of `triage group`'s time after the load.
    Ties keep the order of first appearance; a level tie goes to the alphabetically first level.
    """
    columns = ["signature", "count", "share", "level", "template", "example"]
    if events.empty:
        return pd.DataFrame(columns=columns)
    codes, signatures = dictionary_codes(events["signature"])
    k = len(signatures)
    counts = np.bincount(codes, minlength=k)
    first = np.empty(k, dtype=np.int64)
    first[codes[::-1]] = np.arange(len(codes) - 1, -1, -1)  # the last write wins: each code's first row
    order = np.lexsort((first, -counts))
    level_codes, level_names = dictionary_codes(events["level"])
    top_level = np.full(k, np.nan, dtype=object)
    if level_names:
        names = np.array(level_names, dtype=object)
        alpha = np.argsort(names.astype(str), kind="stable")  # column j holds the j-th level alphabetically
        rank = np.empty(len(names), dtype=np.int64)
        rank[alpha] = np.arange(len(names))
        valid = level_codes >= 0
        cell = codes[valid] * len(names) + rank[level_codes[valid]]
        table = np.bincount(cell, minlength=k * len(names)).reshape(k, len(names))
        has = table.max(axis=1) > 0
        top_level[has] = names[alpha[table[has].argmax(axis=1)]]
    rows = first[order]
    out = pd.DataFrame({
        "signature": pd.Series(np.array(signatures, dtype=object)[order], dtype=object).astype(str),
        "count": counts[order].astype(np.int64),
        "share": counts[order] / len(events),
        "level": pd.Series(top_level[order], dtype=object),
        "template": events["template"].take(rows).to_numpy(dtype=object),
        "example": events["message"].take(rows).to_numpy(dtype=object),
    })
    return out[columns]


def _first_line(text) -> str:
    if text is None or text is pd.NA:
        return ""
    return str(text).split("\n", 1)[0]


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(width - 1, 1)] + "…"


def render_table(events: pd.DataFrame, *, top: int = 20, width: int = 120) -> str:
    """The ranked signature table as text, ending with a one-line summary."""
    summary = summarise(events)
    shown = summary if top == 0 else summary.head(top)
    cw = max(len(f"{int(summary['count'].max()):,}"), 5) if len(summary) else 5
    head = f"{'count':>{cw}}  {'share':>6}  {'signature':<10}  {'level':<5}  template"
    indent = cw + 2 + 6 + 2 + 10 + 2 + 5 + 2
    room = max(width - indent, 20)
    lines = [head]
    from triage.redact import redact_many

    rows = list(shown.itertuples(index=False))
    texts = redact_many([_first_line(r.template) for r in rows] + [_first_line(r.example) for r in rows])
    for i, row in enumerate(rows):
        level = safe(row.level) if isinstance(row.level, str) else "-"
        template = _fit(safe(texts[i]), room)
        lines.append(f"{row.count:>{cw},}  {row.share:>6.1%}  {safe(row.signature):<10}  {level:<5}  {template}")
        example = _fit("e.g. " + safe(texts[len(rows) + i]), room)
        lines.append(" " * indent + example)
    more = len(summary) - len(shown)
    tail = f" (top {len(shown)} shown, {more:,} more)" if more > 0 else ""
    lines.append(f"{len(events):,} events, {len(summary):,} signatures{tail}")
    return "\n".join(lines) + "\n"


_ESCAPES = (("\\", "\\\\"), ('"', '\\"'), ("\n", "\\n"), ("\r", "\\r"), ("\t", "\\t"))
_ODD = "[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f" + "".join(f"\\x{{{c:04x}}}" for c in sorted(UNSAFE) if c >= 0x7F) + "]"  # RE2 syntax


def _json_labels(col: pd.Series) -> pa.Array:
    """Like _json_strings for low-cardinality columns (level, signature...): escape each distinct value once."""
    encoded = pc.dictionary_encode(_arrow_strings(col))
    return pc.fill_null(pc.take(_escape(encoded.dictionary), encoded.indices), "null")


def _arrow_strings(col: pd.Series) -> pa.Array:
    arr = pa.array(col.astype(STR), pa.string()) if not isinstance(col.dtype, pd.ArrowDtype) else pa.array(col.array)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    return arr.cast(pa.string())


def _json_strings(col: pd.Series) -> pa.Array:
    """JSON string literals (or `null`) for a whole column; rare odd characters go through json.dumps."""
    return _escape(_arrow_strings(col))


def _escape(arr: pa.Array) -> pa.Array:
    odd = pc.fill_null(pc.match_substring_regex(arr, _ODD), False)
    if pc.any(odd).as_py():
        values = arr.to_pylist()
        for i in np.flatnonzero(np.asarray(odd.to_numpy(zero_copy_only=False), dtype=bool)):
            values[i] = _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", json.dumps(values[i], ensure_ascii=False))[1:-1]
        plain = pc.invert(odd)
        escaped = pa.array(values, pa.string())
    else:
        plain, escaped = None, arr
    if plain is None:
        for old, new in _ESCAPES:
            escaped = pc.replace_substring(escaped, old, new)
    else:
        done = escaped
        for old, new in _ESCAPES:
            done = pc.replace_substring(done, old, new)
        escaped = pc.if_else(plain, done, escaped)
    quoted = pc.binary_join_element_wise('"', escaped, '"', "")
    return pc.fill_null(quoted, "null")


def _json_numbers(col: pd.Series) -> pa.Array:
    arr = pa.array(col.astype("Int64"), pa.int64(), from_pandas=True)
    return pc.fill_null(arr.cast(pa.string()), "null")


def _json_times(col: pd.Series) -> pa.Array:
    # Nanosecond times (Kubernetes CRI) are cut to microseconds, not refused (ArrowInvalid).
    arr = pa.array(col, from_pandas=True)
    if pa.types.is_timestamp(arr.type) and arr.type.tz is None:
        arr = pc.assume_timezone(arr, "UTC")
    arr = pc.cast(arr, pa.timestamp("us", tz="UTC"), safe=False)
    text = pc.strftime(arr, format="%Y-%m-%dT%H:%M:%SZ")
    return pc.fill_null(pc.binary_join_element_wise('"', text, '"', ""), "null")


def write_jsonl(events: pd.DataFrame, out, chunk: int = 200000) -> None:
    """One JSON object per event: file, line, timestamp, level, signature, template, service, host, http_status, message.

    Built column-wise with Arrow string kernels: a million events take a second or two, not ten.
    """
    fields = (
        ("file", "source", _json_labels),
        ("line", "line", _json_numbers),
        ("timestamp", "timestamp", _json_times),
        ("level", "level", _json_labels),
        ("signature", "signature", _json_labels),
        ("template", "template", _json_labels),
        ("service", "service", _json_labels),
        ("host", "host", _json_labels),
        ("http_status", "http_status", _json_numbers),
        ("message", "message", _json_strings),
    )
    for start in range(0, len(events), chunk):
        part = events.iloc[start : start + chunk]
        pieces = []
        for i, (key, column, render) in enumerate(fields):
            prefix = ("{" if i == 0 else ", ") + json.dumps(key) + ": "
            pieces.append(pa.scalar(prefix))
            pieces.append(render(part[column]))
        pieces.append(pa.scalar("}\n"))
        rows = pc.binary_join_element_wise(*pieces, "")
        out.write("".join(rows.to_pylist()))
