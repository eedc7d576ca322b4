"""Sentry-like fingerprints for multi-line messages that carry a stack trace.

The same bug must give one signature whatever its line numbers, ids and
message values; another exception type or another call site must not. So the
key is the exception type(s) plus the innermost few *in-app* frames, each
reduced to module and function (no line numbers, addresses, lambda counters).
Frames from the standard library, well-known frameworks, drivers and pools
are skipped when the trace has in-app frames at all: the deepest in-app
frame (the application's own call, also when the root cause was raised inside
a library in a `Caused by:` block) names the call site. The log message that
introduced the trace (`Failed to finalize invoice 42`, masked) is the title of
its template; it is display only, the key is the trace.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_FRAMES = 4
MAX_TRACE_LINES = 400

_PY_FRAME = re.compile(r'^\s*File "(?P<path>[^"]*)", line \d+, in (?P<func>\S+)')
_PY_HEAD = "Traceback (most recent call last):"
_EXC_LINE = re.compile(r"^(?P<type>[A-Za-z_][\w.$]*)(?::\s?(?P<msg>.*))?$")
_JAVA_EXC = re.compile(
    r'^(?:Exception in thread "[^"]*" |Caused by: |Suppressed: )?'
    r"(?P<type>[A-Za-z_$][\w$]*(?:\.[\w$]+)+(?:Exception|Error|Throwable|Failure|Fault)?)(?::\s?(?P<msg>.*))?$"
)
_JAVA_FRAME = re.compile(r"^\s+at (?P<func>[\w$.<>/`-]+)\((?P<loc>[^)]*)\)")
_NODE_EXC = re.compile(r"^(?:Uncaught )?(?P<type>[A-Za-z_$][\w$.]*(?:Error|Exception))(?:: ?(?P<msg>.*))?$")
_NODE_FRAME = re.compile(r"^\s+at (?:(?:async )?(?P<func>[^\s(][^(]*?) \()?(?P<loc>[^()\s]+?):\d+:\d+\)?\s*$")
_GO_PANIC = re.compile(r"^panic: (?P<msg>.*)$")
_GO_FUNC = re.compile(r"^(?P<func>[\w.\-/*()~]+?)\(.*\)$")
_GO_FILE = re.compile(r"^\t\S+\.go:\d+")

_JAVA_LIBS = (
    "java.", "javax.", "jakarta.", "jdk.", "sun.", "com.sun.", "kotlin.", "kotlinx.", "scala.", "org.springframework.",
    "org.apache.", "io.netty.", "org.eclipse.", "org.hibernate.", "com.fasterxml.", "reactor.", "io.reactivex.",
    "okhttp3.", "org.junit.", "groovy.", "akka.", "com.google.", "io.grpc.", "org.glassfish.", "feign.",
    # Drivers, pools, clients and runtimes an application calls into (the bug is in the caller).
    "org.postgresql.", "com.mysql.", "org.mariadb.", "oracle.", "com.microsoft.", "org.h2.", "org.sqlite.",
    "com.zaxxer.", "org.jooq.", "org.mybatis.", "org.flywaydb.", "liquibase.", "com.mongodb.", "org.mongodb.",
    "redis.clients.", "io.lettuce.", "com.amazonaws.", "software.amazon.", "org.elasticsearch.", "co.elastic.",
    "org.slf4j.", "ch.qos.", "io.micrometer.", "io.opentelemetry.", "org.jboss.", "io.undertow.", "io.vertx.",
    "io.quarkus.", "io.micronaut.", "net.bytebuddy.", "org.aspectj.", "com.netflix.", "io.github.resilience4j.",
    "System.", "Microsoft.",
)
_PY_LIBS = re.compile(r"site-packages|dist-packages|/lib/python\d|\\lib\\|^<")
_NODE_LIBS = re.compile(r"node_modules|^node:|^internal/|^\(?native|^<anonymous>")
_JAVA_LOADER = re.compile(r"^[\w.$-]*//|^[\w.-]+(?:@[\w.-]+)?/(?=[\w$]+\.)")  # "app//", "java.base@17/"
_GENERATED = re.compile(r"\$\$.*|\$\d+|(?<=Accessor)\d+|\$Proxy\d+|0x[0-9a-f]+|\d+$")


@dataclass(frozen=True)
class Fingerprint:
    key: str  # what groups: exception types + normalised frames
    exc_type: str
    message: str  # raw exception message (masked by the caller, for display only)
    frame: str  # innermost in-app frame, for display


def _short_path(path: str) -> str:
    parts = [p for p in re.split(r"[\\/]", path) if p]
    return "/".join(parts[-2:])


def _norm(name: str) -> str:
    return _GENERATED.sub("", name)


def _python(lines: list[str]) -> Fingerprint | None:
    start = max(i for i, line in enumerate(lines) if line.strip() == _PY_HEAD)
    frames: list[tuple[str, bool]] = []
    exc_type = msg = ""
    for line in lines[start + 1:]:
        m = _PY_FRAME.match(line)
        if m:
            path = m["path"]
            frames.append((f"{_short_path(path)}:{_norm(m['func'])}", not _PY_LIBS.search(path)))
            continue
        if line[:1].strip():
            e = _EXC_LINE.match(line.strip())
            if e:
                exc_type, msg = e["type"], e["msg"] or ""
                break
    if not exc_type:
        return None
    return _build("py", exc_type, msg, frames[::-1])


def _java(lines: list[str]) -> Fingerprint | None:
    types: list[str] = []
    msg = ""
    blocks: list[list[tuple[str, bool]]] = []
    for line in lines:
        f = _JAVA_FRAME.match(line)
        if f:
            if not blocks:
                blocks.append([])
            func = _norm(_JAVA_LOADER.sub("", f["func"]))
            blocks[-1].append((func, not func.startswith(_JAVA_LIBS)))
            continue
        e = _JAVA_EXC.match(line.strip())
        if e and not line[:1].isspace() or (e and line.lstrip().startswith("Caused by:")):
            types.append(e["type"])  # type: ignore[index]
            if len(types) == 1:
                msg = e["msg"] or ""  # type: ignore[index]
            blocks.append([])
    blocks = [b for b in blocks if b]
    if not types or not blocks:
        return None
    # The root cause (last block) is where the failure started; when it happened inside a
    # library (a pool, a driver), the deepest in-app frame is the app's call in an outer block.
    frames = [f for block in reversed(blocks) for f in block]
    return _build("java", " <- ".join(dict.fromkeys(types)), msg, frames)


def _node(lines: list[str]) -> Fingerprint | None:
    exc_type = msg = ""
    frames: list[tuple[str, bool]] = []
    for line in lines:
        f = _NODE_FRAME.match(line)
        if f:
            loc = f["loc"]
            frames.append((f"{_short_path(loc)}:{_norm(f['func'] or '?')}", not _NODE_LIBS.search(loc)))
        elif not exc_type:
            e = _NODE_EXC.search(line.strip())
            if e:
                exc_type, msg = e["type"], e["msg"] or ""
    if not exc_type or not frames:
        return None
    return _build("node", exc_type, msg, frames)


def _go(lines: list[str]) -> Fingerprint | None:
    msg = ""
    for line in lines:
        p = _GO_PANIC.match(line.strip())
        if p:
            msg = p["msg"]
            break
    exc_type = "panic: runtime error" if msg.startswith("runtime error") else "panic"
    frames: list[tuple[str, bool]] = []
    for prev, line in zip(lines, lines[1:]):
        if _GO_FILE.match(line):
            f = _GO_FUNC.match(prev.strip())
            if f:
                func = _norm(re.sub(r"\(0x[0-9a-f]+.*", "", f["func"]))
                first = func.split("/")[0]
                in_app = func.startswith("main.") or "." in first.split(".")[0] or "/" in func
                frames.append((func, in_app and not func.startswith("runtime.")))
    if not frames:
        return None
    return _build("go", exc_type, msg, frames)


def _build(kind: str, exc_type: str, msg: str, frames: list[tuple[str, bool]]) -> Fingerprint:
    """`frames` innermost first; keep the innermost in-app ones (all frames if none is in-app)."""
    app = [name for name, in_app in frames if in_app] or [name for name, _ in frames]
    top = app[:MAX_FRAMES]
    key = "\x1f".join([kind, exc_type, *top])
    return Fingerprint(key=key, exc_type=exc_type, message=msg.strip(), frame=top[0] if top else "")


def fingerprint(message: str) -> Fingerprint | None:
    """Fingerprint of a multi-line message with a recognisable stack trace, else None."""
    if "\n" not in message:
        return None
    lines = message.split("\n", MAX_TRACE_LINES)[:MAX_TRACE_LINES]
    if any(line.strip() == _PY_HEAD for line in lines):
        return _python(lines)
    if any(line.startswith("goroutine ") for line in lines) and any(_GO_FILE.match(x) for x in lines):
        return _go(lines)
    if any(_NODE_FRAME.match(line) for line in lines):
        return _node(lines)
    if any(_JAVA_FRAME.match(line) for line in lines):
        return _java(lines)
    return None


TITLE_SEP = " — "
"""Between the log message that introduced a trace and the trace's own summary."""


def intro(message: str, fp: Fingerprint) -> str:
    """The log message's first line when it introduces the trace ("charge failed for order 7"), else "".

    A trace printed on its own starts with its header or its exception line: no title then.
    """
    first = message.split("\n", 1)[0].strip()
    if not first or first == _PY_HEAD or first.startswith(("Exception in thread", "panic:", "goroutine ")):
        return ""
    if fp.exc_type.split(" <- ")[0] in first or _JAVA_FRAME.match(first):
        return ""
    return first


def display(fp: Fingerprint, masked_message: str, title: str = "") -> str:
    """Readable template, e.g. `charge failed for order <*> — ConnectionError: <*> (at payments/client.py:charge)`."""
    head = f"{fp.exc_type}: {masked_message}" if masked_message else fp.exc_type
    body = f"{head} (at {fp.frame})" if fp.frame else head
    return f"{title}{TITLE_SEP}{body}" if title else body
