"""The incident note: structure (headings, tables, fences), inert and redacted log text, JSON, writing."""

import json
import os
from datetime import datetime, timedelta, timezone

import numpy as np
import pandas as pd
import pytest
from markdown_it import MarkdownIt

from triage.analysis import analyze
from triage.events import events_frame, metrics_frame
from triage.note import Finding, NoteDraft, auto_findings, dumps_json, fence, render_json, render_markdown, write_note
from triage.pipeline import Incident

DEPLOY = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
NASTY = ("ERROR render failed ```python\nprint('x')``` [bold red]boom[/] \x1b[31mred\x1b[0m |pipe| "
         "password=hunter2 key AKIAIOSFODNN7EXAMPLE <script>alert(1)</script> ````")
HUGE = "ERROR huge " + "x" * 1_000_000


def _incident():
    rows = []

    def add(sig, template, msg, n, lo, hi, level="error", host="h1", service="api"):
        for t in np.linspace(lo, hi, n, endpoint=False):
            rows.append((DEPLOY + timedelta(minutes=float(t)), level, service, host, msg, sig, template))

    add("nasty", "ERROR render failed <*>", NASTY, 40, 0, 30)
    add("huge", "ERROR huge <*>", HUGE, 12, 0, 30)
    add("fixed", "KeyError: 'currency' | in `format`", "KeyError: 'currency' | in `format`", 30, -30, 0, host="h2")
    add("noise", "GET /health <NUM>", "GET /health 200", 120, -30, 30, level="info")
    cols = list(zip(*rows))
    ev = events_frame({"timestamp": cols[0], "level": cols[1], "service": cols[2], "host": cols[3],
                       "message": cols[4], "raw": cols[4], "source": ["app.log"] * len(rows),
                       "line": list(range(1, len(rows) + 1))})
    ev["signature"] = pd.Series(cols[5], dtype=ev["message"].dtype)
    ev["template"] = pd.Series(cols[6], dtype=ev["message"].dtype)
    ts = [DEPLOY + timedelta(minutes=m) for m in range(-30, 30)]
    metrics = metrics_frame({"timestamp": ts, "metric": ["latency_p95"] * 60, "unit": ["ms"] * 60,
                             "value": [200.0 + (m % 3) for m in range(30)] + [900.0 + (m % 5) for m in range(30)]})
    return Incident(events=ev, metrics=metrics, deploy=DEPLOY, version="v9.9.9", title="",
                    sources=["files: app.log (url https://u:pw123456@es.example.com)"], queries=["level:error"])


@pytest.fixture(scope="module")
def note():
    inc = _incident()
    a = analyze(inc)
    draft = NoteDraft(summary="Payments broke [click](http://evil) token=abc123", findings=auto_findings(a))
    draft.findings[0].comment = "rolled back at 12:40 password=hunter2"
    return inc, a, draft, render_markdown(inc, a, draft)


def _tokens(text):
    return MarkdownIt("commonmark").enable("table").parse(text)


def test_auto_findings_take_changed_signatures_then_outliers_and_metrics(note):
    inc, a, draft, _ = note
    kinds = [(f.kind, f.key) for f in draft.findings]
    sigs = [k for kind, k in kinds if kind == "signature"]
    assert set(sigs) == {"nasty", "huge", "fixed"} and "noise" not in sigs
    assert sigs == [s for s in a.signatures["signature"] if s in sigs]  # rank order
    assert ("metric", "latency_p95") in kinds
    assert len(auto_findings(a, limit=1)) >= 1 and auto_findings(a, limit=1)[0].key == sigs[0]


def test_heading_structure(note):
    _, _, _, md = note
    toks = _tokens(md)
    heads = [(t.tag, toks[i + 1].content) for i, t in enumerate(toks) if t.type == "heading_open"]
    assert heads[0][0] == "h1" and "v9.9.9" in heads[0][1]
    h2 = [c for tag, c in heads if tag == "h2"]
    assert h2[:2] == ["Stories", "Findings"] and {"Metrics", "Timeline", "Checklist"} <= set(h2)  # stories lead (v1: findings)
    assert h2.index("Findings") < h2.index("Metrics") < h2.index("Timeline") < h2.index("Checklist")
    h3 = [c for tag, c in heads if tag == "h3"]
    assert len(h3) == len(note[2].findings) and h3[0].startswith("1. NEW")


def test_tables_parse_with_consistent_columns(note):
    _, a, draft, md = note
    toks = _tokens(md)
    tables, current = [], None
    for t in toks:
        if t.type == "table_open":
            current = []
        elif t.type == "tr_open" and current is not None:
            current.append(0)
        elif t.type in ("th_open", "td_open") and current is not None:
            current[-1] += 1
        elif t.type == "table_close":
            tables.append(current)
            current = None
    assert len(tables) >= 3
    for rows in tables:
        assert len(set(rows)) == 1  # every row has the header's cell count: no pipe leaked out of a cell
    findings_rows = next(r for r in tables if r[0] == 6)
    assert len(findings_rows) == len(draft.findings) + 1


def test_samples_are_verbatim_in_fences_that_survive_backticks(note):
    _, _, _, md = note
    fences = [t for t in _tokens(md) if t.type == "fence"]
    nasty = [f.content for f in fences if "render failed" in f.content and "print('x')" in f.content]
    assert len(nasty) == 3, "each sample with backticks must be inside one fenced block"
    body = nasty[0]
    assert "```python" in body and "````" in body and "[bold red]boom[/]" in body and "<script>" in body
    assert "\x1b" not in md and "\\x1b[31m" in body  # ANSI shown, not executed


def test_everything_exported_is_redacted(note):
    inc, a, draft, md = note
    doc = dumps_json(render_json(inc, a, draft))
    for text in (md, doc):
        assert "hunter2" not in text and "AKIAIOSFODNN7EXAMPLE" not in text
        assert "abc123" not in text and "pw123456" not in text
    assert "[REDACTED" in md


def test_untrusted_text_outside_fences_cannot_inject_markup(note):
    _, _, _, md = note
    toks = _tokens(md)
    links = [c for t in toks if t.children for c in t.children if c.type == "link_open"]
    assert links == []
    html = [t for t in toks if t.type in ("html_block", "html_inline")]
    assert all("sub" in t.content for t in html)  # only our own <sub> footer


def test_megabyte_lines_are_clipped(note):
    _, _, _, md = note
    assert len(md) < 200_000 and "more chars" in md


def test_checklist_from_the_playbook(note):
    _, _, _, md = note
    checklist = md.split("## Checklist", 1)[1]
    for words in ("Rollback", "parity", "Feature flags", "Secrets", "Artifact identity"):
        assert words in checklist
    assert checklist.count("- [ ]") >= 5


def test_fence_is_longer_than_any_backtick_run():
    assert fence("a ````` b").startswith("``````")
    assert fence("plain").startswith("```text")


def test_json_schema(note):
    inc, a, draft, _ = note
    doc = json.loads(dumps_json(render_json(inc, a, draft)))
    assert doc["schema"] == "triage.note/1" and doc["version"] == "v9.9.9"
    assert doc["deploy"] == "2026-03-01T12:00:00Z"
    assert doc["windows"] == {"before_minutes": 30.0, "after_minutes": 30.0}
    assert {"title", "summary", "findings", "signatures", "dimensions", "metrics", "warnings", "checklist", "load_report"} <= set(doc)
    sig = doc["findings"][0]
    assert sig["kind"] == "signature" and sig["data"]["status"] == "NEW" and sig["data"]["ratio"] == "inf"
    assert sig["comment"].endswith("[REDACTED]") and len(sig["samples"]) == 3
    assert len(doc["signatures"]) == len(a.signatures)
    assert set(doc["signatures"][0]) == set(a.signatures.columns)


def test_empty_analysis_still_renders():
    ev = events_frame({"message": []})
    ev["signature"] = ev["message"]
    ev["template"] = ev["message"]
    inc = Incident(events=ev, metrics=metrics_frame({}), deploy=DEPLOY)
    a = analyze(inc)
    md = render_markdown(inc, a, NoteDraft())
    assert "No findings" in md and "no events were loaded" in md
    assert json.loads(dumps_json(render_json(inc, a, NoteDraft())))["findings"] == []


def test_draft_round_trip():
    d = NoteDraft(title="t", summary="s", impact="i", actions="a", findings=[Finding("signature", "abc", "c")])
    assert NoteDraft.from_dict(json.loads(json.dumps(d.to_dict()))) == d
    assert NoteDraft.from_dict({"findings": [{"kind": "metric", "key": "cpu"}, "junk"]}).findings == [Finding("metric", "cpu", "")]


def test_write_note_refuses_to_overwrite_and_is_atomic(tmp_path):
    target = tmp_path / "note.md"
    write_note(target, "one")
    with pytest.raises(FileExistsError):
        write_note(target, "two")
    assert target.read_text() == "one"
    write_note(target, "three", force=True)
    assert target.read_text() == "three"
    assert sorted(os.listdir(tmp_path)) == ["note.md"]  # no temp files left behind


from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from triage.note import clip_sample  # noqa: E402

_untrusted = st.lists(st.sampled_from(list("ab `~|*_[]<>#\\\n\t\x1b\x07é€") + ["```", "~~~", "<!--", "    "]),
                      min_size=1, max_size=40).map("".join)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(_untrusted)
def test_any_log_text_comes_back_verbatim_from_its_fence(text):
    ev = events_frame({"timestamp": [DEPLOY + timedelta(minutes=m) for m in range(1, 11)], "level": ["error"] * 10,
                       "message": [text] * 10, "raw": [text] * 10})
    ev["signature"] = pd.Series(["s"] * 10, dtype=ev["message"].dtype)
    ev["template"] = ev["message"]
    inc = Incident(events=ev, metrics=metrics_frame({}), deploy=DEPLOY)
    a = analyze(inc)
    md = render_markdown(inc, a, NoteDraft(findings=[Finding("signature", "s")]))
    fences = [t.content for t in _tokens(md) if t.type == "fence"]
    expected = clip_sample(text) + "\n"
    assert fences.count(expected) >= 3  # the template block and each sample
    assert "\x1b" not in md and "\x07" not in md
