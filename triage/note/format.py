"""Formatting for the note: numbers, times, sparklines, short trace templates, and Markdown-safe untrusted text."""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd

from triage.note.model import CELL_CHARS, SAMPLE_CHARS, SAMPLE_LINES
from triage.redact import redact_cached
from triage.signatures.fingerprint import TITLE_SEP
from triage.sparkline import sparkline as draw_sparkline
from triage.textsafe import escape
from triage.timeparse import format_time


def inert(text) -> str:
    """Untrusted text redacted, then with unsafe characters (ANSI, bidi overrides...) shown as escapes.

    Redacting before any Markdown escaping matters: `plain` turns `sk_live_x` into
    `sk\\_live\\_x`, which no rule would recognise any more.
    """
    if text is None or (not isinstance(text, str) and pd.isna(text)):
        return ""
    return escape(redact_cached(str(text)))


def fence(text: str, info: str = "text") -> str:
    """A fenced block that survives any backticks inside `text`."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}{info}\n{text}\n{ticks}"


def code_span(text: str, limit: int = CELL_CHARS) -> str:
    """Inline code safe inside a table cell: one line, clipped, pipes escaped."""
    text = inert(text).replace("\n", " ⏎ ").replace("\t", " ")
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    ticks = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text else ""
    return f"{ticks}{pad}{text}{pad}{ticks}".replace("|", "\\|")


def clip_sample(text: str) -> str:
    lines = inert(text).split("\n")
    out = []
    for line in lines[:SAMPLE_LINES]:
        if len(line) > SAMPLE_CHARS:
            line = line[:SAMPLE_CHARS] + f" … ({len(line) - SAMPLE_CHARS:,} more chars)"
        out.append(line)
    if len(lines) > SAMPLE_LINES:
        out.append(f"… ({len(lines) - SAMPLE_LINES} more lines)")
    return "\n".join(out)


def plain(text) -> str:
    """Untrusted text for a Markdown paragraph: inert, and no markup, links or HTML."""
    text = inert(text)
    return re.sub(r"([\\`*_{}\[\]<>|~])", r"\\\1", text)


def fmt_count(n) -> str:
    return f"{int(n):,}"


def fmt_rate(x) -> str:
    x = float(x)
    return f"{x:.3g}" if x < 100 else f"{x:,.0f}"


def fmt_ratio(x) -> str:
    x = float(x)
    if math.isnan(x):
        return "–"
    if math.isinf(x):
        return "∞"
    return f"{x:.2g}" if x < 10 else f"{x:,.0f}"


def fmt_p(p) -> str:
    p = float(p)
    if math.isnan(p):
        return "–"
    if p < 1e-9:
        return "<1e-9"
    return f"{p:.2g}" if p >= 0.001 else f"{p:.1e}"


def p_phrase(p) -> str:
    """`p < 1e-9` or `p = 0.031` for running text."""
    text = fmt_p(p)
    return f"p {text[0]} {text[1:]}" if text.startswith("<") else f"p = {text}"


def fmt_ci(low, high) -> str:
    return f"{fmt_ratio(low)}–{fmt_ratio(high)}"


def fmt_change(x) -> str:
    x = float(x)
    if math.isnan(x):
        return "–"
    if math.isinf(x):
        return "+∞" if x > 0 else "-∞"
    return f"{x * 100:+.0f}%"


def fmt_num(x) -> str:
    x = float(x)
    if math.isnan(x):
        return "–"
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.3g}"


def fmt_time(ts, tz=None) -> str:
    if ts is None or pd.isna(ts):
        return "–"
    return format_time(pd.Timestamp(ts).to_pydatetime(), tz)


def fmt_minutes(td) -> str:
    minutes = td.total_seconds() / 60
    return f"{minutes:g} min" if minutes < 120 else f"{minutes / 60:g} h"


def sparkline(counts, deploy_bin: int | None = None, rollback_bin: int | None = None) -> str:
    """Per-bin counts as blocks (no data counts as zero), drawn like the app's timelines."""
    return draw_sparkline(np.nan_to_num(np.asarray(counts, dtype=float), nan=0.0), deploy_bin, rollback_index=rollback_bin)


_TRACE = re.compile(r"(?P<type>[\w$.]+(?: <- [\w$.]+)*)(?:: (?P<msg>.*?))?(?: \(at (?P<frame>[^()\n]+)\))?", re.S)
_EXC_NAME = re.compile(r"[A-Z][\w$]*(?:Error|Exception|Exit|Interrupt|Fault|Panic)$")
SHORT_MESSAGE_MIN = 24


def _titled(title: str, trace: str, limit: int) -> str:
    """`charge failed for order <*> — ConnectionError: HTTPConnect… (at client.py:charge)`: the
    introducing message first (it says what the app was doing), then the short trace in what is left."""
    short = short_template(trace, max(int(limit * 0.6), limit - len(title) - len(TITLE_SEP)))
    room = limit - len(short) - len(TITLE_SEP)
    if room < SHORT_MESSAGE_MIN // 2:
        return short
    if len(title) > room:
        title = title[: room - 1] + "…"
    return f"{title}{TITLE_SEP}{short}"


def short_template(template, limit: int = CELL_CHARS) -> str:
    """A stack-trace template for tables and headings: `ConnectionError: HTTPConnectionPool(… (at client.py:charge)`.

    Trace templates carry the full dotted exception path and a long message; a reader
    scanning a table needs the class, the start of the message and the call site. The
    full template stays in the finding's body. Other templates are returned unchanged.
    """
    text = "" if template is None or (not isinstance(template, str) and pd.isna(template)) else str(template)
    title, sep, trace = text.partition(TITLE_SEP)
    if sep and _TRACE.fullmatch(trace):
        return _titled(title, trace, limit)
    m = _TRACE.fullmatch(text)
    if not m:
        return text
    types = [t.rsplit(".", 1)[-1] for t in m["type"].split(" <- ")]
    if not (m["frame"] or _EXC_NAME.match(types[0])):
        return text  # e.g. `payments.api` or `KeyError: ...` without a trace: nothing to shorten
    frame = m["frame"] or ""
    if frame and "/" not in frame and ":" not in frame and frame.count(".") > 1:
        frame = ".".join(frame.split(".")[-2:])  # Java: Class.method
    tail = f" (at {frame})" if frame else ""
    msg = (m["msg"] or "").split("\n", 1)[0]
    head = " <- ".join(types)
    if msg and limit - len(head) - len(tail) - 2 < SHORT_MESSAGE_MIN:
        head = types[0]  # a long cause chain (Java): the outermost type keeps room for the message
    if msg and limit - len(head) - len(tail) - 2 < SHORT_MESSAGE_MIN // 2:
        tail = ""  # too narrow for all three: the message says more than the call site
    room = max(SHORT_MESSAGE_MIN // 2, limit - len(head) - len(tail) - 2)
    if len(msg) > room:
        msg = msg[: room - 1] + "…"
    short = f"{head}: {msg}{tail}" if msg else head + tail
    return short if len(short) <= limit else short[: limit - 1] + "…"
