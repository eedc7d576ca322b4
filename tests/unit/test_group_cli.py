"""`triage group` end to end through the real CLI entry point."""

import gzip
import json
import subprocess
import sys

import pytest

from triage.cli import main

LOG = """2026-11-26T10:00:00Z ERROR connection refused to 10.0.0.1:5432
2026-11-26T10:00:01Z ERROR connection refused to 10.0.0.2:5432
2026-11-26T10:00:02Z ERROR connection refused to 10.0.0.3:5432
2026-11-26T10:00:03Z INFO GET /health 200
2026-11-26T10:00:04Z WARN slow query took 812 ms
2026-11-26T10:00:05Z ERROR checkout failed
Traceback (most recent call last):
  File "/app/checkout.py", line 88, in charge
    raise KeyError("currency")
KeyError: 'currency'
"""


@pytest.fixture
def log(tmp_path):
    p = tmp_path / "app.log"
    p.write_text(LOG)
    return str(p)


def run(capsys, *argv):
    code = main(["group", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_text_table_ranks_signatures_with_share_and_example(capsys, log):
    code, out, err = run(capsys, log)
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0].split() == ["count", "share", "signature", "level", "template"]
    top = lines[1].split()
    assert top[0] == "3" and top[1] == "50.0%" and top[3] == "error"
    assert "connection refused to" in lines[1]
    assert lines[2].strip().startswith("e.g. connection refused to 10.0.0.1")
    assert lines[-1] == "6 events, 4 signatures"


def test_top_and_level_filters(capsys, log):
    code, out, _ = run(capsys, log, "--top", "1")
    assert "(top 1 shown, 3 more)" in out.splitlines()[-1]
    code, out, _ = run(capsys, log, "--level", "warn")
    assert out.splitlines()[-1] == "5 events, 3 signatures"
    assert "GET /health" not in out


def test_jsonl_one_object_per_event_with_file_and_first_line(capsys, log):
    code, out, _ = run(capsys, log, "--format", "jsonl")
    rows = [json.loads(line) for line in out.splitlines()]
    assert len(rows) == 6
    for key in ("file", "line", "timestamp", "level", "signature", "template"):
        assert key in rows[0]
    assert [r["line"] for r in rows] == [1, 2, 3, 4, 5, 6]
    assert rows[0]["file"] == log and rows[0]["timestamp"] == "2026-11-26T10:00:00.000000Z"
    assert rows[0]["signature"] == rows[1]["signature"] == rows[2]["signature"] != rows[3]["signature"]
    assert rows[5]["message"].endswith("KeyError: 'currency'")
    assert len(rows[0]["signature"]) >= 8


def test_signatures_are_stable_across_runs_and_inputs(capsys, log, tmp_path):
    other = tmp_path / "other.log"
    other.write_text("2026-11-27T09:00:00Z ERROR connection refused to 192.168.1.9:6543\n")
    _, a, _ = run(capsys, log, "--format", "jsonl")
    _, b, _ = run(capsys, str(other), "--format", "jsonl")
    assert json.loads(a.splitlines()[0])["signature"] == json.loads(b.splitlines()[0])["signature"]


def test_content_mode_uses_whole_lines(capsys, log):
    code, out, _ = run(capsys, log, "--content", "--format", "jsonl")
    rows = [json.loads(line) for line in out.splitlines()]
    assert len(rows) == 10  # no folding, no header detection
    assert rows[0]["timestamp"] is None and rows[0]["level"] is None


def test_stdin_and_gz_through_a_real_process(tmp_path):
    gz = tmp_path / "app.log.gz"
    gz.write_bytes(gzip.compress(LOG.encode()))
    proc = subprocess.run(
        [sys.executable, "-m", "triage", "group", "-", str(gz), "--format", "jsonl"],
        input=LOG.encode(),
        capture_output=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(line) for line in proc.stdout.decode().splitlines()]
    assert len(rows) == 12 and {r["file"] for r in rows} == {"-", str(gz)}


def test_bad_input_warns_once_and_still_loads(capsys, log, tmp_path):
    bad = tmp_path / "bad.log"
    bad.write_bytes(b'2026-11-26T10:00:00Z ERROR caf\xe9\n{"level": "error", "msg": broken\n')
    code, out, err = run(capsys, log, str(bad), str(tmp_path / "missing.log"))
    assert code == 0
    assert err.count("triage: warning:") == 1
    assert "invalid UTF-8" in err and "malformed JSON" in err and "files not found" in err
    assert "events," in out.splitlines()[-1]


def test_nothing_loaded_exits_non_zero_without_traceback(capsys, tmp_path):
    code, out, err = run(capsys, str(tmp_path / "missing.log"))
    assert code == 1 and out == "" and "Traceback" not in err and "no readable input" in err
    empty = tmp_path / "empty.log"
    empty.write_text("\n\n")
    code, _, err = run(capsys, str(empty))
    assert code == 1 and "no events" in err


def test_hostile_text_is_escaped_in_the_table(capsys, tmp_path):
    p = tmp_path / "evil.log"
    p.write_bytes(b"2026-11-26T10:00:00Z ERROR \x1b]0;pwned\x07 bell\x07 [red]markup[/red] \x1b[2J\n")
    code, out, _ = run(capsys, str(p))
    assert code == 0
    assert "\x1b" not in out and "\x07" not in out
    assert "[red]markup[/red]" in out


def test_hostile_text_is_valid_json_in_jsonl(capsys, tmp_path):
    p = tmp_path / "evil.log"
    p.write_bytes("2026-11-26T10:00:00Z ERROR nul\x00 c1\u0085 ls\u2028 \x07\n".encode())
    code, out, _ = run(capsys, str(p), "--format", "jsonl")
    assert "\u0085" not in out and "\u2028" not in out and "\x07" not in out
    assert json.loads(out)["message"] == "nul\x00 c1\u0085 ls\u2028 \x07"


def test_bad_options_are_clear_errors(capsys, log):
    code, _, err = run(capsys, log, "--tz", "Mars/Base")
    assert code == 2 and "unknown time zone" in err
    code, _, err = run(capsys, log, "--top", "-1")
    assert code == 2


def test_no_files_and_a_terminal_on_stdin_is_a_usage_error_not_a_hang():
    import os
    import pty

    master, slave = pty.openpty()
    try:
        proc = subprocess.run([sys.executable, "-m", "triage", "group"], stdin=slave, capture_output=True, timeout=60)
    finally:
        os.close(slave)
        os.close(master)
    assert proc.returncode == 2 and b"no input" in proc.stderr


EXAMPLES = __import__("pathlib").Path(__file__).resolve().parents[2] / "examples"


@pytest.mark.parametrize("name", ["checkout-java.log", "nginx-access.log", "payments-ecs.jsonl"])
def test_shipped_examples_parse_cleanly(capsys, name):
    code, out, err = run(capsys, str(EXAMPLES / name), "--format", "jsonl")
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and err == "" and rows
    assert all(r["timestamp"] and r["level"] for r in rows)
    errors = {r["template"] for r in rows if r["level"] == "error"}
    expected = {"checkout-java.log": "ConnectException", "nginx-access.log": "Bad Gateway", "payments-ecs.jsonl": "upstream charge call failed"}[name]
    assert any(expected in t for t in errors), errors


def test_secrets_are_masked_in_the_table_and_with_redact_in_jsonl(capsys, tmp_path):
    p = tmp_path / "leaky.log"
    p.write_text("2026-11-26T10:00:00Z ERROR login failed password=hunter2 for user bob\n")
    _, out, _ = run(capsys, str(p))
    assert "hunter2" not in out and "REDACTED" in out
    _, raw, _ = run(capsys, str(p), "--format", "jsonl")
    assert "hunter2" in raw  # the user's own data, unchanged unless asked
    _, masked, _ = run(capsys, str(p), "--format", "jsonl", "--redact")
    assert "hunter2" not in masked and json.loads(masked)["message"].startswith("login failed password=")


def test_zst_and_truncated_zst(capsys, log, tmp_path):
    import zstandard

    z = tmp_path / "app.log.1.zst"
    z.write_bytes(zstandard.ZstdCompressor().compress(LOG[:300].encode()) + zstandard.ZstdCompressor().compress(LOG[300:].encode()))
    _, plain, _ = run(capsys, log, "--format", "jsonl")
    code, packed, _ = run(capsys, str(z), "--format", "jsonl")
    assert code == 0
    strip = lambda out: [{k: v for k, v in json.loads(x).items() if k != "file"} for x in out.splitlines()]  # noqa: E731
    assert strip(packed) == strip(plain)
    bad = tmp_path / "bad.log.zst"
    bad.write_bytes(z.read_bytes()[:20])
    code, _, err = run(capsys, str(bad))
    assert code == 1 and "corrupt compressed file" in err and "Traceback" not in err


CRI = (
    "2026-11-26T14:02:07.123456789Z stderr F ERROR payment failed id=42\n"
    "2026-11-26T14:02:08.223456789Z stdout F INFO ok\n"
    '2026-11-26T14:02:09.323456789+00:00 stdout F {"level":"error","msg":"boom 1"}\n'
)


def test_cri_nanosecond_times_in_jsonl(capsys, tmp_path):
    p = tmp_path / "pod.log"
    p.write_text(CRI)
    code, out, err = run(capsys, str(p), "--format", "jsonl")
    assert code == 0, err
    rows = [json.loads(x) for x in out.splitlines()]
    assert [r["timestamp"] for r in rows] == [
        "2026-11-26T14:02:07.123456Z", "2026-11-26T14:02:08.223456Z", "2026-11-26T14:02:09.323456Z"]
    assert [r["level"] for r in rows] == ["error", "info", "error"]
    assert rows[0]["message"] == "payment failed id=42"


def test_bidi_and_invisible_characters_never_reach_the_terminal(capsys, tmp_path):
    p = tmp_path / "bidi.log"
    p.write_text("2026-11-26T10:00:00Z ERROR upload of invoice\u202egnp.exe failed \u2066x\u2069 \u200bzw \u061c\n")
    code, out, _ = run(capsys, str(p))
    assert code == 0
    for ch in "\u202e\u2066\u2069\u200b\u061c":
        assert ch not in out
    assert "\\u202e" in out
    _, jsonl, _ = run(capsys, str(p), "--format", "jsonl")
    assert "\u202e" not in jsonl and json.loads(jsonl)["message"].startswith("upload of invoice\u202egnp.exe")


def test_corpus_secrets_are_masked_in_the_table_and_in_redacted_jsonl(capsys, tmp_path):
    from secret_corpus import corpus

    samples = [s for s in corpus() if "\n" not in s.line][::4]
    p = tmp_path / "secrets.log"
    p.write_text("".join(s.line + "\n" for s in samples))
    _, out, _ = run(capsys, str(p), "--content", "--top", "0")
    _, masked, _ = run(capsys, str(p), "--content", "--format", "jsonl", "--redact")
    assert len(masked.splitlines()) == len(samples)
    for s in samples:
        assert s.secret not in out and s.secret not in masked, s.kind


def test_error_messages_do_not_echo_credentials(capsys):
    from triage.cli import CliError, safe_message

    assert "s3cr3tpw" not in safe_message("cannot reach https://admin:s3cr3tpw@es.internal:9200 (\x1b[2J)")
    assert "\x1b" not in safe_message("\x1b[2J") and "\n" not in safe_message("a\nb")
    code = main(["group", "--tz", "https://u:hunter2xyz@host/Zone"])
    _, err = capsys.readouterr()
    assert code == 2 and "hunter2xyz" not in err and isinstance(CliError("x"), Exception)
