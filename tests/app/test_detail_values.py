"""The detail pane's value inspector: per variable slot, top values with shares and the before/after change."""

from datetime import datetime, timedelta, timezone

from triage.analysis import analyze, signature_detail
from triage.app.widgets.detail import render_detail
from triage.pipeline import load_incident
from triage.sources.files import FileSource

DEPLOY = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)


def test_values_show_shares_and_what_changed(tmp_path):
    lines = []
    for s in range(0, 3600, 10):
        t = DEPLOY - timedelta(minutes=30) + timedelta(seconds=s)
        host = "mock-payments.internal" if t >= DEPLOY and s % 20 == 0 else "payments.prod"
        lines.append(f"{t:%Y-%m-%dT%H:%M:%S}Z WARN calling provider host={host} order=ord-{s}\n")
    path = tmp_path / "api.log"
    path.write_text("".join(lines))
    inc = load_incident(FileSource([str(path)]), deploy=DEPLOY)
    a = analyze(inc)
    det = signature_detail(inc, a.signatures.iloc[0]["signature"])
    text = render_detail(det, [1, 2, 3], 1).plain
    row = next(x for x in text.splitlines() if x.startswith("host="))
    assert "mock-payments.internal 25% 0%→50% NEW" in row
    assert "payments.prod 75% 100%→50%" in row
    orders = next(x for x in text.splitlines() if x.startswith("order="))
    assert "(+357)" in orders
