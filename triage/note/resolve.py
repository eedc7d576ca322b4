"""Resolving a pinned finding against the analysis, and the default title and summary."""

from __future__ import annotations

from triage.note.format import code_span, fmt_count, fmt_time, plain, short_template
from triage.note.model import Finding, NoteDraft


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
    line += _story_sentence(analysis, width)
    dims = analysis.dimensions
    outliers = dims[dims["outlier"].astype(bool)] if len(dims) else dims
    if len(outliers):
        names = sorted({f"{r['dimension']} {r['key']}" for _, r in outliers.iterrows()})
        line += " Worse than its peers: " + ", ".join(plain(n) for n in names[:3]) + "."
    return line


# ---------------------------------------------------------------- Markdown


def _story_sentence(analysis, width: int) -> str:
    """' Likeliest cause: `X` (explains 3 more changes).' from the top story, when there is one."""
    stories = getattr(analysis, "stories", None)
    if not stories:
        return ""
    st = stories[0]
    row = _signature_row(analysis, st.cause)
    if row is None:
        return ""
    n = len([m for m in st.members if m != st.cause])
    tail = f" (explains {n} more change{'s' if n != 1 else ''})" if n else ""
    return f" Likeliest cause: {code_span(short_template(row['template'], width), width)}{tail}."
