"""How the note presents things: the meta table, short trace templates, narrow tables, which metrics are listed."""

import dataclasses
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest
from markdown_it import MarkdownIt

from triage.analysis import analyze
from triage.events import metrics_frame
from triage.note import NoteDraft, auto_findings, render_markdown, short_template
from triage.pipeline import load_incident
from triage.sources.files import FileSource

DEPLOY = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
PY_EXC = ("requests.exceptions.ConnectionError: HTTPConnectionPool(host='mock-payments.internal', port=8080): "
          "Max retries exceeded with url: /v1/charges (Caused by NewConnectionError('refused'))")
JAVA_TEMPLATE = ("org.springframework.jdbc.CannotGetJdbcConnectionException <- java.sql.SQLTransientConnectionException: "
                 "Failed to obtain JDBC Connection (at com.zaxxer.hikari.pool.HikariPool.createTimeoutException)")


def _traceback(ts: str, order: int) -> str:
    return (f"{ts} ERROR payments.client - charge failed for order {order}\n"
            "Traceback (most recent call last):\n"
            '  File "/app/payments/client.py", line 88, in charge\n'
            "    resp = self.session.post(url)\n"
            '  File "/usr/local/lib/python3.11/site-packages/requests/adapters.py", line 519, in send\n'
            "    raise ConnectionError(e, request=request)\n"
            f"{PY_EXC}\n")


@pytest.fixture(scope="module")
def incident(tmp_path_factory):
    path = tmp_path_factory.mktemp("logs") / "payments.log"
    lines = []
    for s in range(0, 3600, 20):  # steady noise on both sides, a traceback every 30 s after the deploy
        t = DEPLOY - timedelta(minutes=30) + timedelta(seconds=s)
        lines.append(f"{t:%Y-%m-%dT%H:%M:%S}Z INFO payments.health - GET /health 200\n")
        if t >= DEPLOY and s % 30 == 0:
            lines.append(_traceback(f"{t:%Y-%m-%dT%H:%M:%S}Z", s))
    path.write_text("".join(lines))
    inc = load_incident(FileSource([str(path)]), deploy=DEPLOY)
    return inc, analyze(inc)


def _tables(md: str) -> list[list[list[str]]]:
    """Each table as rows of cell texts (header row first)."""
    tables, rows, cell = [], None, None
    for tok in MarkdownIt("commonmark").enable("table").parse(md):
        if tok.type == "table_open":
            rows = []
        elif tok.type == "tr_open":
            rows.append([])
        elif tok.type in ("th_open", "td_open"):
            cell = ""
        elif tok.type == "inline" and cell is not None:
            rows[-1].append(tok.content)
            cell = None
        elif tok.type in ("th_close", "td_close") and cell is not None:
            rows[-1].append("")  # an empty cell has no inline token
            cell = None
        elif tok.type == "table_close":
            tables.append(rows)
            rows = None
    return tables


def test_meta_block_is_a_table_with_a_real_header(incident):
    inc, a = incident
    md = render_markdown(inc, a, NoteDraft(findings=auto_findings(a)))
    tables = _tables(md)
    assert tables[0][0] == ["Field", "Value"]
    fields = [row[0] for row in tables[0][1:]]
    assert fields[:2] == ["Deploy", "Windows"] and "Source" in fields and fields[-1] == "Events"
    for table in tables:  # no table anywhere renders an empty header
        assert all(cell.strip() for cell in table[0]), table[0]


def test_trace_templates_are_short_in_tables_and_headings_full_in_the_body(incident):
    inc, a = incident
    top = a.signatures.iloc[0]
    assert top["status"] == "NEW"
    # The log message that introduced the trace is its title; the trace follows.
    assert top["template"].startswith("charge failed for order <NUM> — requests.exceptions.ConnectionError")
    md = render_markdown(inc, a, NoteDraft(findings=auto_findings(a)))
    findings = next(t for t in _tables(md) if t[0][:3] == ["#", "Status", "Finding"])
    cell = findings[1][2]
    assert cell.startswith("`charge failed for order <NUM> — ConnectionError: HTTPConnectionPool(")
    assert "requests.exceptions" not in cell and len(cell.strip("`")) <= 90
    heading = next(line for line in md.splitlines() if line.startswith("### 1."))
    assert "— ConnectionError: " in heading and "requests.exceptions" not in heading
    section = md.split("### 1.", 1)[1].split("### 2.", 1)[0]
    assert "requests.exceptions.ConnectionError: HTTPConnectionPool(host=" in section.split("Template:", 1)[1]


def test_max_template_keeps_the_findings_table_narrow(incident):
    inc, a = incident
    draft = NoteDraft(findings=auto_findings(a))
    wide = _tables(render_markdown(inc, a, draft))
    narrow = _tables(render_markdown(inc, a, draft, max_template=40))
    rows = next(t for t in narrow if t[0][:3] == ["#", "Status", "Finding"])[1:]
    assert all(len(r[2].strip("`")) <= 40 for r in rows if r[2].startswith("`"))
    assert rows[0][2].startswith("`charge faile") and "ConnectionError" in rows[0][2]  # still says what failed
    wide_rows = next(t for t in wide if t[0][:3] == ["#", "Status", "Finding"])[1:]
    assert max(len(r[2]) for r in wide_rows) > 40


@pytest.mark.parametrize("limit", [40, 60, 90, 120])
def test_short_template_bounds_and_keeps_the_essentials(limit):
    py = PY_EXC.replace("mock-payments.internal", "<*>").replace("8080", "<NUM>") + " (at payments/client.py:charge)"
    short = short_template(py, limit)
    assert len(short) <= limit and short.startswith("ConnectionError: HTTPConnect")
    java = short_template(JAVA_TEMPLATE, limit)
    assert len(java) <= limit and java.startswith("CannotGetJdbcConnectionException: ")
    assert "springframework" not in java and "SQLTransient" not in java
    if limit >= 60:
        assert "Failed to obtain" in java
    if limit >= 90:
        assert py.endswith(short[-31:]) and java.endswith("(at HikariPool.createTimeoutException)")


@pytest.mark.parametrize("template", [
    "receipt render failed for order <*>: KeyError: '<*>' in format_receipt",
    "GET <*> HTTP/<NUM> <NUM> OK",
    "payments.api: charge ok order=<*>",
    "KeyError: 'currency'",
    "",
])
def test_other_templates_are_left_alone(template):
    assert short_template(template, 90) == template


def test_metrics_table_lists_changes_and_usual_suspects_only(incident):
    inc, _ = incident
    minutes = np.arange(-30, 30)
    rows = {"timestamp": [], "metric": [], "value": [], "dimensions": [], "unit": []}

    def series(metric, dims, before, after):
        rng = np.random.default_rng(len(rows["metric"]))
        rows["timestamp"] += [DEPLOY + timedelta(minutes=int(m)) for m in minutes]
        rows["metric"] += [metric] * minutes.size
        rows["value"] += list(np.where(minutes < 0, before, after) + rng.normal(0, 0.5, minutes.size))
        rows["dimensions"] += [dims] * minutes.size
        rows["unit"] += ["count/min"] * minutes.size

    for i in range(20):  # what Elasticsearch adds: steady per-level/service/host counts
        series("log events", f"host=web-{i}", 50, 50)
    series("log events", "level=error", 2, 40)  # changed: listed
    series("cpu", "host=web-1", 40, 40)  # steady but a usual suspect: listed
    series("queue_depth", "", 10, 10)  # steady, not a suspect: left out
    inc = dataclasses.replace(inc, metrics=metrics_frame(rows))
    a = analyze(inc)
    md = render_markdown(inc, a, NoteDraft(findings=auto_findings(a)))
    section = md.split("## Metrics", 1)[1].split("\n## ", 1)[0]
    table = next(t for t in _tables(section) if t[0][0] == "Metric")
    names = [r[0] for r in table[1:]]
    assert sorted(names) == ["`cpu {host=web-1}`", "`log events {level=error}`"]
    assert "21 steady series left out" in section and "JSON" in section
    # the metric finding names the series that moved, not the first of 21
    findings = next(t for t in _tables(md) if t[0][:3] == ["#", "Status", "Finding"])
    cell = next(r[2] for r in findings[1:] if "log events" in r[2])
    assert cell == "metric `log events {level=error}`"
    part = md.split("Metric `log events`", 1)[1].split("\n### ", 1)[0].split("\n## ", 1)[0]
    assert "[level=error]" in part and "host=web-" not in part and "20 more series" in part
