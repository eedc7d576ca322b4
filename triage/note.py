"""The incident note: findings the engineer pinned, rendered as redacted Markdown or JSON.

Log text is untrusted: it goes into fenced blocks whose fence is longer than any
backtick run inside, control characters are made visible, and huge lines are clipped.
Everything leaving this module has been through triage.redact.
"""

from __future__ import annotations

import json
import math
import os
import re
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from triage import __version__
from triage.analysis import signature_detail, timeline
from triage.redact import redact, redact_obj
from triage.timeparse import format_time

FINDING_KINDS = ("signature", "metric", "dimension")
SAMPLES_PER_FINDING = 3
SAMPLE_CHARS = 2000  # per sample line shown in the note
SAMPLE_LINES = 30  # lines per multi-line sample (stack traces)
CELL_CHARS = 90
METRIC_ROWS = 30  # changed series come first, so the cut only drops the quietest
METRIC_FINDING_ROWS = 5  # series listed under one metric finding
JSON_SCHEMA = "triage.note/1"


@dataclass
class Finding:
    kind: str  # "signature" | "metric" | "dimension"
    key: str  # signature id, metric name, or "service:checkout" / "host:pay-2"
    comment: str = ""


@dataclass
class NoteDraft:
    title: str = ""
    summary: str = ""
    impact: str = ""
    actions: str = ""
    findings: list[Finding] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "NoteDraft":
        findings = [
            Finding(str(f.get("kind", "")), str(f.get("key", "")), str(f.get("comment", "") or ""))
            for f in data.get("findings", []) or []
            if isinstance(f, dict)
        ]
        return cls(
            title=str(data.get("title", "") or ""),
            summary=str(data.get("summary", "") or ""),
            impact=str(data.get("impact", "") or ""),
            actions=str(data.get("actions", "") or ""),
            findings=findings,
        )


CHECKLIST = [
    ("rollback", "Rollback candidate: redeploy the last good version{prev} if the impact is user-facing; fix forward only after the root cause is known."),
    ("parity", "Env/config parity: diff production against staging (env vars, Helm values, config maps); look for staging-only settings such as `USE_MOCK_SERVICE=true`."),
    ("flags", "Feature flags: list the flags flipped with this release and their production values."),
    ("secrets", "Secrets and integrations: API keys, DB credentials and third-party tokens present in prod, not rotated or expired."),
    ("artifact", "Artifact identity: the image/package digest promoted to prod is the one tested in staging."),
    ("infra", "Infrastructure differences: namespace, load balancer, Terraform state, AMI, security groups."),
    ("smoke", "Prevention: a post-deploy smoke test or canary that would have caught this."),
]
_STAGING_HINTS = re.compile(r"(?i)\b(mock|stub|fake|sandbox|staging|localhost|127\.0\.0\.1|test[-_]?mode)\b")


def auto_findings(analysis, limit: int = 5) -> list[Finding]:
    """Top changed signatures (by rank), then outlier services/hosts, then shifted metrics."""
    sigs = analysis.signatures
    changed = sigs[sigs["status"] != "STEADY"].head(limit)
    out = [Finding("signature", str(s)) for s in changed["signature"]]
    dims = analysis.dimensions
    if len(dims):
        outl = dims[dims["outlier"].astype(bool) & (dims["dimension"] != "overall")]
        seen = set()
        for _, row in outl.sort_values("after", ascending=False).iterrows():
            key = f"{row['dimension']}:{row['key']}"
            if key not in seen and len(seen) < 3:
                seen.add(key)
                out.append(Finding("dimension", key))
    mets = analysis.metrics
    if len(mets):
        for name in mets[mets["status"] != "STEADY"]["metric"].drop_duplicates().head(3):
            out.append(Finding("metric", str(name)))
    return out


# ---------------------------------------------------------------- formatting helpers

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def inert(text) -> str:
    """Untrusted text with control characters (ANSI, bidi overrides...) shown as escapes."""
    if text is None or (not isinstance(text, str) and pd.isna(text)):
        return ""
    text = str(text)
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else f"\\u{ord(m.group()):04x}", text)


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


SPARK = "▁▂▃▄▅▆▇█"


def sparkline(counts: np.ndarray, deploy_bin: int | None = None) -> str:
    counts = np.asarray(counts, dtype=float)
    counts = np.nan_to_num(counts, nan=0.0)
    top = counts.max() if counts.size else 0
    chars = [SPARK[0] if top <= 0 else SPARK[min(7, int(c / top * 7.999))] for c in counts]
    if deploy_bin is not None and 0 <= deploy_bin < len(chars):
        chars.insert(deploy_bin, "│")
    return "".join(chars)


_TRACE = re.compile(r"(?P<type>[\w$.]+(?: <- [\w$.]+)*)(?:: (?P<msg>.*?))?(?: \(at (?P<frame>[^()\n]+)\))?", re.S)
_EXC_NAME = re.compile(r"[A-Z][\w$]*(?:Error|Exception|Exit|Interrupt|Fault|Panic)$")
SHORT_MESSAGE_MIN = 24


def short_template(template, limit: int = CELL_CHARS) -> str:
    """A stack-trace template for tables and headings: `ConnectionError: HTTPConnectionPool(… (at client.py:charge)`.

    Trace templates carry the full dotted exception path and a long message; a reader
    scanning a table needs the class, the start of the message and the call site. The
    full template stays in the finding's body. Other templates are returned unchanged.
    """
    text = "" if template is None or (not isinstance(template, str) and pd.isna(template)) else str(template)
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


# ---------------------------------------------------------------- finding resolution

def _signature_row(analysis, key):
    s = analysis.signatures
    rows = s[s["signature"] == key]
    return None if rows.empty else rows.iloc[0]


def _dimension_rows(analysis, key):
    dim, _, name = key.partition(":")
    d = analysis.dimensions
    return d[(d["dimension"] == dim) & (d["key"] == name)]


def _metric_rows(analysis, key):
    m = analysis.metrics
    return m[m["metric"] == key]


def finding_label(analysis, finding: Finding) -> str:
    if finding.kind == "signature":
        row = _signature_row(analysis, finding.key)
        return row["template"] if row is not None else finding.key
    return finding.key


def default_title(incident, analysis) -> str:
    what = f"deploy of {incident.version}" if incident.version else "deploy"
    return f"Incident: errors after the {what} at {fmt_time(analysis.deploy)}"


def default_summary(incident, analysis, draft: NoteDraft, width: int = 70) -> str:
    sigs = analysis.signatures
    changed = sigs[sigs["status"] != "STEADY"]
    if changed.empty:
        return "No signature changed significantly between the windows before and after the deploy."
    counts = changed["status"].value_counts()
    parts = ", ".join(f"{int(counts[s])} {s}" for s in ("NEW", "SPIKE", "DROP", "GONE") if s in counts)
    top = changed.iloc[0]
    line = (f"{len(changed)} signatures changed around the deploy ({parts}). Largest: {top['status']} "
            f"{code_span(short_template(top['template'], width), width)} ({fmt_count(top['before'])} → {fmt_count(top['after'])}")
    line += f", top service {plain(top['top_service'])})." if isinstance(top["top_service"], str) else ")."
    outliers = analysis.dimensions[analysis.dimensions["outlier"].astype(bool)] if len(analysis.dimensions) else []
    if len(outliers):
        names = sorted({f"{r['dimension']} {r['key']}" for _, r in outliers.iterrows()})
        line += " Worse than its peers: " + ", ".join(plain(n) for n in names[:3]) + "."
    return line


# ---------------------------------------------------------------- Markdown

def render_markdown(incident, analysis, draft: NoteDraft, *, tz=None, max_template: int = CELL_CHARS) -> str:
    """The whole note, redacted. `tz` only changes how times are displayed.

    `max_template` bounds the template column of the findings table (and the summary's
    mention), for narrow previews; the full templates stay in each finding's section.
    """
    max_template = max(20, int(max_template))
    findings = draft.findings
    out: list[str] = []
    title = draft.title or incident.title or default_title(incident, analysis)
    out.append(f"# {plain(title)}")
    out.append("")
    out.append(plain(draft.summary) if draft.summary else default_summary(incident, analysis, draft, min(70, max_template)))
    out.append("")
    out += _header_table(incident, analysis, tz)
    out += _warnings(incident, analysis)
    if draft.impact:
        out += ["## Impact", "", plain(draft.impact), ""]
    out += _findings_table(analysis, findings, max_template)
    out += _finding_sections(incident, analysis, findings, tz)
    out += _dimension_section(analysis)
    out += _metrics_section(analysis)
    out += _timeline_section(incident, analysis, findings, tz)
    if draft.actions:
        out += ["## Actions", "", plain(draft.actions), ""]
    out += _checklist(incident, analysis, findings)
    out.append(f"<sub>Generated by triage {__version__}. Secrets are redacted; samples are verbatim otherwise.</sub>")
    return redact("\n".join(out)) + "\n"


def _header_table(incident, analysis, tz) -> list[str]:
    rows = [("Deploy", f"{fmt_time(analysis.deploy, tz)}" + (f" — version {code_span(incident.version)}" if incident.version else ""))]
    rows.append(("Windows", f"before {fmt_minutes(analysis.before)}, after {fmt_minutes(analysis.after)}"))
    for s in incident.sources:
        rows.append(("Source", code_span(s, 200)))
    for q in incident.queries:
        rows.append(("Query", code_span(q, 200)))
    rows.append(("Events", f"{len(incident.events):,} loaded" + (" (ESTIMATED counts)" if analysis.estimated else "")))
    lines = ["| Field | Value |", "|---|---|"] + [f"| {k} | {v} |" for k, v in rows]
    return lines + [""]


def note_warnings(incident, analysis) -> list[str]:
    """What the reader must know before trusting the numbers: the load's report, then the analysis's."""
    msgs = list(analysis.warnings)
    load = incident.report.warning()
    if load and load not in msgs:
        msgs.insert(0, load)
    return msgs


def _warnings(incident, analysis) -> list[str]:
    msgs = note_warnings(incident, analysis)
    if not msgs:
        return []
    return ["> **Warnings**", ">"] + [f"> - {plain(m)}" for m in msgs] + [""]


def _findings_table(analysis, findings, width: int = CELL_CHARS) -> list[str]:
    out = ["## Findings", ""]
    if not findings:
        return out + ["No findings were selected.", ""]
    out += ["| # | Status | Finding | Before → After | Ratio (95% CI) | p (q) |", "|---:|---|---|---:|---:|---:|"]
    for i, f in enumerate(findings, 1):
        out.append(f"| {i} | " + _finding_cells(analysis, f, width) + " |")
    return out + [""]


def _finding_cells(analysis, f: Finding, width: int = CELL_CHARS) -> str:
    if f.kind == "signature":
        row = _signature_row(analysis, f.key)
        if row is None:
            return f"– | {code_span(f.key)} (no events in these windows) | – | – | –"
        return (f"{row['status']} | {code_span(short_template(row['template'], width), width)} | {fmt_count(row['before'])} → {fmt_count(row['after'])} | "
                f"{fmt_ratio(row['ratio'])} ({fmt_ci(row['ci_low'], row['ci_high'])}) | {fmt_p(row['p'])} ({fmt_p(row['q'])})")
    if f.kind == "metric":
        rows = _metric_rows(analysis, f.key)
        if rows.empty:
            return f"– | metric {code_span(f.key)} (no data in these windows) | – | – | –"
        r = rows.iloc[0]  # the most changed series of this metric
        label = f.key + (f" {{{r['dimensions']}}}" if len(rows) > 1 and r["dimensions"] else "")
        return (f"{r['status']} | metric {code_span(label, width)} | {fmt_num(r['before_mean'])} → {fmt_num(r['after_mean'])} "
                f"{plain(r['unit'])} | {fmt_change(r['change'])} | {fmt_p(r['p'])}")
    rows = _dimension_rows(analysis, f.key)
    errs = rows[rows["measure"] == "errors"] if len(rows) else rows
    r = (errs if len(errs) else rows).iloc[0] if len(rows) else None
    if r is None:
        return f"– | {code_span(f.key)} (no errors in these windows) | – | – | –"
    flag = "OUTLIER " if bool(rows["outlier"].any()) else ""
    return (f"{flag}{r['status']} | {code_span(f.key)} {r['measure']} | {fmt_count(r['before'])} → {fmt_count(r['after'])} | "
            f"{fmt_ratio(r['ratio'])} | {fmt_p(r['p'])} ({fmt_p(r['q'])})")


def _finding_sections(incident, analysis, findings, tz) -> list[str]:
    out: list[str] = []
    for i, f in enumerate(findings, 1):
        if f.kind == "signature":
            out += _signature_section(incident, analysis, i, f, tz)
        elif f.kind == "metric":
            out += _metric_section(analysis, i, f)
        else:
            out += _dimension_finding_section(analysis, i, f)
    return out


def _signature_section(incident, analysis, i, f: Finding, tz) -> list[str]:
    row = _signature_row(analysis, f.key)
    detail = _detail(incident, analysis, f.key, row)
    status = row["status"] if row is not None else "NOT IN WINDOWS"
    out = [f"### {i}. {status}: {code_span(short_template(detail.template or f.key, 120), 120)}", ""]
    if row is not None:
        out.append(f"- **Counts**: {fmt_count(row['before'])} before → {fmt_count(row['after'])} after "
                   f"({fmt_rate(row['rate_before'])}/min → {fmt_rate(row['rate_after'])}/min)")
        out.append(f"- **Rate ratio**: {fmt_ratio(row['ratio'])} (95% CI {fmt_ci(row['ci_low'], row['ci_high'])}), "
                   f"exact {p_phrase(row['p'])}, FDR-adjusted {p_phrase(row['q']).replace('p', 'q', 1)}")
    out.append(f"- **Level**: {plain(detail.level or '–')}; signature `{plain(f.key)}`; {detail.count:,} events in the loaded data")
    out.append(f"- **First seen** {fmt_time(detail.first_seen, tz)}, **last seen** {fmt_time(detail.last_seen, tz)}")
    out.append(f"- **Services**: {_top_list(detail.by_service, detail.count)}")
    out.append(f"- **Hosts**: {_top_list(detail.by_host, detail.count)}")
    if detail.by_status:
        out.append(f"- **HTTP status**: {_top_list(detail.by_status, detail.count)}")
    if f.comment:
        out += ["", f"**Comment:** {plain(f.comment)}"]
    out += ["", "Template:", "", fence(clip_sample(detail.template)), ""]
    if detail.samples:
        out.append(f"Samples ({len(detail.samples)} of {detail.count:,}):")
        out.append("")
        for s in detail.samples:
            where = f"{s['source']}:{s['line']}" if s.get("source") and s.get("line") else (s.get("source") or "")
            out.append(f"- {fmt_time(s['timestamp'], tz)} {plain(where)}")
            out.append("")
            out.append(fence(clip_sample(s.get("raw") or s.get("message") or "")))
            out.append("")
    return out


def _detail(incident, analysis, key, row):
    """Detail with samples from the window that shows the change (after for NEW/SPIKE, before for GONE/DROP)."""
    d = pd.Timestamp(analysis.deploy)
    status = row["status"] if row is not None else "STEADY"
    if status in ("GONE", "DROP"):
        start, end = d - pd.Timedelta(analysis.before), d
    else:
        start, end = (d, d + pd.Timedelta(analysis.after)) if status in ("NEW", "SPIKE") else (d - pd.Timedelta(analysis.before), d + pd.Timedelta(analysis.after))
    return signature_detail(incident, key, samples=SAMPLES_PER_FINDING, start=start, end=end)


def _top_list(pairs, total: int, n: int = 3) -> str:
    if not pairs:
        return "–"
    shown = ", ".join(f"{plain(k)} ({v / total:.0%})" if total else plain(k) for k, v in pairs[:n])
    more = len(pairs) - n
    return shown + (f", +{more} more" if more > 0 else "")


def _metric_section(analysis, i, f: Finding) -> list[str]:
    rows = _metric_rows(analysis, f.key)
    out = [f"### {i}. Metric {code_span(f.key)}", ""]
    if rows.empty:
        return out + ["No data points in these windows.", ""]
    steady = rows["status"] == "STEADY"
    if len(rows) > METRIC_FINDING_ROWS and (~steady).any():  # e.g. 20 per-host count series, 2 of which moved
        rows = rows[~steady]
    for _, r in rows.head(METRIC_FINDING_ROWS).iterrows():
        dims = f" [{plain(r['dimensions'])}]" if r["dimensions"] else ""
        out.append(f"- **{r['status']}**{dims}: mean {fmt_num(r['before_mean'])} → {fmt_num(r['after_mean'])} {plain(r['unit'])} "
                   f"({fmt_change(r['change'])}), p95 {fmt_num(r['before_p95'])} → {fmt_num(r['after_p95'])}, "
                   f"rank-test {p_phrase(r['p'])}")
    hidden = len(_metric_rows(analysis, f.key)) - min(len(rows), METRIC_FINDING_ROWS)
    if hidden:
        out.append(f"- … {hidden} more series of this metric, steady or smaller changes (see the JSON export)")
    if f.comment:
        out += ["", f"**Comment:** {plain(f.comment)}"]
    return out + [""]


def _dimension_finding_section(analysis, i, f: Finding) -> list[str]:
    rows = _dimension_rows(analysis, f.key)
    out = [f"### {i}. {plain(f.key)}", ""]
    if rows.empty:
        return out + ["No errors or HTTP failures in these windows.", ""]
    for _, r in rows.iterrows():
        flag = " — **worse than its peers**" if r["outlier"] else ""
        out.append(f"- {r['measure']}: {r['status']} {fmt_count(r['before'])} → {fmt_count(r['after'])} "
                   f"(ratio {fmt_ratio(r['ratio'])}, {p_phrase(r['p'])}){flag}")
    if f.comment:
        out += ["", f"**Comment:** {plain(f.comment)}"]
    return out + [""]


def _dimension_section(analysis) -> list[str]:
    d = analysis.dimensions
    if d is None or d.empty:
        return []
    show = d[(d["dimension"] == "overall") | (d["status"] != "STEADY") | d["outlier"].astype(bool)]
    show = show[(show["before"] + show["after"]) > 0]
    if show.empty:
        return []
    out = ["## Error and HTTP rates by service and host", "",
           "| Scope | Measure | Status | Before → After | Per min | Ratio | p (q) | Outlier |",
           "|---|---|---|---:|---:|---:|---:|---|"]
    for _, r in show.head(40).iterrows():
        scope = "overall" if r["dimension"] == "overall" else f"{r['dimension']} {code_span(r['key'], 40)}"
        out.append(f"| {scope} | {r['measure']} | {r['status']} | {fmt_count(r['before'])} → {fmt_count(r['after'])} | "
                   f"{fmt_rate(r['rate_before'])} → {fmt_rate(r['rate_after'])} | {fmt_ratio(r['ratio'])} | "
                   f"{fmt_p(r['p'])} ({fmt_p(r['q'])}) | {'**yes**' if r['outlier'] else ''} |")
    return out + [""]


USUAL_SUSPECTS = re.compile(
    r"(?i)cpu|mem|latenc|duration|response.?time|\bp9\d|5xx|error|fault|timeout|throttl|connection|\bdb\b|database"
)
"""Metric names the playbook checks after every deploy (memory, CPU, DB errors, timeouts,
latency, 5xx): always listed, changed or not, so their steadiness is on record."""


def noteworthy_metrics(m: pd.DataFrame) -> pd.Series:
    """Series worth a row in the note: the ones that moved, plus the usual suspects.

    Remote sources add many per-level/service/host "log events" count series; steady ones
    repeat what the signature tables already say.
    """
    names = m["metric"].astype(object).fillna("")
    suspect = names.map(lambda n: bool(USUAL_SUSPECTS.search(n)) and not n.startswith("log events"))
    return (m["status"] != "STEADY").to_numpy(dtype=bool) | suspect.to_numpy(dtype=bool)


def _metrics_section(analysis) -> list[str]:
    m = analysis.metrics
    if m is None or m.empty:
        return []
    keep = noteworthy_metrics(m)
    shown = m[keep].head(METRIC_ROWS)
    out = ["## Metrics", ""]
    if len(shown):
        out += ["| Metric | Status | Mean before → after | p95 before → after | Change | p |", "|---|---|---:|---:|---:|---:|"]
    for _, r in shown.iterrows():
        name = code_span(r["metric"] + (f" {{{r['dimensions']}}}" if r["dimensions"] else ""), 60)
        unit = f" {plain(r['unit'])}" if r["unit"] else ""
        out.append(f"| {name} | {r['status']} | {fmt_num(r['before_mean'])} → {fmt_num(r['after_mean'])}{unit} | "
                   f"{fmt_num(r['before_p95'])} → {fmt_num(r['after_p95'])} | {fmt_change(r['change'])} | {fmt_p(r['p'])} |")
    steady_out = int((~keep).sum())
    cut = int(keep.sum()) - len(shown)
    left = []
    if steady_out:
        left.append(f"{steady_out} steady series left out")
    if cut:
        left.append(f"{cut} more changed or watched series not shown (smaller changes)")
    if left:
        out += ["", "; ".join(left).capitalize() + " (all are in the JSON export)."]
    return out + [""]


def _timeline_section(incident, analysis, findings, tz) -> list[str]:
    d = pd.Timestamp(analysis.deploy)
    start, end = d - pd.Timedelta(analysis.before), d + pd.Timedelta(analysis.after)
    out = ["## Timeline", ""]
    events = [(d, f"deploy{' of ' + code_span(incident.version) if incident.version else ''}")]
    for f in findings:
        if f.kind != "signature":
            continue
        row = _signature_row(analysis, f.key)
        if row is None:
            continue
        label = f"{row['status']} {code_span(short_template(row['template'], 60), 60)}"
        if row["status"] in ("NEW", "SPIKE") and not pd.isna(row["first_seen"]):
            first = _first_after(incident, f.key, d)
            if first is not None:
                events.append((first, f"first {label} after the deploy"))
        if row["status"] in ("GONE", "DROP") and not pd.isna(row["last_seen"]):
            last = _last_before(incident, f.key, d)
            if last is not None:
                events.append((last, f"last {label} before the deploy"))
    for ts, label in sorted(events, key=lambda e: e[0]):
        rel = (ts - d).total_seconds()
        sign = "+" if rel >= 0 else "-"
        out.append(f"- {fmt_time(ts, tz)} (T{sign}{abs(rel) / 60:.1f} min): {label}")
    if len(incident.events):
        counts, dbin = timeline(incident, None, bins=48, start=start, end=end, errors_only=True)
        if counts.sum():
            out += ["", f"Errors over the windows ({int(counts.sum()):,} events, │ = deploy):", "", fence(sparkline(counts, dbin))]
        for f in findings[:3]:
            if f.kind == "signature":
                row = _signature_row(analysis, f.key)
                if row is not None:
                    c, b = timeline(incident, f.key, bins=48, start=start, end=end)
                    out += ["", f"{row['status']} {code_span(short_template(row['template'], 60), 60)}:", "", fence(sparkline(c, b))]
    return out + [""]


def _sig_times(incident, key):
    from triage.analysis import prepare

    prep = prepare(incident)
    code = prep.code_of(key)
    mask = (prep.sig_codes == code) & prep.has_ts
    return prep.ts[mask]


def _first_after(incident, key, d):
    ts = _sig_times(incident, key)
    ts = ts[ts >= d.value]
    return pd.Timestamp(int(ts.min()), tz="UTC") if ts.size else None


def _last_before(incident, key, d):
    ts = _sig_times(incident, key)
    ts = ts[ts < d.value]
    return pd.Timestamp(int(ts.max()), tz="UTC") if ts.size else None


def _checklist(incident, analysis, findings) -> list[str]:
    prev = f" (the one before {code_span(incident.version)})" if incident.version else ""
    out = ["## Checklist", ""]
    texts = [finding_label(analysis, f) for f in findings]
    for f in findings[:5]:
        if f.kind == "signature":
            row = _signature_row(analysis, f.key)
            if row is not None and row["status"] in ("NEW", "SPIKE"):
                texts += [s.get("raw") or s.get("message") or "" for s in _detail(incident, analysis, f.key, row).samples]
    hint = next((m.group(0) for t in texts for m in [_STAGING_HINTS.search(str(t))] if m), None)
    if hint:
        out += [f"> **Hint:** a finding mentions {code_span(hint)}: a staging-only setting may have reached production.", ""]
    for key, text in CHECKLIST:
        out.append(f"- [ ] {text.format(prev=prev)}")
    return out + [""]


# ---------------------------------------------------------------- JSON

def _json_value(v):
    if v is None:
        return None
    if isinstance(v, (pd.Timestamp, np.datetime64)):
        return None if pd.isna(v) else pd.Timestamp(v).tz_convert("UTC").isoformat().replace("+00:00", "Z") if pd.Timestamp(v).tzinfo else pd.Timestamp(v).isoformat() + "Z"
    if isinstance(v, (np.bool_, bool)):
        return bool(v)
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        f = float(v)
        if math.isnan(f):
            return None
        if math.isinf(f):
            return "inf" if f > 0 else "-inf"
        return f
    if isinstance(v, str):
        return v
    try:
        if pd.isna(v):
            return None
    except (TypeError, ValueError):
        pass
    return v


JSON_SAMPLE_CHARS = 8192


def _clip_json(v):
    if isinstance(v, str) and len(v) > JSON_SAMPLE_CHARS:
        return v[:JSON_SAMPLE_CHARS] + f" … ({len(v) - JSON_SAMPLE_CHARS:,} more chars)"
    return v


def _records(frame: pd.DataFrame) -> list[dict]:
    if frame is None or frame.empty:
        return []
    cols = list(frame.columns)
    return [{c: _json_value(v) for c, v in zip(cols, row)} for row in frame.itertuples(index=False, name=None)]


def render_json(incident, analysis, draft: NoteDraft) -> dict:
    """The note plus the full analysis for scripts; redacted. NaN -> null, infinity -> "inf"."""
    findings = []
    for f in draft.findings:
        item = {"kind": f.kind, "key": f.key, "comment": f.comment}
        if f.kind == "signature":
            row = _signature_row(analysis, f.key)
            item["data"] = _records(row.to_frame().T)[0] if row is not None else None
            det = _detail(incident, analysis, f.key, row)
            item["samples"] = [{k: _json_value(_clip_json(v)) for k, v in s.items()} for s in det.samples]
            item["by_service"], item["by_host"] = det.by_service[:10], det.by_host[:10]
        elif f.kind == "metric":
            item["data"] = _records(_metric_rows(analysis, f.key))
        else:
            item["data"] = _records(_dimension_rows(analysis, f.key))
        findings.append(item)
    doc = {
        "schema": JSON_SCHEMA,
        "generator": f"triage {__version__}",
        "title": draft.title or incident.title or default_title(incident, analysis),
        "summary": draft.summary,
        "impact": draft.impact,
        "actions": draft.actions,
        "deploy": _json_value(pd.Timestamp(analysis.deploy)),
        "version": incident.version,
        "windows": {"before_minutes": analysis.before.total_seconds() / 60, "after_minutes": analysis.after.total_seconds() / 60},
        "sources": list(incident.sources),
        "queries": list(incident.queries),
        "events": int(len(incident.events)),
        "estimated": bool(analysis.estimated),
        "warnings": note_warnings(incident, analysis),
        "load_report": {"skipped": dict(incident.report.skipped), "notes": list(incident.report.notes),
                        "partial": incident.report.partial, "estimated": incident.report.estimated,
                        "scale": incident.report.scale},
        "findings": findings,
        "signatures": _records(analysis.signatures),
        "dimensions": _records(analysis.dimensions),
        "metrics": _records(analysis.metrics),
        "checklist": [text.format(prev="") for _, text in CHECKLIST],
    }
    return redact_obj(doc)


def dumps_json(doc: dict) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


# ---------------------------------------------------------------- writing

def write_note(path, text: str, *, force: bool = False) -> Path:
    """Write atomically (temp file + fsync + rename); refuse to overwrite unless `force`."""
    target = Path(path)
    if target.exists() and not force:
        raise FileExistsError(f"{target} exists (use --force to overwrite)")
    directory = target.parent if str(target.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        if force:
            os.replace(tmp, target)
        else:
            try:  # link() refuses an existing target, closing the race replace() would lose
                os.link(tmp, target)
            except FileExistsError:
                raise FileExistsError(f"{target} exists (use --force to overwrite)") from None
            except OSError:  # file systems without hard links
                os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return target
