"""The header layouts of plain-text logs, and how to pull fields out of a whole column at once.

A shape is one RE2 regex with named groups (`ts`, `level`, `service`, `host`, `status`,
`msg`) plus the layout of its timestamp. Detection tries every shape on a sample and
keeps those that match; extraction runs each kept shape over the column with
pyarrow.compute, so per-line Python work is nil.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from triage.events import STR
from triage.sources.levels import LEVEL_WORDS

_LV = f"(?:{LEVEL_WORDS})"
_LV_ANYCASE = f"(?i:{LEVEL_WORDS}|information|warning)"
_ISO_TS = r"\d{4}[-/]\d{2}[-/]\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d{1,9})?(?:Z| ?[+-]\d{2}:?\d{2}| ?UTC)?"


@dataclass(frozen=True)
class Shape:
    name: str
    pattern: str
    ts_kind: str | None  # layout for logtime.parse_timestamps; None: the shape has no time
    rest: bool = True  # run the generic level/logger parser over `msg`

    def extract(self, arr: pa.Array) -> pa.StructArray:
        return pc.extract_regex(arr, self.pattern)


SHAPES: tuple[Shape, ...] = (
    Shape("iso", rf"^\[?(?P<ts>{_ISO_TS})\]?[\s|]+(?P<msg>.*)$", "iso"),
    Shape(
        "rfc5424",
        r"^<(?P<pri>\d{1,3})>1 (?P<ts>\S+) (?P<host>\S+) (?P<service>\S+) \S+ \S+ (?:-|\[.*?\]) ?(?P<msg>.*)$",
        "iso",
        rest=False,
    ),
    Shape(
        "syslog",
        r"^(?:<\d{1,3}>)?(?P<ts>[A-Z][a-z]{2} +\d{1,2} \d{2}:\d{2}:\d{2}(?:\.\d+)?) (?P<host>\S+) "
        r"(?P<service>[^\s:\[]+)(?:\[\d+\])?: ?(?P<msg>.*)$",
        "syslog",
    ),
    Shape(
        "access",
        r'^(?P<client>\S+) \S+ \S+ \[(?P<ts>\d{2}/[A-Z][a-z]{2}/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4})\] '
        r'"(?P<req>[^"]*)" (?P<status>\d{3}) (?P<bytes>\S+)(?P<tail>.*)$',
        "clf",
        rest=False,
    ),
    Shape(
        "ctime",
        r"^\[(?P<ts>[A-Z][a-z]{2} [A-Z][a-z]{2} +\d{1,2} \d{2}:\d{2}:\d{2}(?:\.\d+)? \d{4})\]\s*(?P<msg>.*)$",
        "ctime",
    ),
    Shape(
        "klog",
        r"^(?P<level>[IWEF])(?P<ts>\d{4} \d{2}:\d{2}:\d{2}\.\d{6})\s+\d+ (?P<file>[^\s:\]]+):\d+\] (?P<msg>.*)$",
        "klog",
        rest=False,
    ),
    Shape("epoch", r"^\[?(?P<ts>\d{10}(?:\.\d{1,9})?|\d{13})\]?\s+(?P<msg>.*)$", "epoch"),
    Shape("yymmdd", r"^(?P<ts>\d{6} \d{6})\s+(?:\d+\s+)?(?P<msg>.*)$", "yymmdd"),
    Shape("timeonly", r"^\[?(?P<ts>\d{2}:\d{2}:\d{2}(?:[.,]\d{1,6})?)\]?\s+(?P<msg>.*)$", "timeonly"),
    Shape(
        "logfmt",
        r'^(?:.*?\s)?(?:time|ts|timestamp|t)=(?:"(?P<ts>[^"]*)"|(?P<ts2>\S+))(?P<msg>.*)$',
        "iso",
        rest=False,
    ),
    Shape("pylevel", r"^(?P<level>DEBUG|INFO|WARNING|ERROR|CRITICAL):(?P<service>[^:\s]+):(?P<msg>.*)$", None, rest=False),
    Shape("levelonly", rf"^\[?(?P<level>{_LV_ANYCASE})\]?(?::\s*|\s+)(?P<msg>.*)$", None),
)
SHAPE_BY_NAME = {s.name: s for s in SHAPES}

REST_PATTERN = (
    r"^[\s|:\-]*"
    rf"(?:(?P<pyname>[\w.$-]{{1,120}}) - (?P<pylvl>{_LV}) - )?"
    rf"(?:\[(?:\w+:)?(?P<b0>{_LV_ANYCASE})\]\s*)?"
    r"(?:\[(?P<t1>[^\]]{0,80})\]\s*)?"
    rf"(?:(?P<lvl>{_LV})\b|\[(?:\w+:)?(?P<blvl>{_LV_ANYCASE})\]|<(?P<alvl>{_LV_ANYCASE})>|(?i:level)=(?P<klvl>\w+))?"
    r"[\s|:\-]*"
    r"(?:\[(?P<t2>[^\]]{0,80})\]\s*)?"
    r"(?:(?P<logger>[A-Za-z_$][\w$]*(?:\.[\w$]+)*) +- +|(?P<dlogger>[a-z][\w-]*(?:\.[\w$-]+)+): +)?"
    r"(?P<msg>.*)$"
)
LEVEL_SEARCH = rf"^.{{0,60}}?\b(?P<lvl>{_LV})\b"

LOGFMT_FIELDS = {
    "level": r'(?:^|\s)(?:level|lvl|severity)="?(?P<v>[A-Za-z]+)',
    "msg": r'(?:^|\s)(?:msg|message)=(?:"(?P<q>(?:[^"\\]|\\.)*)"|(?P<v>\S+))',
    "service": r'(?:^|\s)(?:service|app|logger|component)="?(?P<v>[^"\s]+)',
    "host": r'(?:^|\s)(?:host|hostname|pod)="?(?P<v>[^"\s]+)',
    "status": r"(?:^|\s)(?:status|status_code)=\"?(?P<v>\d{3})\b",
}


def matches(arr: pa.Array, shape: Shape) -> np.ndarray:
    return np.asarray(pc.match_substring_regex(arr, shape.pattern).to_numpy(zero_copy_only=False), dtype=bool)


def detect(sample: pa.Array, min_share: float = 0.02) -> list[tuple[Shape, int]]:
    """Shapes that match at least `min_share` of the sample, most matches first."""
    if len(sample) == 0:
        return []
    found = []
    for order, shape in enumerate(SHAPES):
        n = int(matches(sample, shape).sum())
        if n and n >= min_share * len(sample):
            found.append((n, -order, shape))
    found.sort(key=lambda t: (t[0], t[1]), reverse=True)
    return [(shape, n) for n, _, shape in found]


def _field(struct: pa.StructArray, name: str) -> pa.Array | None:
    try:
        col = struct.field(name)
    except KeyError:
        return None
    return pc.if_else(pc.equal(col, ""), pa.scalar(None, pa.string()), col)


def _coalesce(*arrays) -> pa.Array | None:
    arrays = [a for a in arrays if a is not None]
    if not arrays:
        return None
    return arrays[0] if len(arrays) == 1 else pc.coalesce(*arrays)


def parse_rest(rest: pa.Array) -> dict[str, pa.Array]:
    """Level, logger and message from what follows a timestamp (log4j, logback, Python, nginx, Go...)."""
    st = pc.extract_regex(rest, REST_PATTERN)
    level = _coalesce(*(_field(st, g) for g in ("pylvl", "b0", "lvl", "blvl", "alvl", "klvl")))
    found = pc.is_valid(level)
    msg = pc.if_else(found, st.field("msg"), rest)
    service = pc.if_else(found, _coalesce(_field(st, "pyname"), _field(st, "logger"), _field(st, "dlogger")), None)
    missing = pc.invert(found)
    if pc.any(missing).as_py():
        searched = pc.extract_regex(rest, LEVEL_SEARCH)
        level = pc.coalesce(level, _field(searched, "lvl"))
    return {"level": level, "msg": msg, "service": service}


def parse_logfmt(lines: pa.Array, ts: pa.Array) -> dict[str, pa.Array]:
    out: dict[str, pa.Array] = {}
    for key, pattern in LOGFMT_FIELDS.items():
        st = pc.extract_regex(lines, pattern)
        value = _field(st, "v")
        if key == "msg":
            quoted = _field(st, "q")
            if quoted is not None:
                quoted = pc.replace_substring(quoted, '\\"', '"')
            value = _coalesce(quoted, value)
        out[key] = value
    out["msg"] = pc.coalesce(out["msg"], lines)
    return out


def extract_shape(arr: pa.Array, shape: Shape) -> tuple[np.ndarray, dict[str, pa.Array]]:
    """Mask of matching lines and, for those lines, the raw field columns (ts text, level text...)."""
    st = shape.extract(arr)
    ok = np.asarray(pc.is_valid(st).to_numpy(zero_copy_only=False), dtype=bool)
    sub = st.filter(pa.array(ok))
    lines = arr.filter(pa.array(ok))
    cols: dict[str, pa.Array] = {"ts": _coalesce(_field(sub, "ts"), _field(sub, "ts2"))}
    if shape.name == "access":
        cols["msg"] = pc.binary_join_element_wise(sub.field("req"), sub.field("status"), " ")
        cols["status"] = sub.field("status")
    elif shape.name == "logfmt":
        cols.update(parse_logfmt(lines, cols["ts"]))
    else:
        cols["msg"] = sub.field("msg")
        for name in ("level", "service", "host", "pri"):
            value = _field(sub, name)
            if value is not None:
                cols[name] = value
    if shape.rest:
        parsed = parse_rest(cols["msg"])
        cols["msg"] = parsed["msg"]
        cols["level"] = _coalesce(cols.get("level"), parsed["level"])
        cols["service"] = _coalesce(cols.get("service"), parsed["service"])
    return ok, cols


def status_levels(status: pa.Array) -> pd.Series:
    """Access logs carry no level: 5xx is an error, 4xx a warning, the rest info."""
    code = pd.to_numeric(pd.Series(status, dtype=STR), errors="coerce").astype("float64").to_numpy()
    level = np.where(code >= 500, "error", np.where(code >= 400, "warn", "info"))
    return pd.Series(level, dtype=STR)


def pri_levels(pri: pa.Array) -> pd.Series:
    """Syslog PRI = facility * 8 + severity."""
    sev = pd.to_numeric(pd.Series(pri, dtype=STR), errors="coerce").astype("float64") % 8
    names = {0: "fatal", 1: "fatal", 2: "fatal", 3: "error", 4: "warn", 5: "info", 6: "info", 7: "debug"}
    return pd.Series(sev.map(names), dtype=STR)
