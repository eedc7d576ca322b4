"""`triage gate` end to end on generated log files: verdicts, thresholds, known signatures, outputs, waiting."""

import json
import os
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone

import pytest

from triage.cli import main

DEPLOY = datetime(2026, 5, 4, 10, 0, tzinfo=timezone.utc)
D = "2026-05-04T10:00:00Z"


def _log(path, new_every=20, spike=False, start=DEPLOY, span=1800):
    """INFO traffic, a steady ERROR, and (new_every) a NEW ERROR after `start`; `spike` multiplies a WARN->ERROR."""
    lines = []
    for s in range(-span, span, 10):
        t = start + timedelta(seconds=s)
        stamp = f"{t:%Y-%m-%dT%H:%M:%S}Z"
        lines.append(f"{stamp} INFO api - GET /health 200")
        if s % 60 == 0:
            lines.append(f"{stamp} ERROR api - cache miss storm on shard 7")
        if new_every and s >= 0 and s % new_every == 0:
            lines.append(f"{stamp} ERROR api - upstream refused connection to billing:9000 token=hunter2secret")
        if spike and (s % 120 == 0 or (s >= 0 and s % 20 == 0)):
            lines.append(f"{stamp} ERROR db - pool exhausted waiting for connection")
    path.write_text("\n".join(lines) + "\n")
    return path


def _run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def _preset(tmp_path, body, name="gate-test"):
    path = tmp_path / f"{name}.toml"
    path.write_text('source = "files"\n' + body)
    return path


def test_new_error_fails_with_json_junit_and_note(tmp_path, capsys):
    log = _log(tmp_path / "app.log")
    out_json, out_xml, out_md = tmp_path / "g.json", tmp_path / "g.xml", tmp_path / "g.md"
    code, _, err = _run(capsys, "gate", log, "--deploy", D, "--json", out_json, "--junit", out_xml, "--note", out_md)
    assert code == 3, err
    doc = json.loads(out_json.read_text())
    assert doc["schema"] == "triage.gate/1" and doc["result"] == "fail"
    assert [f["status"] for f in doc["failures"]] == ["NEW"]
    assert doc["failures"][0]["after"] == 90 and "billing" in doc["failures"][0]["template"]
    suite = ET.parse(out_xml).getroot().find("testsuite")
    assert suite.get("failures") == "1" and suite.get("tests") == "1"
    case = suite.find("testcase")
    assert case.find("failure").get("type") == "NEW" and doc["failures"][0]["signature"] in case.get("name")
    note = out_md.read_text()
    assert "Post-deploy gate FAILED" in note and "billing" in note
    for text in (out_json.read_text(), out_xml.read_text(), note, err):
        assert "hunter2secret" not in text
    assert "FAIL" in err and "Traceback" not in err


def test_steady_errors_pass(tmp_path, capsys):
    log = _log(tmp_path / "app.log", new_every=0)
    out_xml = tmp_path / "g.xml"
    code, _, err = _run(capsys, "gate", log, "--deploy", D, "--junit", out_xml)
    assert code == 0, err
    suite = ET.parse(out_xml).getroot().find("testsuite")
    assert suite.get("failures") == "0" and [c.get("name") for c in suite.iter("testcase")] == ["no NEW or SPIKE error group"]
    assert "PASS" in err


def test_preset_thresholds_decide(tmp_path, capsys):
    log = _log(tmp_path / "app.log", new_every=150, spike=True)  # NEW: 12 events after; SPIKE x6 on the pool error

    def gate(*extra):
        code, out, _ = _run(capsys, "gate", log, "--deploy", D, "--json", "-", *extra)
        doc = json.loads(out)
        return code, sorted(f["status"] for f in doc["failures"]), sorted(b["status"] for b in doc["below_threshold"]), doc

    code, failures, below, doc = gate()
    assert code == 3 and failures == ["NEW", "SPIKE"] and below == []
    assert {f["status"]: f["after"] for f in doc["failures"]} == {"NEW": 12, "SPIKE": 90}

    code, failures, below, doc = gate("--preset", _preset(tmp_path, "[gate]\nmin_after = 20\n", name="volume"))
    assert code == 3 and failures == ["SPIKE"] and below == ["NEW"] and doc["rules"]["min_after"] == 20

    code, failures, below, doc = gate("--preset", _preset(tmp_path, "[gate]\nmin_ratio = 10\n", name="ratio"))
    assert code == 3 and failures == ["NEW"] and below == ["SPIKE"]
    assert "min_ratio 10" in doc["below_threshold"][0]["reason"]

    tolerant = _preset(tmp_path, '[gate]\nmax_groups = 1\nstatuses = ["NEW"]\n', name="tolerant")
    code, failures, below, doc = gate("--preset", tolerant)
    assert code == 0 and failures == ["NEW"] and doc["result"] == "pass"


@pytest.mark.parametrize("body, words", [
    ("min_ratio = 0.5", ["gate.min_ratio", "at least 1"]),
    ('statuses = ["DROP"]', ["gate.statuses", "NEW, SPIKE"]),
    ("max_groups = -1", ["gate.max_groups", "zero or more"]),
    ('min_rate = "fast"', ["gate.min_rate", "a number"]),
    ("min_afterr = 3", ["gate.min_afterr", "did you mean 'gate.min_after'"]),
])
def test_bad_gate_table_is_one_line_with_the_key(tmp_path, capsys, body, words):
    log = _log(tmp_path / "app.log")
    preset = _preset(tmp_path, f"[gate]\n{body}\n")
    code, _, err = _run(capsys, "gate", log, "--deploy", D, "--preset", preset)
    assert code == 1 and err.count("\n") == 1 and err.startswith("triage: error:")
    assert ":3:" in err and all(w in err for w in words), err


def test_known_signatures_accept_existing_noise(tmp_path, capsys):
    log = _log(tmp_path / "app.log")
    known = tmp_path / "known.txt"
    code, _, err = _run(capsys, "gate", log, "--deploy", D, "--write-known", known)
    assert code == 0 and "added 1" in err
    text = known.read_text()
    assert text.startswith("# triage known") and "billing" in text and "hunter2secret" not in text
    out_xml = tmp_path / "g.xml"
    code, out, err = _run(capsys, "gate", log, "--deploy", D, "--known", known, "--json", "-", "--junit", out_xml)
    doc = json.loads(out)
    assert code == 0 and doc["failures"] == [] and len(doc["known"]) == 1
    assert ET.parse(out_xml).getroot().find("testsuite").get("skipped") == "1"
    # the preset can name the file too; writing again adds nothing
    preset = _preset(tmp_path, f'[gate]\nknown = "{known}"\n')
    assert _run(capsys, "gate", log, "--deploy", D, "--preset", preset)[0] == 0
    assert _run(capsys, "gate", log, "--deploy", D, "--write-known", known)[0] == 0
    assert known.read_text() == text


def test_known_file_errors(tmp_path, capsys):
    log = _log(tmp_path / "app.log")
    bad = tmp_path / "known.txt"
    bad.write_text("# ok\nabc123def0\nnot an id!\n")
    code, _, err = _run(capsys, "gate", log, "--deploy", D, "--known", bad)
    assert code == 1 and f"{bad}:3:" in err and err.count("\n") == 1
    code, _, err = _run(capsys, "gate", log, "--deploy", D, "--known", tmp_path / "missing")
    assert code == 1 and "not found" in err


def test_no_baseline_is_inconclusive(tmp_path, capsys):
    log = _log(tmp_path / "app.log")
    code, out, err = _run(capsys, "gate", log, "--deploy", "2026-05-04T09:30:00Z", "--json", "-")
    assert code == 1 and json.loads(out)["result"] == "inconclusive" and "INCONCLUSIVE" in err


def test_output_options_checked_before_loading(tmp_path, capsys):
    log = _log(tmp_path / "app.log")
    assert _run(capsys, "gate", log, "--deploy", D, "--json", "-", "--junit", "-")[0] == 2
    existing = tmp_path / "g.xml"
    existing.write_text("mine")
    code, _, err = _run(capsys, "gate", log, "--deploy", D, "--junit", existing)
    assert code == 1 and "already exists" in err and existing.read_text() == "mine"


def test_waits_for_the_after_window_in_a_real_process(tmp_path):
    """`--deploy now --after 4s`: errors logged during the wait are in the verdict."""
    now = datetime.now(timezone.utc).replace(microsecond=0)
    log = tmp_path / "live.log"
    lines = [f"{now - timedelta(seconds=s):%Y-%m-%dT%H:%M:%S}Z INFO api - GET /health 200" for s in range(120, 0, -1)]
    log.write_text("\n".join(lines) + "\n")
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    started = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "triage", "gate", str(log), "--deploy", now.isoformat(),
                             "--before", "2m", "--after", "4s", "--json", "-"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    time.sleep(1.0)
    with log.open("a") as fh:
        for s in range(0, 4):
            for _ in range(5):
                fh.write(f"{now + timedelta(seconds=s):%Y-%m-%dT%H:%M:%S}Z ERROR api - payment provider said 503\n")
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 3, err
    assert "waiting" in err and time.monotonic() - started >= 3.0
    assert json.loads(out)["failures"][0]["after"] == 20
