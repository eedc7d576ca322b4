"""Everything about the selected signature: template, spread, histogram, sample events."""

from __future__ import annotations

from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from triage.app import format as fmt
from triage.app.inert import clean, inert, template_text
from triage.app.spark import histogram

FOLDED_LINES = 3
COMPACT_TEMPLATE_LINES = 3  # in the small pane, so the first sample shows without scrolling
EXPANDED_LINES = 80


class DetailPanel(VerticalScroll):
    """Stack traces in samples are folded to a few lines until `expanded`."""

    DEFAULT_CLASSES = "panel"
    ALLOW_MAXIMIZE = True  # `z` zooms it to read long traces

    def compose(self):
        yield Static(Text("Select a signature to see its events.", style="dim"), id="detail-body")

    def show_empty(self, message: str) -> None:
        self.query_one("#detail-body", Static).update(Text(message, style="dim"))

    def show(self, detail, counts, deploy_bin, *, status: str = "", before=None, after=None,
             tz=None, expanded: bool = False, span=(None, None), compact: bool = False, judgement=None,
             rollback_bin: int | None = None) -> None:
        width = max(20, self.size.width - 4)
        self.query_one("#detail-body", Static).update(
            render_detail(detail, counts, deploy_bin, status=status, before=before, after=after,
                          tz=tz, expanded=expanded, span=span,
                          template_chars=COMPACT_TEMPLATE_LINES * width if compact else None,
                          samples_first=compact, judgement=judgement, rollback_bin=rollback_bin)
        )


def _shares(pairs, total: int, limit: int = 4) -> str:
    if not pairs:
        return "-"
    parts = []
    for key, n in list(pairs)[:limit]:
        pct = f"{n / total:.0%}" if total else "?"
        parts.append(f"{clean(key, 40)} {pct}")
    more = len(pairs) - limit
    return "  ".join(parts) + (f"  (+{more})" if more > 0 else "")


MAX_SLOTS = 3
VALUES_PER_SLOT = 3
CHANGE_STYLES = {"NEW": "bold red", "GONE": "dim", "UP": "yellow", "DOWN": "cyan"}


def _values(report) -> Text:
    """Value inspector: per variable slot of the template, its top values with shares and the
    before → after change (`host= mock-payments.internal 25% 0%→50% NEW`). Values are untrusted text."""
    text = Text(end="")
    if report is None:
        return text
    for slot in report.slots[:MAX_SLOTS]:
        name = clean(slot.label or f"slot {slot.index + 1}", 16)
        text.append(f"\n{name:<8} ", "bold")
        for i, v in enumerate(slot.values[:VALUES_PER_SLOT]):
            if i:
                text.append("  ")
            text.append(clean(v.value, 40), "italic")
            text.append(f" {v.share:.0%}")
            if report.before and report.after:
                text.append(f" {v.before_share:.0%}→{v.after_share:.0%}", "dim")
                if v.change != "SAME":
                    text.append(f" {v.change}", CHANGE_STYLES.get(v.change, ""))
        more = slot.distinct - len(slot.values[:VALUES_PER_SLOT])
        if more > 0:
            text.append(f"  (+{more:,})", "dim")
    return text


def render_detail(detail, counts, deploy_bin, *, status="", before=None, after=None, tz=None,
                  expanded=False, span=(None, None), template_chars: int | None = None,
                  samples_first: bool = False, judgement=None, rollback_bin: int | None = None) -> Text:
    """`template_chars` clips the template and `samples_first` puts the samples above the
    histogram: the small pane shows the first event; Enter (zoomed) shows everything."""
    text = Text(end="")
    text.append_text(template_text(detail.template, limit=template_chars or 4000))
    text.append("\n")
    text.append(f"sig {detail.signature}", "dim")
    text.append(f"  level {detail.level or '-'}  ")
    if status:
        text.append_text(fmt.badge(status))
    text.append(f"  {fmt.count(detail.count)} loaded")
    if before is not None and after is not None:
        text.append(f", windows {fmt.count(before)} → {fmt.count(after)}")
    text.append(f"\nfirst {fmt.when(detail.first_seen, tz)}  last {fmt.when(detail.last_seen, tz)}\n")
    text.append("services ", "bold")
    text.append(_shares(detail.by_service, detail.count))
    text.append("\nhosts    ", "bold")
    text.append(_shares(detail.by_host, detail.count))
    if detail.by_status:
        text.append("\nhttp     ", "bold")
        text.append(_shares(detail.by_status, detail.count))
    text.append_text(_values(getattr(detail, "slots", None)))
    text.append("\n")
    if judgement is not None:
        text.append_text(story_lines(*judgement))
    parts = [_histogram(counts, deploy_bin, span, tz, rollback_bin), _samples(detail, tz, expanded)]
    for part in (reversed(parts) if samples_first else parts):
        text.append("\n")
        text.append_text(part)
    return text


def story_lines(row: dict, story, contrast, templates: dict) -> Text:
    """Story, role, onset (with the pre-deploy flag and the `o` key), what the cause explains, contrast."""
    from triage.judgement.onset import fmt_offset

    text = Text(end="")
    if not row or not row.get("story"):
        return text
    onset = row.get("onset_s")
    text.append("story    ", "bold")
    text.append(f"{int(row['story'])} · {clean(str(row.get('role') or ''), 20)} · {clean(str(row.get('severity') or ''), 20)}")
    if onset is not None and onset == onset:
        text.append(f" · onset {fmt_offset(onset)}")
        if row.get("pre_deploy"):
            text.append("  started before the deploy", "bold yellow")
        text.append("  o: move the deploy marker here", "dim")
    text.append("\n")
    if story is not None:
        if story.cause != row.get("signature"):
            text.append("cause    ", "bold")
            text.append_text(inert(str(templates.get(story.cause, story.cause)), limit=120))
            text.append("\n")
        if story.explains and row.get("role") in ("cause", "lead"):
            text.append("explains ", "bold")
            text.append_text(inert("; ".join(story.explains[:4]), limit=300))
            text.append("\n")
    for c in list(contrast or ())[:3]:
        text.append("contrast ", "bold")
        text.append_text(inert(c.text(), limit=200))
        text.append("\n")
    return text


def _histogram(counts, deploy_bin, span, tz, rollback_bin=None) -> Text:
    text = Text(end="")
    if counts is not None and len(counts):
        marked = rollback_bin is not None and rollback_bin != deploy_bin
        text.append("whole loaded range, deploy at ▲" + (", rollback at ↩" if marked else "") + "\n", "dim")
        text.append_text(histogram(counts, deploy_bin, height=3, rollback_index=rollback_bin))
        text.append("\n")
        text.append(_axis_labels(span, len(counts), tz), "dim")
        text.append("\n")
    return text


def _samples(detail, tz, expanded: bool) -> Text:
    text = Text(end="")
    text.append(f"Samples ({len(detail.samples)})", "bold underline")
    text.append("  x: expand/fold traces  enter: zoom\n" if not expanded else "  x: fold traces\n", "dim")
    for sample in detail.samples:
        text.append_text(_sample(sample, tz, expanded))
    return text


def _axis_labels(span, width: int, tz) -> str:
    """Start and end times under the histogram (clock time only; the date is in the header)."""
    start, end = span
    if start is None or end is None:
        return ""
    left, right = fmt.when(start, tz)[11:], fmt.when(end, tz)[11:]
    gap = max(1, width - len(left) - len(right))
    return left + " " * gap + right


def _sample(sample: dict, tz, expanded: bool) -> Text:
    text = Text(end="")
    text.append(fmt.when(sample.get("timestamp"), tz), "cyan")
    for key in ("level", "service", "host"):
        value = sample.get(key)
        if isinstance(value, str) and value:
            text.append(" ")
            text.append(clean(value, 40), "bold" if key == "level" else "")
    where = sample.get("source")
    if isinstance(where, str) and where:
        line = sample.get("line")
        text.append("  ")
        text.append(clean(where, 80) + (f":{line}" if isinstance(line, int) else ""), "dim")
    text.append("\n")
    message = sample.get("message") or sample.get("raw") or ""
    lines = clean(message, 20000, multiline=True).split("\n")
    keep = EXPANDED_LINES if expanded else FOLDED_LINES
    for line in lines[:keep]:
        text.append("  ")
        text.append_text(inert(line, limit=500))
        text.append("\n")
    if len(lines) > keep:
        text.append(f"  ▸ {len(lines) - keep} more lines" + ("" if expanded else " (x to expand)") + "\n", "dim italic")
    fields = sample.get("fields")
    if isinstance(fields, str) and fields and fields != "{}":
        text.append("  fields ", "dim")
        text.append_text(inert(fields, style="dim", limit=400))
        text.append("\n")
    raw = sample.get("raw")
    if isinstance(raw, str) and raw and raw.split("\n", 1)[0] != str(message).split("\n", 1)[0]:
        text.append("  raw ", "dim")
        text.append_text(inert(raw.split("\n", 1)[0], style="dim", limit=400))
        text.append("\n")
    return text
