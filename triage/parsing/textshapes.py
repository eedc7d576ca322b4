"""The header layouts of plain-text logs, and how to pull fields out of a whole column at once.

A shape is one RE2 regex with named groups (`ts`, `level`, `service`, `host`, `status`,
`msg`) plus the layout of its timestamp. Detection tries every shape on a sample and
keeps those that match; extraction runs each kept shape over the column with
pyarrow.compute, so per-line Python work is nil.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from http import HTTPStatus

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from triage.events import STR
from triage.parsing import folding
from triage.parsing.levels import LEVEL_WORDS

_LV = f"(?:{LEVEL_WORDS})"
_LV_ANYCASE = f"(?i:{LEVEL_WORDS}|information|warning)"
ISO_TS = r"\d{4}[-/]\d{2}[-/]\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d{1,9})?(?:Z| ?[+-]\d{2}:?\d{2}| ?UTC)?"


@dataclass(frozen=True)
class Shape:
    """`head` matches the header only (no trailing `.*`: RE2 then stays on its fast DFA path)."""

    name: str
    head: str
    ts_kind: str | None  # layout for logtime.parse_timestamps; None: the shape has no time
    rest: bool = True  # the level/thread/logger prefix may follow the header

    @property
    def pattern(self) -> str:
        """Header and optional level prefix, wrapped in `whole` so its length says where the message starts."""
        return self._build(_T2_FLAT)

    @property
    def nested_pattern(self) -> str:
        """The same, reading a bracketed thread name with brackets inside it whole."""
        return self._build(_T2_NESTED)

    def _build(self, t2: str) -> str:
        inner = self.head[1:] if self.head.startswith("^") else self.head
        return "^(?P<whole>" + inner + (REST.replace("{t2}", t2) if self.rest else "") + ")"


def slice_from(arr: pa.Array, starts: np.ndarray) -> pa.Array:
    """Per-row `text[start:]`: one kernel call per distinct start (a handful), then back in row order."""
    n = len(arr)
    if n == 0:
        return arr
    first = int(starts[0])
    if (starts == first).all():
        return pc.utf8_slice_codeunits(arr, first)
    order = np.argsort(starts, kind="stable")
    sorted_starts = starts[order]
    bounds = np.concatenate(([0], np.flatnonzero(np.diff(sorted_starts)) + 1, [n]))
    chunks = []
    for a, b in zip(bounds[:-1], bounds[1:]):
        rows = arr.take(pa.array(order[a:b]))  # copies only this run, freed right after slicing
        chunks.append(pc.utf8_slice_codeunits(rows, int(sorted_starts[a])))
    inverse = np.empty(n, dtype=np.int64)
    inverse[order] = np.arange(n)
    return pa.chunked_array(chunks, type=arr.type).take(pa.array(inverse)).combine_chunks()


REST = (
    r"(?:[\s|:\-]*(?:\d+ +)?(?:\[(?P<t1>[^\]]*)\]\s*)?"
    rf"(?:(?P<lvl>{_LV})\b|\[(?:\w+:)?(?P<blvl>{_LV_ANYCASE})\]|<(?P<alvl>{_LV_ANYCASE})>)"
    r"[\s|:\-]*(?:\[" + "{t2}" + r"\]\s*(?:- +)?)?(?:(?P<logger>[A-Za-z_$][\w.$-]*) +- +)?)?"
)
_T2_FLAT = r"(?P<t2>[^\]]*)"
_T2_NESTED = r"(?P<t2>[^\[\]]*(?:\[[^\]]*\][^\[\]]*)*)"
"""A thread name may hold brackets (`QuorumPeer[myid=1]/0:0:0:0`): the nested form reads it whole, but
costs RE2 about twice the flat one on every line, so it only runs again on lines whose flat match
stopped at an inner bracket (see extract_shape)."""
"""Optional level prefix after a header: log4j/logback `LEVEL [thread] logger - `, `[thread] LEVEL`, oslo `PID LEVEL`,
nginx `[error]`, Apache `[core:error]`, `<warn>`. Kept DFA-friendly: no counted repeats, no
ambiguous leading words (Python's `name - LEVEL - ` layout is its own shape for that reason)."""

LOGGER_PREFIX = r"^(?:(?P<clogger>[a-z][\w$]*(?:\.[\w$]+)+): |(?P<ologger>[a-z]\w*(?:\.\w+)+) \[[^\]]*\] )"
"""Hadoop/Spark `pkg.Class: msg` and OpenStack `pkg.module [context] msg`, checked in a second pass
only when a sample of messages starts that way (an extra alternative in REST doubles its cost)."""

FACILITY = r"(?:kern|user|mail|daemon|auth|syslog|lpr|news|uucp|cron|authpriv|ftp|ntp|security|console|local[0-7])"
SEVERITY = r"(?:emerg|alert|crit|err|error|warning|warn|notice|info|debug)"
"""`host daemon.err prog:`: syslog daemons that write the facility and severity of each message (busybox, UniFi)."""
PID = r"(?:\[?\d{1,7}\]?(?::[A-Za-z])? +)"
"""A process id column before the time (strace -f `10000 1697048351.000561`, redis `1:M ` / `[3574] `)."""

SHAPES: tuple[Shape, ...] = (
    Shape("iso-python", rf"^(?P<ts>{ISO_TS})[\s|]+(?:- )?(?P<service>[\w.$-]+) - (?P<level>{_LV}) - ", "iso", rest=False),
    Shape("rfc5424", r"^<(?P<pri>\d{1,3})>1 (?P<ts>\S+) (?P<host>\S+) (?P<service>\S+) \S+ \S+ (?:- ?|\[[^\]]*\] ?)", "iso", rest=False),
    Shape(
        "syslog",
        r"^(?:<\d{1,3}>)?(?P<ts>[A-Z][a-z]{2} +\d{1,2} \d\d:\d\d:\d\d(?:\.\d+)?) (?P<host>\S+) "
        r"(?P<service>[^\s:\[]+(?: [^\s:\[]+)?)(?:\[\d+\])?(?: \(\[?\d+\]?\))?: ?",
        "syslog",
    ),
    Shape(
        "access",
        r'^(?P<client>\S+) +\S+ +\S+(?: +\S+)? +\[(?P<ts>\d\d/[A-Z][a-z]{2}/\d{4}[: ]\d\d:\d\d:\d\d(?: [+-]\d{4})?)\] +'
        r'"(?P<req>[^"]*)" (?P<status>\d{3}) ',
        "clf",
        rest=False,
    ),
    Shape("ctime", r"^\[(?P<ts>[A-Z][a-z]{2} [A-Z][a-z]{2} +\d{1,2} \d\d:\d\d:\d\d(?:\.\d+)? \d{4})\]\s*", "ctime"),
    Shape("cri", rf"^(?P<ts>{ISO_TS}) (?:stdout|stderr) [FP] ", "iso"),
    Shape("iso", rf"^\[?(?P<ts>{ISO_TS})\]?[\s|]+", "iso"),
    Shape("prefixed-iso", rf"^[^\s\[]+(?: [^\s\[|]+)?:?\s+(?:\|\s+)?\[?(?P<ts>{ISO_TS})\]?[\s|]+", "iso"),
    Shape("klog", r"^(?P<level>[IWEF])(?P<ts>(?:\d{4})?\d{4} \d\d:\d\d:\d\d\.\d{6})\s+\d+ (?P<file>[^\s:\]]+):\d+\] ", "klog", rest=False),
    Shape("epoch", rf"^{PID}?\[?(?P<ts>\d{{10}}(?:\.\d{{1,9}})?|\d{{13}})\]?\s+", "epoch"),
    Shape("yymmdd", r"^(?:# ?Time: )?(?P<ts>\d{6} (?:\d{6}|[ \d]\d:\d\d:\d\d))(?:\s+(?:\d+\s+)?|$)", "yymmdd"),
    Shape("yy/mm/dd", r"^(?P<ts>\d\d/\d\d/\d\d \d\d:\d\d:\d\d) ", "yy/mm/dd"),
    Shape("timeonly", rf"^{PID}?\[?(?P<ts>\d\d:\d\d:\d\d(?:[.,]\d{{1,6}})?)\]?\s+", "timeonly"),
    Shape("pid-dated", rf"^{PID}(?P<ts>\d\d? [A-Z][a-z]{{2}}(?: \d{{4}})? \d\d:\d\d:\d\d(?:[.,]\d{{1,6}})?) +", "generic"),
    Shape("bracket-time", r"^(?:(?P<level>[DIWEF]) )?\[(?P<ts>[^\]]*\d:\d\d:\d\d[^\]]*)\]\s*", "generic"),
    Shape("logfmt", r'^(?:[^"]*?\s)?(?:time|ts|timestamp|t)=(?:"(?P<ts>[^"]*)"|(?P<ts2>\S+))', "iso", rest=False),
    Shape("pylevel", r"^(?P<level>DEBUG|INFO|WARNING|ERROR|CRITICAL):(?P<service>[^:\s]+):", None, rest=False),
    Shape("levelonly", r"^\[?(?P<level>(?i:trace|debug|info|notice|warn|warning|error|severe|fatal|critical))\]?(?::\s*|\s+)", None, rest=False),
)
SHAPE_BY_NAME = {s.name: s for s in SHAPES}

LEVEL_SEARCH = r"^.{0,60}?\b(?P<lvl>TRACE|DEBUG|INFO|NOTICE|WARN|WARNING|ERROR|SEVERE|FATAL|CRITICAL|ALERT|EMERG)\b"
"""Level words trusted anywhere near the start of a line (abbreviations like ERR or PANIC are not)."""
PADDING = " " * 8
"""A run of padding (a thread column padded to 100 characters) does not count towards "near": such lines are
searched again with the runs squeezed (a plain substring test finds them first, so others pay nothing)."""

ESX_LEVEL = r"^(?P<whole>(?P<code>Em|Al|Cr|Er|Wa|No|In|Db|Vb)\(\d+\) +)"
"""VMware ESXi 7+ writes the severity as a two-letter code and the syslog priority right after the time: `In(166)`."""
_ESX_WORDS = {"Em": "EMERG", "Al": "ALERT", "Cr": "CRIT", "Er": "ERROR", "Wa": "WARN", "No": "NOTICE", "In": "INFO", "Db": "DEBUG", "Vb": "VERBOSE"}

LOGFMT_FIELDS = {
    "level": r'(?:^|\s)(?:level|lvl|severity)="?(?P<v>[A-Za-z]+)',
    "msg": r'(?:^|\s)(?:msg|message)=(?:"(?P<q>(?:[^"\\]|\\.)*)"|(?P<v>\S+))',
    "service": r'(?:^|\s)(?:service|app|logger|component)="?(?P<v>[^"\s]+)',
    "host": r'(?:^|\s)(?:host|hostname|pod)="?(?P<v>[^"\s]+)',
    "status": r"(?:^|\s)(?:status|status_code)=\"?(?P<v>\d{3})\b",
}


def matches(arr: pa.Array, shape: Shape) -> np.ndarray:
    return np.asarray(pc.match_substring_regex(arr, shape.head).to_numpy(zero_copy_only=False), dtype=bool)


def detect(sample: pa.Array, min_share: float = 0.02) -> list[tuple[Shape, int]]:
    """Shapes that match at least `min_share` of the sample, in the order to apply them."""
    if len(sample) == 0:
        return []
    found = []
    for order, shape in enumerate(SHAPES):
        n = int(matches(sample, shape).sum())
        if n and n >= min_share * len(sample):
            found.append((n, -order, shape))
    # Most matches first (the big one runs on the whole column, no copy); a specific shape still
    # precedes the generic one that would also match its lines.
    found.sort(key=lambda t: (t[0], t[1]), reverse=True)
    ordered = [shape for _, _, shape in found]
    for shape in list(ordered):
        if shape.name in _PRECEDES and _PRECEDES[shape.name] in [s.name for s in ordered]:
            ordered.remove(shape)
            ordered.insert([s.name for s in ordered].index(_PRECEDES[shape.name]), shape)
    counts = {shape.name: n for n, _, shape in found}
    return [(shape, counts[shape.name]) for shape in ordered]


_PRECEDES = {"iso-python": "iso", "cri": "iso", "rfc5424": "iso", "logfmt": "levelonly", "pylevel": "levelonly"}


def _field(struct: pa.StructArray, name: str) -> pa.Array | None:
    try:
        col = struct.field(name)
    except KeyError:
        return None
    return pc.if_else(pc.equal(col, ""), pa.scalar(None, pa.string()), col)


def _coalesce(*arrays) -> pa.Array | None:
    present = [a for a in arrays if a is not None]
    if not present:
        return None
    return present[0] if len(present) == 1 else pc.coalesce(*present)


def parse_logfmt(lines: pa.Array) -> dict[str, pa.Array]:
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


def _service_from_brackets(t2: pa.Array | None) -> pa.Array | None:
    """`LEVEL [checkout] msg`: a bracketed word after the level names the service, unless it looks like a thread."""
    if t2 is None:
        return None
    thread = pc.match_substring_regex(t2, r"\d|^main$|thread|exec|worker|pool|[\s:]")
    return pc.if_else(pc.fill_null(thread, True), pa.scalar(None, pa.string()), t2)


LOGGER_NAME = r"^[a-z_$][\w$-]*(?:\.[\w$-]+)*\.[A-Z][\w$]*$|^[a-z_$][\w$-]*(?:\.[\w$-]+){2,}$"
"""A qualified class or module name (`c.e.checkout.OrderService`, `dfs.DataNode$PacketResponder`,
`org.apache.spark.executor`) is a logger: code, not a service. `chrome.exe` or `payments-api` stay names."""


def _not_logger(service: pa.Array | None) -> pa.Array | None:
    if service is None:
        return None
    dotted = pc.fill_null(pc.match_substring_regex(service, LOGGER_NAME), False)
    return pc.if_else(dotted, pa.scalar(None, pa.string()), service)


HOST_TOKEN = r"^(?P<host>[A-Za-z][\w-]*(?:\.[\w-]+)*) "
_HOSTLIKE = r"[\d.-]"  # a host name has a digit, a dash or a dot (`web-1`, `db01`, `ip-10-0-0-7`)
HOST_SHARE = 0.9
"""Share of sampled lines (with a bracketed service) whose first word is host-like before it is taken as the host."""


def _take_host_token(msg: pa.Array, service: pa.Array, sample: int = 200) -> tuple[pa.Array, pa.Array | None]:
    """`ts LEVEL [svc] web-1 msg`: the word after the service is a host when, in a sample, nearly every line has
    a host-like word there and those words take few distinct values (hosts repeat; message words vary)."""
    has = pc.is_valid(service)
    head = msg.filter(has).slice(0, sample)
    if len(head) < 3:
        return msg, None
    st = pc.extract_regex(head, HOST_TOKEN)
    first = pc.drop_null(st.field("host").filter(pc.is_valid(st)))
    likes = pc.fill_null(pc.match_substring_regex(first, _HOSTLIKE), False)
    hostlike = pc.sum(likes).as_py() or 0
    distinct = len(pc.unique(first.filter(likes))) if hostlike else 0
    if hostlike < HOST_SHARE * len(head) or distinct > max(3, 0.2 * len(head)):
        return msg, None
    full = pc.extract_regex(msg, HOST_TOKEN)
    host = pc.if_else(pc.and_(has, pc.is_valid(full)), full.field("host"), pa.scalar(None, pa.string()))
    host = pc.if_else(pc.fill_null(pc.match_substring_regex(host, _HOSTLIKE), False), host, pa.scalar(None, pa.string()))
    starts = np.asarray(pc.fill_null(pc.add(pc.utf8_length(host), 1), 0).to_numpy(zero_copy_only=False), dtype=np.int64)
    return slice_from(msg, starts), host


def _strip_logger_prefix(msg: pa.Array, named: pa.Array | None = None, sample: int = 200, share: float = 0.1) -> tuple[pa.Array, pa.Array | None]:
    """Take a leading `pkg.Class: ` / `pkg.module [ctx] ` off messages, when the sample says the input writes them.

    Not where the header already named the program (`cts[258]: org.example.job.daily: ...`):
    after a program, a dotted name is the message's own subject."""
    if named is not None:
        free = pc.is_null(named)
        if not pc.any(free).as_py():
            return msg, None
        if not pc.all(free).as_py():
            at = np.flatnonzero(np.asarray(free.to_numpy(zero_copy_only=False), dtype=bool))
            stripped, logger = _strip_logger_prefix(msg.take(pa.array(at)), None, sample, share)
            if logger is None:
                return msg, None
            out = pc.replace_with_mask(msg, free, stripped)
            full = pc.replace_with_mask(pa.nulls(len(msg), pa.string()), free, logger.cast(pa.string()))
            return out, full
    head = msg.slice(0, sample)
    if len(head) == 0 or (pc.sum(pc.match_substring_regex(head, LOGGER_PREFIX)).as_py() or 0) < share * len(head):
        return msg, None
    st = pc.extract_regex(msg, "^(?P<whole>" + LOGGER_PREFIX[1:] + ")")
    logger = _coalesce(_field(st, "clogger"), _field(st, "ologger"))
    # `java.lang.IllegalStateException: boom` is an exception, not a logger: keep it whole.
    thrown = pc.fill_null(pc.match_substring_regex(logger, r"(?:Exception|Error|Throwable|Warning)$"), False)
    logger = pc.if_else(thrown, pa.scalar(None, pa.string()), logger)
    starts = np.asarray(pc.fill_null(pc.utf8_length(st.field("whole")), 0).to_numpy(zero_copy_only=False), dtype=np.int64)
    starts[np.asarray(thrown.to_numpy(zero_copy_only=False), dtype=bool)] = 0
    starts[~np.asarray(pc.is_valid(st).to_numpy(zero_copy_only=False), dtype=bool)] = 0
    return slice_from(msg, starts), logger


PROGRAM_PREFIX = (
    r"^(?:(?P<dprog>\w[\w.$/-]*(?: [*\w.$/-]+)?) - "
    r"|(?P<cprog>[A-Za-z_][\w.$/-]*)(?:\[\d+\])?: )"
)
"""`program - msg` / `component: msg` / `prog[42]: msg` right after a header: the program or component is the service."""
HOSTED_PROGRAM = r"^(?:[\w.@/#-]*[\d.@/-][\w.@/#-]* )(?P<cprog>/?[A-Za-z_][\w.$/-]*(?:\([\w.-]+\))?)(?:\[\d+\])?: "
"""The same with a host-like word (digit, dot, dash or @ in it) first: `rack7/rack7 backupd(pam_env)[291]: msg`;
tried only when the sample does not have the plain form (the plain regex stays the cheap one)."""
_NOT_PROGRAM = rf"^(?i:{LEVEL_WORDS}|warning|information|caused by|note|https?)$|(?:Exception|Error|Throwable|Warning)$"


def _strip_program_prefix(msg: pa.Array, service: pa.Array | None, sample: int = 200, share: float = 0.5) -> tuple[pa.Array, pa.Array | None]:
    """Take a `program - ` / `component: ` prefix off messages that have no service yet, when most of a sample has one."""
    head = msg.slice(0, sample)
    if len(head) == 0:
        return msg, service
    for pattern in (PROGRAM_PREFIX, HOSTED_PROGRAM):
        if (pc.sum(pc.match_substring_regex(head, pattern)).as_py() or 0) >= share * len(head):
            break
    else:
        return msg, service
    st = pc.extract_regex(msg, "^(?P<whole>" + pattern[1:] + ")")
    prog = _coalesce(_field(st, "dprog"), _field(st, "cprog"))
    bad = pc.fill_null(pc.match_substring_regex(prog, _NOT_PROGRAM), True)
    logger = pc.fill_null(pc.match_substring_regex(prog, LOGGER_NAME), False)
    if service is not None:
        bad = pc.or_(bad, pc.is_valid(service))
    take = np.asarray(pc.invert(bad).to_numpy(zero_copy_only=False), dtype=bool)
    if not take.any():
        return msg, service
    starts = np.asarray(pc.fill_null(pc.utf8_length(st.field("whole")), 0).to_numpy(zero_copy_only=False), dtype=np.int64)
    starts[~take] = 0
    # `payments.api - msg`: the prefix comes off the message either way; a logger is no service.
    named = np.asarray(pc.invert(logger).to_numpy(zero_copy_only=False), dtype=bool) & take
    prog = pc.if_else(pa.array(named), prog, pa.scalar(None, pa.string()))
    return slice_from(msg, starts), _coalesce(service, prog)


def _search_level(msg: pa.Array) -> pa.Array | None:
    found = _field(pc.extract_regex(msg, LEVEL_SEARCH), "lvl")
    padded = pc.and_(pc.is_null(found), pc.match_substring(msg, PADDING)) if found is not None else pc.match_substring(msg, PADDING)
    if not pc.any(padded).as_py():
        return found
    at = np.flatnonzero(np.asarray(padded.to_numpy(zero_copy_only=False), dtype=bool))
    squeezed = pc.replace_substring_regex(msg.take(pa.array(at)), r"\s{2,}", " ")
    again = pd.Series(_field(pc.extract_regex(squeezed, LEVEL_SEARCH), "lvl"), dtype=STR).to_numpy()
    out = pd.Series(found, dtype=STR) if found is not None else pd.Series(pd.NA, index=range(len(msg)), dtype=STR)
    out.iloc[at] = again
    return pa.array(out, pa.string(), from_pandas=True)


_FACILITY_SERVICE = rf"^{FACILITY}\.(?P<sev>{SEVERITY}) (?P<service>.+)$"


def _facility_levels(service: pa.Array, sample: int = 200) -> tuple[pa.Array, pa.Array | None]:
    """`host daemon.err mcad[42]:`: the service column read `daemon.err mcad`; the severity is the header's level."""
    if not pc.any(pc.match_substring_regex(service.slice(0, sample), _FACILITY_SERVICE)).as_py():
        return service, None
    st = pc.extract_regex(service, _FACILITY_SERVICE)
    has = pc.is_valid(st)
    sev = pc.if_else(has, st.field("sev"), pa.scalar(None, pa.string()))
    return pc.if_else(has, st.field("service"), service), sev


def _esx_levels(msg: pa.Array, level: pa.Array | None, sample: int = 200) -> tuple[pa.Array, pa.Array | None]:
    """`In(166) Hostd[42]: msg` after the time: the level, taken off the message (checked only when a sample has one)."""
    if not pc.any(pc.match_substring_regex(msg.slice(0, sample), ESX_LEVEL)).as_py():
        return msg, level
    st = pc.extract_regex(msg, ESX_LEVEL)
    code = _field(st, "code")
    if level is not None:
        code = pc.if_else(pc.is_valid(level), pa.scalar(None, pa.string()), code)
    words = pa.array(list(_ESX_WORDS.values()), pa.string())
    found = pc.take(words, pc.index_in(code, pa.array(list(_ESX_WORDS), pa.string())))
    starts = np.asarray(pc.fill_null(pc.if_else(pc.is_valid(code), pc.utf8_length(st.field("whole")), 0), 0).to_numpy(zero_copy_only=False), dtype=np.int64)
    return slice_from(msg, starts), _coalesce(level, found)


def _nested_threads(arr: pa.Array, st: pa.StructArray, shape: Shape) -> pa.StructArray:
    """Lines whose thread name stopped at an inner bracket (`[QuorumPeer[myid=1`), matched again nested."""
    cut = pc.fill_null(pc.match_substring(st.field("t2"), "["), False)
    if not pc.any(cut).as_py():
        return st
    idx = np.flatnonzero(np.asarray(cut.to_numpy(zero_copy_only=False), dtype=bool))
    again = pc.extract_regex(arr.take(pa.array(idx)), shape.nested_pattern)
    order = np.arange(len(st))
    order[idx] = len(st) + np.arange(len(idx))
    return pa.concat_arrays([st, again]).take(pa.array(order))


def extract_shape(arr: pa.Array, shape: Shape) -> tuple[np.ndarray, dict[str, pa.Array]]:
    """Mask of matching lines and, for those lines, the raw field columns (ts text, level text, message...)."""
    st = pc.extract_regex(arr, shape.pattern)
    if shape.rest:
        st = _nested_threads(arr, st, shape)
    ok = np.asarray(pc.is_valid(st).to_numpy(zero_copy_only=False), dtype=bool)
    sub = st.filter(pa.array(ok)) if not ok.all() else st
    lines = arr.filter(pa.array(ok)) if not ok.all() else arr
    cols: dict[str, pa.Array] = {"ts": _coalesce(_field(sub, "ts"), _field(sub, "ts2"))}
    if shape.name == "access":
        cols["msg"] = pc.binary_join_element_wise(sub.field("req"), status_phrases(sub.field("status")), " ")
        cols["status"] = sub.field("status")
        return ok, cols
    if shape.name == "logfmt":
        cols.update(parse_logfmt(lines))
        return ok, cols
    starts = np.asarray(pc.utf8_length(sub.field("whole")).to_numpy(zero_copy_only=False), dtype=np.int64)
    cols["msg"] = slice_from(lines, starts)
    for name in ("level", "service", "host", "pri"):
        value = _field(sub, name)
        if value is not None:
            cols[name] = value
    if shape.rest:
        level = _coalesce(cols.get("level"), *(_field(sub, g) for g in ("lvl", "blvl", "alvl")))
        if shape.name == "bracket-time":  # `[DEBUG 2015-05-20 12:22:19 main]`: the level inside the bracket
            level = _coalesce(level, _field(pc.extract_regex(cols["ts"], LEVEL_SEARCH), "lvl"))
        if shape.name == "syslog" and cols.get("service") is not None:
            cols["service"], sev = _facility_levels(cols["service"])
            level = _coalesce(sev, level)
        cols["msg"], level = _esx_levels(cols["msg"], level)
        missing = pc.is_null(level)
        if pc.any(missing).as_py():
            mask = np.asarray(missing.to_numpy(zero_copy_only=False), dtype=bool)
            searched = _search_level(cols["msg"].filter(missing))
            merged = pd.Series(level, dtype=STR)
            merged[mask] = pd.Series(searched, dtype=STR).to_numpy()
            level = pa.array(merged, pa.string(), from_pandas=True)
        cols["level"] = level
        # A logger (`c.e.checkout.OrderService`, `org.apache.spark.Executor: `) names code, not a
        # service: it is taken off the message but does not fill the service column.
        cols["msg"], prefixed = _strip_logger_prefix(cols["msg"], cols.get("service") if shape.name == "syslog" else None)
        bracketed = _service_from_brackets(_field(sub, "t2"))
        cols["service"] = _coalesce(_not_logger(cols.get("service")), _not_logger(_field(sub, "logger")),
                                    _not_logger(prefixed), bracketed)
        if bracketed is not None and "host" not in cols:
            cols["msg"], host = _take_host_token(cols["msg"], bracketed)
            if host is not None:
                cols["host"] = host
    if shape.rest or shape.name.startswith("inferred"):
        cols["msg"], cols["service"] = _strip_program_prefix(cols["msg"], cols.get("service"))
    elif shape.name in ("iso-python", "pylevel"):
        cols["service"] = _not_logger(cols.get("service"))  # Python's %(name)s is a logger
    return ok, cols


def status_phrases(status: pa.Array) -> pa.Array:
    """`502` -> `502 Bad Gateway`: the phrase survives number masking, so 200s and 502s group apart."""
    encoded = pc.dictionary_encode(status)
    phrases = []
    for code in encoded.dictionary.to_pylist():
        try:
            phrases.append(f"{code} {HTTPStatus(int(code)).phrase}")
        except ValueError:
            phrases.append(code)
    return pc.take(pa.array(phrases, pa.string()), encoded.indices)


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


# --- Header inference for layouts no named shape knows --------------------------------------------
# Learned once from a sample: the positions (whitespace tokens or `|` fields) that hold a timestamp
# or a level word in nearly every line; the header ends after the last of them. The result is an
# ordinary Shape, so the whole column is still parsed by one regex.

INFER_TOKENS = 12
INFER_SHARE = 0.8
INFER_MAX_START = 4  # the time must start within the first tokens
_CODE = re.compile(r"['\"=<>]")
_PROSE_OR_CODE = re.compile(r"^[a-z]{2,}[,:;.]?$|['\"=<>]")
CLOCK_SPAN = 5 * 365 * 86400  # seconds: the epochs of one log's sample lie within a few years; ids spread wider


def _clock_like(rows: list[list[str]], at: int) -> bool:
    values = []
    for r in rows:
        if len(r) > at and _EPOCH_TOKEN.match(r[at]):
            v = float(r[at].strip("[]()"))
            values.append(v / 1000 if v > 1e11 else v)
    return len(values) >= 3 and max(values) - min(values) <= CLOCK_SPAN
_TIME_TOKEN = re.compile(r"\d:\d\d:\d\d|\d{4}[-./]?\d\d[-./]?\d\d[-T_.:]\d\d[.:]\d\d[.:]\d\d")
_DATE_TOKEN = re.compile(
    r"^[\[(]?(?:\d{4}[-./]\d\d?[-./]\d\d?|\d\d?[-./]\d\d?[-./]\d{4}|\d{8}|\d\d?[-./]\d\d?"
    r"|\d\d?[-./](?i:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*[-./]\d{4})[\])]?$"
)
_EPOCH_TOKEN = re.compile(r"^[\[(]?[12]\d{9}(?:\d{3})?(?:\.\d{1,9})?[\])]?$")  # 2001-2039, seconds or ms
_LEVEL_TOKEN = re.compile(rf"^[\[<(]?(?:{LEVEL_WORDS}|(?i:info|warn|warning|error|debug|fatal|trace|critical))[\]>):]*$")
_DATE_WORD = re.compile(r"^[\[(]?(?:(?i:mon|tue|wed|thu|fri|sat|sun|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*,?|\d{1,2},?)$")
_YEAR = re.compile(r"^\d{4},?$")
_ZONE_OR_YEAR = re.compile(r"^(?:UTC|GMT|Z|[A-Z][A-Z]?[SD]?T|[+-]\d\d:?\d\d|\d{4})[\])]?$")
_NAME_TOKEN = re.compile(r"^[A-Za-z_][\w.$/:-]*$")
_CONTINUES = re.compile(f"{folding.CONTINUATION}|{folding.EXCEPTION_LINE}|{folding.PANIC_START}")


_TS_TOKEN = {"epoch": r"[\[(]?\d{10}\S*", "generic": r"\S*\d[:.]\d\d?[:.]\d\S*"}
_TS_FIELD = {"epoch": r"[^|]*?\d{10}[^|]*?", "generic": r"[^|]*?\d[:.]\d\d?[:.]\d[^|]*?"}
"""What the learned timestamp position must hold, so that other lines (stack frames, prose) never match."""


def _positions(rows: list[list[str]], test, total: int) -> list[int]:
    """Indexes where `test` holds in at least INFER_SHARE of all sample lines."""
    width = max((len(r) for r in rows), default=0)
    need = INFER_SHARE * total
    return [i for i in range(width) if sum(1 for r in rows if len(r) > i and test(r[i])) >= need]


def _timeish(tok: str) -> bool:
    return bool(_TIME_TOKEN.search(tok) or _EPOCH_TOKEN.match(tok))


def _pick_ts(rows: list[list[str]], total: int) -> tuple[int, int, int, str] | None:
    """(first, anchor, last index, logtime kind) of the timestamp: an epoch (zone-safe) first, else date+time.

    The anchor is the token that must look like the epoch or the time of day."""
    epoch = _positions(rows, lambda t: bool(_EPOCH_TOKEN.match(t)), total)
    if epoch:
        return epoch[0], epoch[0], epoch[0], "epoch"
    times = _positions(rows, lambda t: bool(_TIME_TOKEN.search(t)), total)
    if not times:
        return None
    first = last = anchor = times[0]
    dates = _positions(rows, lambda t: bool(_DATE_TOKEN.match(t)), total)
    if first - 1 in dates:
        first -= 1
    words = _positions(rows, lambda t: bool(_DATE_WORD.match(t)), total)
    years = _positions(rows, lambda t: bool(_YEAR.match(t)), total)
    while first - 1 in words or (first - 1 in years and first - 2 in words):  # `Thu Nov 26 10:00:07`, `02 Dec 2026 09:10:11`
        first -= 1
    zones = _positions(rows, lambda t: bool(_ZONE_OR_YEAR.match(t)), total)
    while last + 1 in zones:  # `10:00:07 UTC 2026`
        last += 1
    return first, anchor, last, "generic"


def _infer_fields(lines: list[str]) -> Shape | None:
    """`|`-delimited prefix: the field count most lines share, holding a timestamp in a fixed field."""
    counts = [ln[:2000].count("|") for ln in lines]
    k = max(set(counts), key=counts.count)
    if k < 1 or counts.count(k) < 0.5 * len(lines) or sum(c >= k for c in counts) < INFER_SHARE * len(lines):
        return None
    rows = [[f.strip() for f in ln.split("|", k)[:k]] for ln, c in zip(lines, counts) if c >= k]
    if any(sum(len(r[i]) > 64 for r in rows) > (1 - INFER_SHARE) * len(rows) for i in range(k)):
        return None
    got = _pick_ts(rows, len(lines))
    if got is None:
        return None
    t0, _, t1, kind = got
    level = next((i for i in _positions(rows, lambda t: bool(_LEVEL_TOKEN.match(t)), len(lines)) if i > t1 or i < t0), None)
    names = [i for i in _positions(rows, lambda t: bool(_NAME_TOKEN.match(t)) and not _LEVEL_TOKEN.match(t), len(lines)) if not t0 <= i <= t1]
    service = names[0] if names else None
    groups = []
    for i in range(k):
        name = "ts" if i == t0 else "level" if i == level else "service" if i == service else None
        inner = _TS_FIELD[kind] if name == "ts" else "[^|]*?"
        groups.append(rf"\s*(?P<{name}>{inner})\s*\|" if name else r"[^|]*\|")
    return Shape("inferred-fields", "^" + "".join(groups) + r"\s*", kind, rest=False)


def _infer_tokens(lines: list[str]) -> Shape | None:
    """Whitespace tokens: the header ends after the last token that is (nearly always) a time or a level."""
    rows = [ln.split(None, INFER_TOKENS)[:INFER_TOKENS] for ln in lines]
    got = _pick_ts(rows, len(lines))
    if got is None:
        return None
    t0, anchor, t1, kind = got
    # An epoch column whose values lie close together is a clock even after words (`52001 rack-3 disk health 1764753011`).
    prose = _CODE if kind == "epoch" and _clock_like(rows, t0) else _PROSE_OR_CODE
    if t0 > INFER_MAX_START or sum(not any(prose.search(t) for t in r[:t0]) for r in rows) < INFER_SHARE * len(rows):
        return None  # `retrying in 00:00:05 ...`, `WHERE at > '2026-01-01 00:00:00'`: a time inside text or code is no header
    timeish = _positions(rows, _timeish, len(lines))
    dates = _positions(rows, lambda t: bool(_DATE_TOKEN.match(t)), len(lines))
    levels = [i for i in _positions(rows, lambda t: bool(_LEVEL_TOKEN.match(t)), len(lines)) if not t0 <= i <= t1]
    level = levels[0] if levels else None
    end = max([t1, *timeish, *[d for d in dates if d <= t1 + 1], *([level] if level is not None else [])])
    service = None
    if (level is not None and level - 1 > t1 and level - 1 not in timeish
            and level - 1 in _positions(rows, lambda t: bool(_NAME_TOKEN.match(t)) and not _timeish(t), len(lines))):
        service = level - 1
    letter = level is None and _letter_after_ids(rows, t1, len(lines))
    parts, i = [], 0
    while i <= end:
        if i == t0:
            span = [_TS_TOKEN[kind] if j == anchor else r"\S+" for j in range(t0, t1 + 1)]
            parts.append("(?P<ts>" + r"\s+".join(span) + ")")
            i = t1 + 1
            continue
        parts.append(r"(?P<level>\S+)" if i == level else r"(?P<service>\S+)" if i == service else r"\S+")
        i += 1
    end_of_header = r"(?:(?:\s+\d+)*\s+(?P<level>[VDIWEF])(?:\s+|/)|\s+|$)" if letter else r"(?:\s+|$)"
    return Shape("inferred-tokens", "^" + r"\s+".join(parts) + end_of_header, kind, rest=False)


_LETTER_LEVEL = re.compile(r"^[VDIWEF](?:/|$)")


def _letter_after_ids(rows: list[list[str]], t1: int, total: int) -> bool:
    """Android logcat's `time pid tid E Tag: msg`: a level letter as the first token after the time and the
    numeric id columns, in nearly every line (a letter that only some messages start with is a word)."""
    def letter(row: list[str]) -> bool:
        i = t1 + 1
        while i < len(row) and row[i].isdigit():
            i += 1
        return i < len(row) and bool(_LETTER_LEVEL.match(row[i]))
    return sum(letter(r) for r in rows) >= INFER_SHARE * total


def infer_shape(sample: pa.Array) -> Shape | None:
    """A header shape learned from the sample when none of the named ones fits it."""
    lines = [ln for ln in sample.to_pylist() if ln and ln.strip()]
    # Stack frames and exception lines say nothing about the header: learn from the other lines.
    # So do lines with no time at all near the start (SQL or payload continuing a record).
    heads = [ln for ln in lines if not _CONTINUES.match(ln)]
    timed = [ln for ln in heads if any(_timeish(t) for t in ln.split(None, INFER_TOKENS)[:INFER_TOKENS])]
    if not timed or len(timed) < 0.3 * len(heads):
        return None
    return _infer_fields(timed) or _infer_tokens(timed)
