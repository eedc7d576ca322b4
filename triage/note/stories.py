"""The note's "Stories" section: each story's cause, what it explains, onset and contrast."""

from __future__ import annotations

from triage.judgement.onset import fmt_offset
from triage.note.format import code_span, fmt_count, plain, short_template
from triage.note.resolve import _signature_row

MAX_STORIES = 5
MAX_EXPLAINS = 4


def story_label(analysis, sig: str, width: int = 70) -> str:
    row = _signature_row(analysis, sig)
    text = row["template"] if row is not None else sig
    return code_span(short_template(text, width), width)


def _change(analysis, sig: str) -> str:
    row = _signature_row(analysis, sig)
    if row is None:
        return ""
    return f"{row['status']} {fmt_count(row['before'])} → {fmt_count(row['after'])}, onset {fmt_offset(row['onset_s'])}"


def stories_section(incident, analysis, contrast=None) -> list[str]:
    """Markdown lines; `contrast(story)` returns Contrast rows (None: not computed)."""
    stories = [s for s in analysis.stories if s.members or s.suspects][:MAX_STORIES]
    if not stories:
        return []
    out = ["## Stories", "", "Changes that move together, led by their likeliest cause (severity class first, then size).", ""]
    for st in stories:
        cause_kind = "config suspect" if st.cause in st.suspects else "change"
        out.append(f"{st.id}. **{st.severity}** — cause: {story_label(analysis, st.cause)} ({cause_kind}; {_change(analysis, st.cause)})")
        if st.lead != st.cause:
            out.append(f"   - leads to: {story_label(analysis, st.lead)} ({_change(analysis, st.lead)})")
        if st.explains:
            shown = [plain(e) for e in st.explains[:MAX_EXPLAINS]]
            more = len(st.explains) - len(shown)
            out.append("   - explains: " + "; ".join(shown) + (f"; +{more} more" if more > 0 else ""))
        if st.pre_deploy:
            out.append(f"   - **started before the deploy** ({fmt_offset(st.onset_s)}): the deploy time may be wrong, "
                       "or this predates the deploy")
        others = [s for s in st.suspects if s != st.cause and s not in st.members]
        if others:
            out.append("   - config suspects: " + ", ".join(story_label(analysis, s, 50) for s in others[:3]))
        for c in (contrast(st) if contrast else [])[:3]:
            out.append(f"   - {plain(c.text())}")
    return out + [""]
