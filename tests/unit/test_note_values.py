"""The value inspector in the note: each variable slot's top values, before and after the deploy."""

import json
from datetime import datetime, timedelta, timezone

import pytest

from triage.analysis import analyze, signature_detail
from triage.note import NoteDraft, render_json, render_markdown
from triage.note.model import Finding
from triage.pipeline import load_incident
from triage.sources.files import FileSource

DEPLOY = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def incident(tmp_path_factory):
    path = tmp_path_factory.mktemp("logs") / "api.log"
    lines = []
    for s in range(0, 3600, 10):
        t = DEPLOY - timedelta(minutes=30) + timedelta(seconds=s)
        host = "mock-payments.internal" if t >= DEPLOY and s % 20 == 0 else "payments.prod"
        lines.append(f"{t:%Y-%m-%dT%H:%M:%S}Z WARN calling provider host={host} order=ord-{s} took {s % 97} ms\n")
    path.write_text("".join(lines))
    inc = load_incident(FileSource([str(path)]), deploy=DEPLOY)
    return inc, analyze(inc)


def _sig(a):
    return a.signatures.iloc[0]["signature"]


def test_detail_lists_each_slot_with_before_after_shares(incident):
    inc, a = incident
    det = signature_detail(inc, _sig(a))
    hosts = next(s for s in det.slots.slots if s.label == "host=")
    by = {v.value: v for v in hosts.values}
    mock = by["mock-payments.internal"]
    assert mock.before == 0 and mock.after == 90 and mock.change == "NEW"
    assert round(by["payments.prod"].before_share, 2) == 1.0 and round(by["payments.prod"].after_share, 2) == 0.5
    orders = next(s for s in det.slots.slots if s.label == "order=")
    assert orders.distinct == 360 and orders.constant is None


def test_markdown_and_json_carry_the_values(incident):
    inc, a = incident
    draft = NoteDraft(findings=[Finding(kind="signature", key=_sig(a))])
    md = render_markdown(inc, a, draft)
    line = next(x for x in md.splitlines() if x.startswith("- **Values** of `host=<*>`"))
    assert "`mock-payments.internal` 25% (before 0% → after 50%, NEW)" in line
    doc = json.loads(json.dumps(render_json(inc, a, draft)))
    slots = doc["findings"][0]["slots"]
    host = next(s for s in slots if s["label"] == "host=")
    assert {v["value"]: v["change"] for v in host["values"]}["mock-payments.internal"] == "NEW"
