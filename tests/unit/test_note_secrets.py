"""Every corpus secret, put into NEW error lines, is absent from the Markdown and JSON notes;
hostile Markdown/HTML in samples stays inert when the note is rendered as GitHub-flavoured Markdown."""

import json
from datetime import datetime, timedelta, timezone

import pandas as pd
import pytest
from markdown_it import MarkdownIt

from secret_corpus import corpus
from triage.analysis import analyze
from triage.events import events_frame, metrics_frame
from triage.note import Finding, NoteDraft, dumps_json, render_json, render_markdown
from triage.pipeline import Incident
from triage.redact import redact

DEPLOY = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
LINES_PER_MESSAGE = 28  # corpus lines packed into one multi-line error event (a note shows up to 30 lines per sample)


def _pack(lines: list[str]) -> list[str]:
    """Multi-line messages of at most LINES_PER_MESSAGE lines each, so a note shows every line of every one."""
    out, current, n = [], [], 0
    for line in lines:
        k = line.count("\n") + 1
        if current and n + k > LINES_PER_MESSAGE:
            out.append("\n".join(current))
            current, n = [], 0
        current.append(line)
        n += k
    return out + (["\n".join(current)] if current else [])


def _incident(messages: list[str], extra: list[tuple[str, str, str]] = ()) -> Incident:
    """One NEW signature per message (12 events after the deploy); `extra` adds (signature, template, message) rows."""
    rows = []
    for i, msg in enumerate(messages):
        for k in range(12):
            rows.append((DEPLOY + timedelta(minutes=1 + k), "error", f"svc{i % 3}", "h1", msg, f"sec{i}", msg.split("\n")[0]))
    for sig, template, msg in extra:
        for k in range(12):
            rows.append((DEPLOY + timedelta(minutes=1 + k), "error", "api", "h2", msg, sig, template))
    for k in range(60):
        rows.append((DEPLOY + timedelta(minutes=k - 30), "info", "api", "h1", "GET /health 200", "noise", "GET /health <NUM>"))
    cols = list(zip(*rows))
    ev = events_frame({"timestamp": cols[0], "level": cols[1], "service": cols[2], "host": cols[3], "message": cols[4],
                       "raw": cols[4], "source": ["app.log"] * len(rows), "line": list(range(1, len(rows) + 1))})
    ev["signature"] = pd.Series(cols[5], dtype=ev["message"].dtype)
    ev["template"] = pd.Series(cols[6], dtype=ev["message"].dtype)
    return Incident(events=ev, metrics=metrics_frame({}), deploy=DEPLOY, version="v2", title="", sources=["app.log"], queries=[])


@pytest.fixture(scope="module")
def exported():
    samples = corpus()
    lines = [s.line for s in samples]
    messages = _pack(lines)
    inc = _incident(messages)
    a = analyze(inc)
    keys = [f"sec{i}" for i in range(len(messages))]
    assert set(a.signatures.loc[a.signatures["signature"].isin(keys), "status"]) == {"NEW"}
    draft = NoteDraft(summary=f"first leak: {lines[0]}", findings=[Finding("signature", k, comment=lines[i]) for i, k in enumerate(keys)])
    md = render_markdown(inc, a, draft)
    doc = render_json(inc, a, draft)
    return samples, md, doc, dumps_json(doc)


def _strings(value, out):
    if isinstance(value, str):
        out.append(value)
    elif isinstance(value, dict):
        for k, v in value.items():
            _strings(k, out)
            _strings(v, out)
    elif isinstance(value, list):
        for v in value:
            _strings(v, out)
    return out


def test_every_secret_appears_redacted_in_the_markdown_note(exported):
    samples, md, _, _ = exported
    missing = [s.kind for s in samples if any(part not in md for part in redact(s.line).split("\n"))]
    assert missing == []  # each line is in the note, in its redacted form
    assert [s.kind for s in samples if s.secret in md] == []


def test_every_secret_appears_redacted_in_the_json_note(exported):
    samples, _, doc, text = exported
    blob = "\n".join(_strings(doc, []))
    assert [s.kind for s in samples if redact(s.line) not in blob] == []
    assert [s.kind for s in samples if s.secret in blob or json.dumps(s.secret)[1:-1] in text] == []


HOSTILE = [
    "<script>alert(document.cookie)</script>",
    "<img src=x onerror=alert(1)>",
    "[click me](javascript:alert(1)) ![](http://evil.example/pixel.png)",
    "<javascript:alert(1)> <https://evil.example>",
    "```\n## injected heading\n```",
    "~~~\n| a | b |\n~~~",
    "| col | injected | row |\n|---|---|---|",
    "<!-- hide the rest",
    "file \u202egnp.exe with bidi override and \u2066isolate\u2069",
]


def _gfm():
    return MarkdownIt("commonmark").enable(["table", "strikethrough"])


def test_hostile_markdown_in_samples_and_templates_stays_inert():
    extra = [(f"h{i}", text, text) for i, text in enumerate(HOSTILE)]
    inc = _incident([], extra)
    a = analyze(inc)
    draft = NoteDraft(title="<b>t</b> [x](javascript:1)", summary=HOSTILE[2], impact=HOSTILE[0], actions=HOSTILE[6],
                      findings=[Finding("signature", f"h{i}", comment=text) for i, text in enumerate(HOSTILE)])
    md = render_markdown(inc, a, draft)
    md_parser = _gfm()
    html = md_parser.render(md)
    assert "<script" not in html and "<img" not in html and "<!--" not in html
    assert "javascript:" not in "".join(t.attrGet("href") or "" for t in _inline(md_parser.parse(md)))
    assert not any(t.type == "link_open" for t in _inline(md_parser.parse(md)))
    heads = [t for t in md_parser.parse(md) if t.type == "heading_open"]
    assert len([t for t in heads if t.tag == "h3"]) == len(HOSTILE)  # no heading injected by a sample
    tables = [t for t in md_parser.parse(md) if t.type == "table_open"]
    findings_table = html.split("<h2>Findings</h2>")[1].split("</table>")[0]
    assert findings_table.count("<tr>") == len(HOSTILE) + 1  # header + one row per finding: no row injected
    assert len(tables) >= 2
    assert "\u202e" not in md and "\u2066" not in md and "\\u202e" in md


def _inline(tokens):
    for t in tokens:
        yield t
        yield from (t.children or ())
