"""Structured (JSON) log records: ECS, Bunyan/pino, python-json-logger, zap, logrus, Docker.

Both dotted keys (`"log.level"`) and nested objects (`{"log": {"level": ...}}`) are
read the same way, by flattening first. Whatever is not a known key is kept in `fields`.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from triage.events import MAX_RAW_CHARS
from triage.parsing.levels import level_of

TIME_KEYS = ("@timestamp", "timestamp", "time", "ts", "@t", "datetime", "date", "asctime", "eventTime", "t", "timestamp_ns", "timeUnixNano", "time_unix_nano")
MESSAGE_KEYS = ("message", "msg", "@m", "log", "event", "text", "@mt", "body")
LEVEL_KEYS = ("log.level", "level", "severity", "lvl", "loglevel", "log_level", "levelname", "@l", "level_name")
SERVICE_KEYS = ("service.name", "service", "app", "application", "app.name", "kubernetes.container.name", "logger", "logger_name", "log.logger", "logger.name")
HOST_KEYS = ("host.name", "host.hostname", "hostname", "host", "kubernetes.pod.name", "pod", "node")
STATUS_KEYS = ("http.response.status_code", "status_code", "statusCode", "http_status", "status", "res.statusCode", "response.status", "http.status_code")
STACK_KEYS = ("error.stack_trace", "exc_info", "stack_trace", "stacktrace", "error.stack", "err.stack", "stack", "exception")
ERROR_TYPE_KEYS = ("error.type", "err.type", "exception.type")
ERROR_MESSAGE_KEYS = ("error.message", "err.message", "exception.message")


MAX_DEPTH = 32
"""JSON nested deeper than this is kept as text: real log records nest a few levels, and
native JSON readers recurse (Arrow's crashed the process at a few thousand levels)."""
DEEP_PLACEHOLDER = '"…(nested too deep)"'

_SURROGATE = re.compile(r"\\\\|\\u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}|\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_OPEN, _CLOSE = frozenset("{["), frozenset("}]")


def _depth_bounds(arr: pa.Array) -> np.ndarray:
    """Per line, the deepest bracket nesting, counted without regard to strings (an upper bound in practice)."""
    arr = arr.cast(pa.large_string())
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int64)[arr.offset : arr.offset + len(arr) + 1]
    data = arr.buffers()[2]
    out = np.zeros(len(arr), dtype=np.int64)
    if data is None or offsets[-1] == offsets[0]:
        return out
    seg = np.frombuffer(data, dtype=np.uint8)[offsets[0] : offsets[-1]]
    step = (seg == 0x7B).astype(np.int32) + (seg == 0x5B) - (seg == 0x7D) - (seg == 0x5D)
    level = np.cumsum(step, dtype=np.int64)
    starts, ends = offsets[:-1] - offsets[0], offsets[1:] - offsets[0]
    nonempty = ends > starts
    if nonempty.any():
        first = starts[nonempty]
        base = np.where(first > 0, level[np.maximum(first - 1, 0)], 0)
        out[nonempty] = np.maximum.reduceat(level, first) - base
    return out


def bound_depth(line: str, limit: int = MAX_DEPTH) -> str:
    """`line` with every value nested deeper than `limit` replaced by a short placeholder string."""
    out, depth, i, n = [], 0, 0, len(line)
    keep_from, skip_at = 0, None
    in_string = escaped = False
    while i < n:
        c = line[i]
        if in_string:
            if escaped:
                escaped = False
            elif c == "\\":
                escaped = True
            elif c == '"':
                in_string = False
        elif c == '"':
            in_string = True
        elif c in _OPEN:
            depth += 1
            if depth == limit + 1 and skip_at is None:
                out.append(line[keep_from:i])
                skip_at = depth
        elif c in _CLOSE:
            if skip_at is not None and depth == skip_at:
                out.append(DEEP_PLACEHOLDER)
                keep_from, skip_at = i + 1, None
            depth -= 1
        i += 1
    out.append(line[keep_from:] if skip_at is None else DEEP_PLACEHOLDER)
    return "".join(out)


def _replace_lone_surrogates(line: str) -> str:
    return _SURROGATE.sub(lambda m: m.group() if len(m.group()) != 6 else "\\ufffd", line)


def make_safe(arr: pa.Array) -> tuple[pa.Array, int, int]:
    """JSON lines made safe for any JSON reader: (lines, how many were too deep, how many had lone surrogates).

    Lone UTF-16 surrogate escapes (`"\\ud800"`) become U+FFFD: decoded, they cannot be encoded
    again and break every later step. Both checks are vectorised; only flagged lines cost Python.
    """
    if len(arr) == 0:
        return arr, 0, 0
    brackets = np.asarray(pc.count_substring_regex(arr, r"[\[{]").fill_null(0).to_numpy(zero_copy_only=False))
    deep = np.zeros(len(arr), dtype=bool)
    many = np.flatnonzero(brackets > MAX_DEPTH)
    if len(many):
        deep[many[_depth_bounds(arr.take(pa.array(many))) > MAX_DEPTH]] = True
    lone = np.asarray(pc.match_substring_regex(arr, r"\\u[dD][89a-fA-F]").fill_null(False).to_numpy(zero_copy_only=False), dtype=bool)
    todo = np.flatnonzero(deep | lone)
    if not len(todo):
        return arr, 0, 0
    values = arr.to_pylist()
    n_deep = n_lone = 0
    for i in todo:
        line = values[i]
        if deep[i]:
            fixed = bound_depth(line)
            n_deep += fixed != line
            line = fixed
        if lone[i]:
            fixed = _replace_lone_surrogates(line)
            n_lone += fixed != line
            line = fixed
        values[i] = line
    return pa.array(values, pa.string()), n_deep, n_lone


def flatten(obj: dict, prefix: str = "", out: dict | None = None) -> dict:
    """{"a": {"b": 1}} -> {"a.b": 1}; lists stay values."""
    out = {} if out is None else out
    for key, value in obj.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            flatten(value, name + ".", out)
        else:
            out[name] = value
    return out


def _pop(flat: dict, keys) -> object:
    """The first non-empty value among `keys` (taken out of `flat`); empty known keys are dropped too."""
    found = None
    for key in keys:
        if key not in flat:
            continue
        value = flat[key]
        if value is None or value == "":
            del flat[key]
        elif found is None:
            found = flat.pop(key)
    return found


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def _status(value) -> int | None:
    try:
        code = int(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return code if 100 <= code <= 599 else None


def _fields(flat: dict) -> str | None:
    """Leftover keys as compact JSON; nulls and empty objects carry nothing and are left out."""
    kept = {k: v for k, v in flat.items() if v is not None and v != {}}
    return (_text(kept) or "")[:MAX_RAW_CHARS] if kept else None


def parse_record(line: str) -> dict | None:
    """One JSON line to event fields, or None when it is not a JSON object."""
    try:
        obj = json.loads(line)
    except (ValueError, RecursionError, MemoryError):
        return None
    if not isinstance(obj, dict):
        return None
    return _record(flatten(obj), line)


_KNOWN_KEYS = frozenset(k for keys in (TIME_KEYS, MESSAGE_KEYS, LEVEL_KEYS, SERVICE_KEYS, HOST_KEYS, STATUS_KEYS) for k in keys)
_PAIR = re.compile(r'"((?:[^"\\]|\\.){1,64})"\s*:\s*("(?:[^"\\]|\\.)*(?:"|$)|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)')


def salvage_record(line: str) -> dict | None:
    """The known keys of a JSON line that does not parse (clipped, truncated, a stray byte).

    Only string and number values are read, wherever they stand; the first of each key
    wins. None when no time, level or message can be found.
    """
    flat: dict = {}
    for m in _PAIR.finditer(line):
        key, token = m.group(1), m.group(2)
        if key in flat or key not in _KNOWN_KEYS:
            continue
        if token.startswith('"') and (len(token) == 1 or not token.endswith('"') or token.endswith('\\"')):
            token = token.rstrip("\\") + '"'  # a string cut off by clipping
        try:
            flat[key] = json.loads(token)
        except ValueError:
            continue
    if not any(k in flat for k in (*TIME_KEYS, *LEVEL_KEYS, *MESSAGE_KEYS)):
        return None
    return _record(flat, line)


def _record(flat: dict, line: str) -> dict:
    message = _text(_pop(flat, MESSAGE_KEYS))
    stack = _text(_pop(flat, STACK_KEYS))
    err_type = _text(_pop(flat, ERROR_TYPE_KEYS))
    err_msg = _text(_pop(flat, ERROR_MESSAGE_KEYS))
    if stack:
        message = f"{message}\n{stack}" if message else stack
    elif err_type or err_msg:
        detail = ": ".join(x for x in (err_type, err_msg) if x)
        message = f"{message}\n{detail}" if message else detail
    record = {
        "ts": _pop(flat, TIME_KEYS),
        "level": level_of(_pop(flat, LEVEL_KEYS)),
        "service": _text(_pop(flat, SERVICE_KEYS)),
        "host": _text(_pop(flat, HOST_KEYS)),
        "status": _status(_pop(flat, STATUS_KEYS)),
        "msg": message if message is not None else line,
        "fields": _fields(flat),
    }
    if isinstance(record["ts"], (dict, list, bool)):
        record["ts"] = None
    return record


def parse_records(lines: list[str], salvaged: list[int] | None = None) -> tuple[list[int], dict[str, list]]:
    """Parse many JSON lines; returns positions that parsed and their column lists.

    A line that does not parse is salvaged for its known keys where it can be; their
    positions are appended to `salvaged` when given.
    """
    cols: dict[str, list] = {k: [] for k in ("ts", "level", "service", "host", "status", "msg", "fields")}
    ok: list[int] = []
    for i, line in enumerate(lines):
        rec = parse_record(line)
        if rec is None:
            rec = salvage_record(line) if line.lstrip().startswith("{") else None
            if rec is None:
                continue
            if salvaged is not None:
                salvaged.append(i)
        ok.append(i)
        for key, value in rec.items():
            cols[key].append(value)
    return ok, cols
