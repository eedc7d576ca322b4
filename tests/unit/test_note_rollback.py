"""A rollback marked during follow shows in the note: in its timeline list and on its sparklines."""

from datetime import timedelta

from analysis_support import DEPLOY, Log
from triage.analysis import analyze, rollback_bin, timeline
from triage.note import NoteDraft, auto_findings, render_markdown


def _incident(rollback=None):
    log = Log().even("steady", 2, -30, 30, level="info").even("boom", 5, 0, 20)
    inc = log.incident(before=timedelta(minutes=30), after=timedelta(minutes=30))
    inc.rollback = rollback
    return inc


def test_the_rollback_bin_lies_where_the_rollback_is_on_the_same_range():
    inc = _incident(DEPLOY + timedelta(minutes=20))
    counts, dbin = timeline(inc, None, bins=60)
    rbin = rollback_bin(inc, bins=60)
    assert dbin == 30 - 1 or dbin == 30  # the range is the loaded events' span
    assert rbin is not None and 48 <= rbin <= 50
    assert rollback_bin(_incident(), bins=60) is None
    assert rollback_bin(_incident(DEPLOY + timedelta(hours=5)), bins=60) is None  # outside the range: no mark


def test_the_note_marks_the_rollback_on_its_timeline():
    inc = _incident(DEPLOY + timedelta(minutes=20))
    a = analyze(inc)
    md = render_markdown(inc, a, NoteDraft(findings=auto_findings(a)))
    timeline_part = md.split("## Timeline", 1)[1].split("\n## ", 1)[0]
    assert "rollback marked" in timeline_part
    assert "↩ = rollback" in timeline_part
    fenced = [line for line in timeline_part.splitlines() if "│" in line and "↩" in line and "=" not in line]
    assert fenced, timeline_part
    assert fenced[0].index("│") < fenced[0].index("↩")
    plain = render_markdown(_incident(), analyze(_incident()), NoteDraft())
    assert "↩" not in plain and "rollback marked" not in plain
