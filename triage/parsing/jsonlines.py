"""Structured (JSON) log records: ECS, Bunyan/pino, python-json-logger, zap, logrus, Docker.

Both dotted keys (`"log.level"`) and nested objects (`{"log": {"level": ...}}`) are
read the same way, by flattening first. Whatever is not a known key is kept in `fields`.
"""

from __future__ import annotations

import json

from triage.events import MAX_RAW_CHARS
from triage.parsing.levels import level_of

TIME_KEYS = ("@timestamp", "timestamp", "time", "ts", "@t", "datetime", "date", "asctime", "eventTime", "t")
MESSAGE_KEYS = ("message", "msg", "@m", "log", "event", "text", "@mt")
LEVEL_KEYS = ("log.level", "level", "severity", "lvl", "loglevel", "log_level", "levelname", "@l", "level_name")
SERVICE_KEYS = ("service.name", "service", "app", "application", "app.name", "kubernetes.container.name", "logger", "logger_name", "log.logger", "logger.name")
HOST_KEYS = ("host.name", "host.hostname", "hostname", "host", "kubernetes.pod.name", "pod", "node")
STATUS_KEYS = ("http.response.status_code", "status_code", "statusCode", "http_status", "status", "res.statusCode", "response.status", "http.status_code")
STACK_KEYS = ("error.stack_trace", "exc_info", "stack_trace", "stacktrace", "error.stack", "err.stack", "stack", "exception")
ERROR_TYPE_KEYS = ("error.type", "err.type", "exception.type")
ERROR_MESSAGE_KEYS = ("error.message", "err.message", "exception.message")


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
    return _text(kept)[:MAX_RAW_CHARS] if kept else None


def parse_record(line: str) -> dict | None:
    """One JSON line to event fields, or None when it is not a JSON object."""
    try:
        obj = json.loads(line)
    except (ValueError, RecursionError):
        return None
    if not isinstance(obj, dict):
        return None
    flat = flatten(obj)
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


def parse_records(lines: list[str]) -> tuple[list[int], dict[str, list]]:
    """Parse many JSON lines; returns positions that parsed and their column lists."""
    cols: dict[str, list] = {k: [] for k in ("ts", "level", "service", "host", "status", "msg", "fields")}
    ok: list[int] = []
    for i, line in enumerate(lines):
        rec = parse_record(line)
        if rec is None:
            continue
        ok.append(i)
        for key, value in rec.items():
            cols[key].append(value)
    return ok, cols
