"""Baselines by dimension (canary), by environment and by day, through report and gate on generated files."""

import json
from datetime import datetime, timedelta, timezone

from triage.cli import main

DEPLOY = datetime(2026, 5, 4, 10, 0, tzinfo=timezone.utc)
D = "2026-05-04T10:00:00Z"


def _stamp(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S") + "Z"


def _run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def _canary_log(path):
    """Three hosts; after the deploy pay-3 runs v2.4.0 (a tenth of the traffic) and fails 1 in 4 requests."""
    lines = []
    for s in range(-1800, 1800, 2):
        t = DEPLOY + timedelta(seconds=s)
        for host in ("pay-1", "pay-2", "pay-3"):
            if host == "pay-3" and s % 10:
                continue  # the canary gets less traffic
            version = "2.4.0" if host == "pay-3" and s >= 0 else "2.3.1"
            base = {"@timestamp": _stamp(t), "service.name": "payments", "host.name": host, "service.version": version}
            lines.append(json.dumps({**base, "log.level": "info", "message": "charge ok"}))
            if version == "2.4.0" and s % 40 == 0:
                lines.append(json.dumps({**base, "log.level": "error", "message": "KeyError: 'currency'"}))
            if s % 300 == 0:  # a little steady noise everywhere
                lines.append(json.dumps({**base, "log.level": "error", "message": "upstream timeout"}))
    path.write_text("\n".join(lines) + "\n")
    return path


def _statuses(doc):
    return {s["template"]: s["status"] for s in doc["signatures"] if s["before"] + s["after"] > 0}


def test_canary_by_version_field_and_by_host(tmp_path, capsys):
    log = _canary_log(tmp_path / "app.jsonl")
    for spec in ("version=2.4.0", "host=pay-3", "pod=pay-3*"):
        code, out, err = _run(capsys, "report", log, "--deploy", D, "--compare", spec, "--format", "json")
        assert code == 0, err
        doc = json.loads(out)
        st = _statuses(doc)
        assert st["KeyError: 'currency'"] == "NEW"
        assert st["upstream timeout"] == "STEADY" and st["charge ok"] == "STEADY"  # per event, not per minute
        assert any("vs other" in q for q in doc["queries"])


def test_canary_errors_are_one_line(tmp_path, capsys):
    log = _canary_log(tmp_path / "app.jsonl")
    code, _, err = _run(capsys, "report", log, "--deploy", D, "--compare", "version=9.9.9")
    assert code == 1 and "no event matches it" in err and "2.3.1" in err and err.count("\n") == 1
    code, _, err = _run(capsys, "report", log, "--deploy", D, "--compare", "version")
    assert code == 2 and "KEY=VALUE" in err


def test_staging_vs_production_files(tmp_path, capsys):
    def env_log(path, extra):
        lines = []
        for s in range(-1800, 1800, 5):
            t = DEPLOY + timedelta(seconds=s)
            lines.append(f"{_stamp(t)} INFO api - GET /cart 200")
            if extra and s % 30 == 0:
                lines.append(f"{_stamp(t)} ERROR api - payment provider refused: invalid API key")
        path.write_text("\n".join(lines) + "\n")
        return path

    staging, prod = env_log(tmp_path / "staging.log", False), env_log(tmp_path / "prod.log", True)
    code, out, _ = _run(capsys, "report", prod, "--deploy", D, "--baseline", staging, "--format", "json")
    doc = json.loads(out)
    assert code == 0 and _statuses(doc)["payment provider refused: invalid API key"] == "NEW"
    assert any(s.startswith("baseline: ") for s in doc["sources"]) and any(s.startswith("target: ") for s in doc["sources"])
    code, _, err = _run(capsys, "gate", prod, "--deploy", D, "--baseline", staging)
    assert code == 3 and "invalid API key" in err


def _daily_log(path, with_new):
    """Two days; a nightly-style batch error burst every day from 10:00, and (today) a NEW error."""
    lines = []
    for day in (1, 0):
        for s in range(-1800, 1800, 10):
            t = DEPLOY - timedelta(days=day) + timedelta(seconds=s)
            lines.append(f"{_stamp(t)} INFO api - GET /health 200")
            if s >= 0 and s % 30 == 0 or s % 600 == 0:
                lines.append(f"{_stamp(t)} ERROR batch - settlement export retry")
            if with_new and day == 0 and s >= 0 and s % 60 == 0:
                lines.append(f"{_stamp(t)} ERROR api - NullPointerException in CartService.total")
    path.write_text("\n".join(lines) + "\n")
    return path


def test_day_baseline_keeps_daily_shape_from_failing_the_gate(tmp_path, capsys):
    log = _daily_log(tmp_path / "app.log", with_new=False)
    code, out, _ = _run(capsys, "gate", log, "--deploy", D, "--json", "-")
    assert code == 3 and [f["template"] for f in json.loads(out)["failures"]] == ["settlement export retry"]
    code, out, err = _run(capsys, "gate", log, "--deploy", D, "--json", "-", "--baseline", "1d")
    doc = json.loads(out)
    assert code == 0 and doc["failures"] == [] and "daily pattern" in doc["below_threshold"][0]["reason"], err

    log2 = _daily_log(tmp_path / "app2.log", with_new=True)
    code, out, _ = _run(capsys, "gate", log2, "--deploy", D, "--json", "-", "--baseline", "1d")
    assert code == 3 and [f["template"] for f in json.loads(out)["failures"]] == ["NullPointerException in CartService.total"]


def test_day_baseline_in_the_report(tmp_path, capsys):
    log = _daily_log(tmp_path / "app.log", with_new=True)
    code, out, _ = _run(capsys, "report", log, "--deploy", D, "--baseline", "1d")
    assert code == 0 and "## Baseline: after window vs the same window 1 day earlier" in out
    row = next(line for line in out.splitlines() if line.startswith("| `settlement export retry`"))
    assert "| SPIKE | STEADY |" in row
    code, out, _ = _run(capsys, "report", log, "--deploy", D, "--baseline", "1d", "--format", "json")
    day = {s["template"]: s["status"] for s in json.loads(out)["day_baseline"]["signatures"]}
    assert day["NullPointerException in CartService.total"] == "NEW" and day["settlement export retry"] == "STEADY"
    code, _, err = _run(capsys, "report", "-", "--deploy", D, "--baseline", "7d")
    assert code == 2 and "not stdin" in err
