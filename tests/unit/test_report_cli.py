"""`triage report` end to end through the real CLI entry point, on generated files."""

import io
import json
from datetime import datetime, timedelta, timezone

import pytest

from triage.cli import main

DEPLOY = datetime(2026, 5, 4, 10, 0, tzinfo=timezone.utc)


def _log(path, with_new=True, offset_min=0):
    lines = []
    for s in range(-1800, 1800, 10):
        t = DEPLOY + timedelta(seconds=s, minutes=offset_min)
        lines.append(f"{t:%Y-%m-%dT%H:%M:%S}Z INFO api - GET /health 200")
        if with_new and s >= 0 and s % 20 == 0:
            lines.append(f"{t:%Y-%m-%dT%H:%M:%S}Z ERROR api - upstream refused connection to mock-billing:9000 "
                         f"password=hunter2")
        if s < 0 and s % 30 == 0:
            lines.append(f"{t:%Y-%m-%dT%H:%M:%S}Z ERROR api - KeyError: 'currency' in format_receipt")
    path.write_text("\n".join(lines) + "\n")
    return path


def _run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_markdown_to_stdout(tmp_path, capsys):
    log = _log(tmp_path / "app.log")
    code, out, err = _run(capsys, "report", str(log), "--deploy", "2026-05-04T10:00:00Z", "--version-label", "v1.2")
    assert code == 0
    assert out.startswith("# ") and "v1.2" in out.splitlines()[0]
    assert "| 1 | NEW |" in out and "| 2 | GONE |" in out
    assert "hunter2" not in out and "Traceback" not in err


def test_output_file_refuses_overwrite_without_force(tmp_path, capsys):
    log, note = _log(tmp_path / "app.log"), tmp_path / "note.md"
    args = ["report", str(log), "--deploy", "2026-05-04T10:00:00Z", "-o", str(note)]
    assert _run(capsys, *args)[0] == 0
    first = note.read_text()
    note.write_text("my edits")
    code, _, err = _run(capsys, *args)
    assert code == 1 and "already exists" in err and "--force" in err
    assert note.read_text() == "my edits"
    assert _run(capsys, *args, "--force")[0] == 0
    assert note.read_text() == first


def test_json_format(tmp_path, capsys):
    log = _log(tmp_path / "app.log")
    code, out, _ = _run(capsys, "report", str(log), "--deploy", "2026-05-04T10:00:00Z", "--format", "json", "--after", "20m")
    doc = json.loads(out)
    assert code == 0 and doc["schema"] == "triage.note/1" and doc["windows"]["after_minutes"] == 20
    assert [f["data"]["status"] for f in doc["findings"] if f["kind"] == "signature"] == ["NEW", "GONE"]
    assert "hunter2" not in out


def test_stdin(tmp_path, capsys, monkeypatch):
    data = _log(tmp_path / "app.log").read_bytes()
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(data)))
    code, out, _ = _run(capsys, "report", "-", "--deploy", "2026-05-04T10:00:00Z")
    assert code == 0 and "NEW" in out and "stdin" in out


def test_metrics_csv(tmp_path, capsys):
    log = _log(tmp_path / "app.log")
    csv = tmp_path / "m.csv"
    rows = ["timestamp,metric,value,unit"]
    for m in range(-30, 30):
        rows.append(f"{(DEPLOY + timedelta(minutes=m)).isoformat()},latency_p95,{200 + (m % 4) if m < 0 else 800 + (m % 6)},ms")
    csv.write_text("\n".join(rows) + "\n")
    code, out, _ = _run(capsys, "report", str(log), "--deploy", "2026-05-04T10:00:00Z", "--metrics", str(csv))
    assert code == 0 and "## Metrics" in out and "latency_p95" in out and "| UP |" in out


def test_demo(capsys):
    code, out, _ = _run(capsys, "report", "--demo")
    assert code == 0
    # v1: the first finding was the NEW ConnectionError; now it is the config line that causes it, then the error
    first = next(line for line in out.splitlines() if line.startswith("| 1 |"))
    second = next(line for line in out.splitlines() if line.startswith("| 2 |"))
    assert "mock-payments" in first and "NEW" in second and "ConnectionError" in second
    assert "1. **error** — cause:" in out and "502 at gateway" in out
    assert "v2.4.0" in out and "USE_MOCK_SERVICE" in out


@pytest.mark.parametrize(
    "argv,code,message",
    [
        (["report", "{log}"], 2, "--deploy is required"),
        (["report", "{log}", "--deploy", "yesterday-ish"], 2, "bad --deploy"),
        (["report", "{log}", "--deploy", "2026-05-04T10:00Z", "--before", "soon"], 2, "bad window"),
        (["report", "{missing}", "--deploy", "2026-05-04T10:00Z"], 1, "triage: error:"),
        (["report", "{empty}", "--deploy", "2026-05-04T10:00Z"], 1, "no"),
        (["report", "--demo", "{log}"], 2, "--demo takes no FILEs"),
        (["report", "{log}", "--deploy", "2026-05-04T10:00Z", "--top", "0"], 2, "--top"),
    ],
)
def test_bad_input_is_one_clear_line(tmp_path, capsys, argv, code, message):
    paths = {"log": str(_log(tmp_path / "app.log")), "missing": str(tmp_path / "nope.log"),
             "empty": str(tmp_path / "empty.log")}
    (tmp_path / "empty.log").write_text("")
    got, out, err = _run(capsys, *[a.format(**paths) for a in argv])
    assert got == code
    assert message in err and "Traceback" not in err
    assert err.count("\n") <= 3


def test_deploy_outside_the_data_is_labelled(tmp_path, capsys):
    log = _log(tmp_path / "app.log")
    # a day late: nothing near the deploy, which is said plainly
    code, _, err = _run(capsys, "report", str(log), "--deploy", "2026-05-05T10:00:00Z")
    assert code == 1 and "no events near the deploy time" in err and "--deploy" in err
    # 40 minutes late: the note is written, labelled, and calls nothing NEW or GONE
    code, out, err = _run(capsys, "report", str(log), "--deploy", "2026-05-04T10:40:00Z")
    assert code == 0 and "after window" in err
    assert "| NEW |" not in out and "| GONE |" not in out and "after window" in out


def test_skewed_second_file_is_warned(tmp_path, capsys):
    a = _log(tmp_path / "a.log")
    b = _log(tmp_path / "b.log", with_new=False, offset_min=-120)  # its clock is two hours behind
    code, out, err = _run(capsys, "report", str(a), str(b), "--deploy", "2026-05-04T10:00:00Z", "--before", "30m")
    assert code == 0 and "b.log" in err and "skew" in err


def test_incident_key_is_stable_and_tells_files_apart(tmp_path):
    from triage.pipeline import load_incident
    from triage.sources.files import FileSource

    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    one, two = _log(tmp_path / "a" / "app.log"), _log(tmp_path / "b" / "app.log")
    keys = [load_incident(FileSource([str(p)]), deploy=DEPLOY).key for p in (one, one, two)]
    assert keys[0] == keys[1] != keys[2]
    assert load_incident(FileSource([str(one)]), deploy=DEPLOY + timedelta(minutes=1)).key != keys[0]


def test_no_input_on_a_terminal_is_an_error_not_a_hang(capsys, monkeypatch):
    class Tty(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.setattr("sys.stdin", Tty())
    code, _, err = _run(capsys, "report", "--deploy", "2026-05-04T10:00Z")
    assert code == 2 and "no input" in err


def test_times_display_in_the_requested_zone(tmp_path, capsys):
    log = _log(tmp_path / "app.log")
    code, out, _ = _run(capsys, "report", str(log), "--deploy", "2026-05-04 12:00", "--tz", "Europe/Berlin")
    assert code == 0  # 12:00 in Berlin (CEST) is 10:00Z, the log's deploy: the NEW error is found
    assert "2026-05-04 12:00:00+02:00" in out and "| 1 | NEW |" in out
