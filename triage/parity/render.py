"""Parity results for people: terminal text and Markdown (the note's parity finding).

Values are display values (secrets already hidden by triage.parity.compare); they are
still untrusted file text, so they are made inert and redacted again here.
"""

from __future__ import annotations

from triage.parity.compare import ParityReport

MARKDOWN_ROWS = 30


def _safe(text) -> str:
    from triage.note import inert
    from triage.redact import redact

    return redact(inert("" if text is None else str(text)))


def summary(report: ParityReport) -> str:
    c = report.counts()
    if not report.items:
        return f"{report.a_name} → {report.b_name}: {report.compared} settings compared, no differences"
    return (f"{report.a_name} → {report.b_name}: {report.compared} settings compared; "
            f"{c['high']} high, {c['medium']} medium, {c['low']} low")


def render_text(report: ParityReport, *, show_low: bool = True) -> str:
    lines = [_safe(summary(report))]
    items = [i for i in report.items if show_low or i.severity != "low"]
    if items:
        width = min(40, max(len(_safe(i.key)) for i in items))
        for i in items:
            a = "-" if i.a is None else _safe(i.a)
            b = "-" if i.b is None else _safe(i.b)
            lines.append(f"  {i.severity.upper():<6} {_safe(i.key):<{width}}  {a} → {b}  ({_safe(i.message)})")
    hidden = len(report.items) - len(items)
    if hidden:
        lines.append(f"  ... {hidden} low-severity difference(s) not shown (--all shows them)")
    lines += [f"  note: {_safe(n)}" for n in report.notes]
    return "\n".join(lines) + "\n"


def markdown_lines(report: ParityReport, limit: int = MARKDOWN_ROWS) -> list[str]:
    """A table of the most severe items (the note's parity section body)."""
    from triage.note.format import code_span, plain

    out = [plain(summary(report)) + ".", ""]
    if not report.items:
        return out
    out += [f"| Severity | Setting | {plain(report.a_name)} | {plain(report.b_name)} | Why |", "|---|---|---|---|---|"]
    for i in report.items[:limit]:
        a = "–" if i.a is None else code_span(i.a, 60)
        b = "–" if i.b is None else code_span(i.b, 60)
        out.append(f"| {i.severity.upper()} | {code_span(i.key, 60)} | {a} | {b} | {plain(i.message)} |")
    if len(report.items) > limit:
        out += ["", f"… {len(report.items) - limit} more (lowest severity) not shown; `triage parity` lists them all."]
    return out
