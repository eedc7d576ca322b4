"""The Arrow block reader and the per-line JSON reader agree on every record they both read."""

import json
from datetime import datetime, timezone

import pandas as pd
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from triage.parsing import jsonblock, jsonlines, logtime
from triage.parsing.levels import normalise_levels

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=timezone.utc)

KEYS = {
    "@timestamp": st.sampled_from(["2026-11-26T10:00:00.5Z", "2026-11-26T11:00:00+01:00", "", "garbage"]),
    "time": st.sampled_from(["2026-11-26 10:00:01", "1764151200"]),
    "message": st.text(max_size=12),
    "msg": st.text(max_size=5),
    "level": st.sampled_from(["info", "WARN", "error", "", "Fatal", "bogus"]),
    "log.level": st.sampled_from(["debug", "ERROR"]),
    "service": st.sampled_from(["pay", "cart", ""]),
    "logger": st.sampled_from(["a.b", "c"]),
    "host": st.sampled_from(["h1", "h2"]),
    "status": st.sampled_from([200, 404, 503, 99, 700]),
    "error.type": st.sampled_from(["KeyError", "java.io.IOException"]),
    "error.message": st.text(max_size=6),
    "error.stack_trace": st.sampled_from(["Traceback:\n  File x", "java.lang.X: y\n\tat a.B(C.java:1)"]),
    "user": st.text(max_size=6),
    "n": st.integers(-5, 10**12),
    "ok": st.booleans(),
    "tags": st.lists(st.sampled_from(["a", "b"]), max_size=2),
}
NESTABLE = {"log.level": ("log", "level"), "error.type": ("error", "type"), "error.message": ("error", "message"), "error.stack_trace": ("error", "stack_trace")}


@st.composite
def record(draw):
    chosen = draw(st.lists(st.sampled_from(sorted(KEYS)), unique=True, max_size=8))
    out = {}
    for key in chosen:
        value = draw(KEYS[key])
        if key in NESTABLE:
            parent, child = NESTABLE[key]
            out.setdefault(parent, {})[child] = value
        else:
            out[key] = value
    return json.dumps(out, ensure_ascii=False)


def _per_line(lines):
    ok, cols = jsonlines.parse_records(lines)
    assert ok == list(range(len(lines)))
    return {
        "ts": logtime.parse_any(pd.Series(cols["ts"], dtype=object), now=NOW),
        "level": normalise_levels(pa.array(cols["level"], pa.string())),
        "service": cols["service"],
        "host": cols["host"],
        "status": pd.Series(cols["status"], dtype="Float64"),
        "msg": cols["msg"],
        "fields": [None if f is None else json.loads(f) for f in cols["fields"]],
    }


def _block(lines):
    cols = jsonblock.parse_block(pa.array(lines, pa.string()), now=NOW)
    if cols is None:
        return None
    return {
        "ts": cols["ts"],
        "level": normalise_levels(cols["level"]),
        "service": cols["service"].to_pylist(),
        "host": cols["host"].to_pylist(),
        "status": cols["status"],
        "msg": cols["msg"].to_pylist(),
        "fields": [None if f is None else json.loads(f) for f in cols["fields"].to_pylist()],
    }


def _same(a, b):
    assert a["ts"].tolist() == b["ts"].tolist()
    assert a["level"].tolist() == b["level"].tolist()
    assert a["service"] == b["service"] and a["host"] == b["host"]
    assert a["status"].tolist() == b["status"].tolist()
    assert a["msg"] == b["msg"]
    assert a["fields"] == b["fields"]


def _uniform(lines):
    """Arrow needs one type per key; keep records whose keys agree with the first use."""
    seen, out = {}, []
    for line in lines:
        flat = jsonlines.flatten(json.loads(line))
        kinds = {k: type(v).__name__ for k, v in flat.items()}
        if all(seen.get(k, t) == t for k, t in kinds.items()):
            seen.update(kinds)
            out.append(line)
    return out


@settings(max_examples=120, deadline=None)
@given(st.lists(record(), min_size=1, max_size=12))
def test_block_reader_matches_per_line_reader(lines):
    lines = _uniform(lines)
    block = _block(lines)
    if block is None:  # Arrow declined (e.g. all-empty objects): the per-line reader is used then
        return
    _same(_per_line(lines), block)


def test_block_reader_declines_what_arrow_cannot_read():
    assert jsonblock.parse_block(pa.array(['{"a": 1}', '{"a": "x"}'])) is None  # type changes
    assert jsonblock.parse_block(pa.array(['{"a": 1}', '{"a": '])) is None  # malformed


def test_block_reader_on_an_ecs_sample():
    lines = [
        '{"@timestamp":"2026-11-26T10:00:00.5Z","log":{"level":"ERROR"},"message":"charge failed","service":{"name":"payments"},'
        '"host":{"name":"pay-2"},"http":{"response":{"status_code":503}},"error":{"type":"X","stack_trace":"X: y\\n\\tat a.B(C.java:1)"},"trace":{"id":"abc"}}',
        '{"@timestamp":"2026-11-26T10:00:01Z","log":{"level":"info"},"message":"ok \\"quoted\\" \\\\ path","service":{"name":"payments"},'
        '"host":{"name":"pay-1"},"http":{"response":{"status_code":200}},"trace":{"id":"def"}}',
    ]
    _same(_per_line(lines), _block(lines))
    assert _block(lines)["fields"] == [{"trace.id": "abc"}, {"trace.id": "def"}]
