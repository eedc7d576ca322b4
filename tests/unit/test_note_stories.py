"""Stories in the note: the Markdown section, the findings order and the JSON `stories`."""

import json

import incidents
from triage.analysis import analyze
from triage.note import NoteDraft, auto_findings, dumps_json, render_json, render_markdown


def _note(name):
    inc = incidents.build(name)
    a = analyze(inc)
    draft = NoteDraft(findings=auto_findings(a, limit=3))
    return inc, a, draft


def test_markdown_names_the_cause_and_what_it_explains():
    inc, a, draft = _note("missing-env")
    md = render_markdown(inc, a, draft)
    stories = md[md.index("## Stories"):md.index("## Findings")]
    first = stories.split("\n1. ", 1)[1].split("\n2. ", 1)[0]
    assert "cause:" in first and "PROVIDER_URL not set" in first and "config suspect" in first
    assert "leads to:" in first and "ConnectException" in first
    assert "503 at gateway POST /api/pay" in first
    # findings: the cause, then the change it leads to
    assert [f.key for f in draft.findings[:2]] == [a.stories[0].cause, a.stories[0].lead]


def test_pre_deploy_onset_is_said():
    inc, a, draft = _note("pre-deploy")
    md = render_markdown(inc, a, draft)
    assert "**started before the deploy** (-3m5" in md or "**started before the deploy** (-4m" in md


def test_json_carries_stories_with_contrast():
    inc, a, draft = _note("traffic-drop")
    doc = json.loads(dumps_json(render_json(inc, a, draft)))
    top = doc["stories"][0]
    assert top["id"] == 1 and top["severity"] == "info" and "routed request" in top["cause_template"]
    assert any(c["field"] == "region" and c["value"] == "eu-west-1" and c["share_bg"] == 0 for c in top["contrast"])
    sig = next(s for s in doc["signatures"] if s["signature"] == top["cause"])
    assert sig["story"] == 1 and sig["role"] == "cause" and sig["status"] == "DROP"
