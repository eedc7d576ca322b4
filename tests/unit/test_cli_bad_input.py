"""Bad input to the headless commands, run as a user would (a real process, real files and pipes).

Every case: the right exit code, one readable `triage: error:` line (warnings may precede it),
no traceback, and nothing half-written.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

DEPLOY = ["--deploy", "2026-11-26T14:30Z"]
TIMEOUT = 120


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("bad-input")
    (d / "app.log").write_text("".join(
        f"2026-11-26T14:{m:02d}:00Z ERROR api - boom {'new' if m >= 30 else 'old'} {m}\n" for m in range(60)))
    (d / "empty.log").write_bytes(b"")
    (d / "binary.bin").write_bytes(bytes(range(256)) * 64)
    (d / "nologs" / "sub").mkdir(parents=True)
    (d / "nologs" / "sub" / "blob.dat").write_bytes(b"\x00\x01\x02\xff" * 4096)
    (d / "badutf8.log").write_bytes(b"2026-11-26T14:00:00Z ERROR api - caf\xe9 \xff\xfe broken\n"
                                    b"2026-11-26T14:40:00Z ERROR api - after \xc3\x28 broken\n")
    (d / "huge.log").write_text("2026-11-26T14:40:00Z ERROR api - " + "x" * 5_000_000 + "\n"
                                "2026-11-26T14:10:00Z ERROR api - small one\n")
    (d / "badjson.log").write_text('{"time":"2026-11-26T14:00:00Z","level":"error","msg":"first ok"}\n'
                                   '{"time": "2026-11-26T14:40:00Z", "level": "err\n'
                                   "{{{{ not json\n"
                                   '{"time":"2026-11-26T14:41:00Z","level":"error","msg":"second ok"}\n')
    (d / "queries").mkdir()
    (d / "queries" / "broken.toml").write_text('name = "broken"\nsource = "files"\n[filters\nx = 1\n')
    (d / "config").mkdir()
    return d


def triage(work: Path, *args: str, stdin=subprocess.DEVNULL, shell: str | None = None) -> tuple[int, str, str]:
    """Run `python -m triage ARGS` in `work` (or a shell line using $TRIAGE); (exit code, stdout, stderr)."""
    env = dict(os.environ, TRIAGE_CONFIG_DIR=str(work / "config"), TRIAGE_STATE_DIR=str(work / "state"),
               TRIAGE=f"{sys.executable} -m triage", PYTHONIOENCODING="utf-8", COLUMNS="120")
    cmd = ["bash", "-c", shell] if shell else [sys.executable, "-m", "triage", *args]
    proc = subprocess.run(cmd, cwd=work, stdin=stdin, capture_output=True, env=env, timeout=TIMEOUT)
    return proc.returncode, proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace")


def assert_clean_error(code: int, err: str, expected_code: int, *needles: str) -> str:
    """One `triage: error:` line, only `triage:` lines on stderr, no traceback; returns the error line."""
    assert "Traceback" not in err, err
    assert code == expected_code, (code, err)
    lines = [line for line in err.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("triage: error:")]
    assert len(errors) == 1, err
    assert all(line.startswith("triage: ") for line in lines), err  # no argparse usage block
    assert len(errors[0]) < 400
    for needle in needles:
        assert needle in errors[0], (needle, errors[0])
    return errors[0]


def assert_ok(code: int, err: str) -> None:
    assert "Traceback" not in err, err
    assert code == 0, (code, err)
    assert all(line.startswith("triage: ") for line in err.splitlines() if line.strip()), err


# ------------------------------------------------------------------ inputs that hold nothing usable

@pytest.mark.parametrize("command", ["report", "group"])
@pytest.mark.parametrize("target, needle", [
    ("nonexistent.log", "nonexistent.log"),
    ("nologs", "binary"),
    ("binary.bin", "binary"),
    ("empty.log", "no events"),
])
def test_unusable_input_is_one_error(work, command, target, needle):
    extra = DEPLOY if command == "report" else []
    code, out, err = triage(work, command, target, *extra)
    assert_clean_error(code, err, 1, needle)
    assert out == ""


@pytest.mark.parametrize("command", ["report", "group"])
def test_empty_stdin_is_one_error(work, command):
    extra = DEPLOY if command == "report" else []
    code, out, err = triage(work, command, "-", *extra)  # stdin is /dev/null
    assert_clean_error(code, err, 1, "no events")
    code, out, err = triage(work, command, *extra)  # no FILE and a non-terminal stdin reads stdin
    assert_clean_error(code, err, 1, "no events")


# ------------------------------------------------------------------ damaged input: what is good is still used

def test_invalid_utf8_is_repaired_and_counted(work):
    code, out, err = triage(work, "group", "badutf8.log")
    assert_ok(code, err)
    assert "invalid UTF-8" in err and "caf\ufffd" in out
    code, out, err = triage(work, "report", "badutf8.log", *DEPLOY, "--format", "json")
    assert_ok(code, err)
    doc = json.loads(out)
    assert doc["events"] == 2 and any("invalid UTF-8" in k for k in doc["load_report"]["skipped"])


def test_a_5mb_line_is_clipped_not_fatal(work):
    code, out, err = triage(work, "group", "huge.log")
    assert_ok(code, err)
    assert "longer than 64 KiB" in err and "small one" in out and len(out) < 300_000
    code, out, err = triage(work, "report", "huge.log", *DEPLOY, "--format", "json")
    assert_ok(code, err)
    assert len(out) < 300_000 and json.loads(out)["events"] == 2


def test_malformed_json_lines_are_salvaged_or_kept_as_text(work):
    code, out, err = triage(work, "report", "badjson.log", *DEPLOY, "--format", "json")
    assert_ok(code, err)
    assert "malformed JSON" in err
    doc = json.loads(out)
    # the cut-off record still has its time and level; `{{{{ not json` has nothing to salvage
    assert doc["load_report"]["skipped"] == {"malformed JSON lines (known keys salvaged)": 1,
                                             "malformed JSON lines (kept as text)": 1,
                                             "events without a readable timestamp (kept, untimed)": 1}
    templates = {s["template"]: (s["before"], s["after"]) for s in doc["signatures"]}
    assert templates["first ok"] == (1, 0) and templates["second ok"] == (0, 1)  # the good records around them


# ------------------------------------------------------------------ bad options

@pytest.mark.parametrize("args, expected, needle", [
    (["--deploy", "garbage"], 2, "bad --deploy"),
    (["--deploy", "2099-01-01"], 1, "no events near the deploy time"),
    (["--deploy", "2000-01-01"], 1, "no events near the deploy time"),
    (["--deploy", "0001-01-01"], 2, "outside the years"),
    ([*DEPLOY, "--before", "0m"], 2, "longer than zero"),
    ([*DEPLOY, "--before", "-5m"], 2, "needs '='"),
    ([*DEPLOY, "--before=-5m"], 2, "longer than zero"),
    ([*DEPLOY, "--after", "10y"], 2, "10y"),
    ([*DEPLOY, "--after", "99999999d"], 2, "at most"),
    ([*DEPLOY, "--format", "xml"], 2, "xml"),
    ([*DEPLOY, "--tz", "Mars/Olympus"], 2, "Mars/Olympus"),
    ([*DEPLOY, "--preset", "nosuch"], 1, "nosuch"),
    ([*DEPLOY, "--top", "0"], 2, "--top"),
])
def test_bad_report_options(work, args, expected, needle):
    code, out, err = triage(work, "report", "app.log", *args)
    assert_clean_error(code, err, expected, needle)
    assert out == ""


def test_deploy_outside_the_data_says_where_the_data_is(work):
    code, _, err = triage(work, "report", "app.log", "--deploy", "2099-01-01")
    line = assert_clean_error(code, err, 1)
    assert "2026-11-26 14:00..14:59Z" in line and "2098-12-31 23:00..2099-01-01 01:00Z" in line


def test_a_preset_with_a_syntax_error_names_its_file_and_line_once(work):
    code, out, err = triage(work, "report", "app.log", *DEPLOY, "--preset", "broken")
    line = assert_clean_error(code, err, 1, "broken.toml:3", "TOML")
    assert line.count("broken.toml") == 1


@pytest.mark.parametrize("args, expected, needle", [
    (["--format", "xml"], 2, "xml"),
    (["--tz", "Mars/Olympus"], 2, "Mars/Olympus"),
    (["--top", "-3"], 2, "--top"),
])
def test_bad_group_options(work, args, expected, needle):
    code, out, err = triage(work, "group", "app.log", *args)
    assert_clean_error(code, err, expected, needle)


def test_group_into_a_closed_stdout_is_one_error(work):
    code, out, err = triage(work, shell="$TRIAGE group app.log >&-")
    assert_clean_error(code, err, 1, "standard output is closed")


# ------------------------------------------------------------------ where the note goes

def test_output_into_a_missing_directory_writes_nothing(work):
    code, out, err = triage(work, "report", "app.log", *DEPLOY, "-o", "missing/dir/note.md")
    assert_clean_error(code, err, 1, "missing/dir/note.md")
    assert not (work / "missing").exists() and out == ""


@pytest.mark.parametrize("target, needle", [("", "file name"), ("nologs", "directory")])
def test_output_that_is_not_a_file_name(work, target, needle):
    code, out, err = triage(work, "report", "app.log", *DEPLOY, "-o", target)
    assert_clean_error(code, err, 2, needle)


def test_existing_output_is_refused_then_replaced_atomically_with_force(work):
    note = work / "existing.md"
    note.write_text("KEEP ME\n")
    code, out, err = triage(work, "report", "app.log", *DEPLOY, "-o", "existing.md")
    assert_clean_error(code, err, 1, "already exists", "--force")
    assert note.read_text() == "KEEP ME\n"
    inode = note.stat().st_ino
    code, out, err = triage(work, "report", "app.log", *DEPLOY, "-o", "existing.md", "--force")
    assert_ok(code, err)
    text = note.read_text()
    assert text.startswith("# Incident") and text.endswith("</sub>\n")  # the whole note, not a prefix
    assert note.stat().st_ino != inode  # renamed into place, not rewritten in place
    assert not [p.name for p in work.iterdir() if p.name.startswith(".existing.md.")]  # no temp file left


# ------------------------------------------------------------------ stdout that goes away

@pytest.mark.parametrize("line", [
    '$TRIAGE report --demo --format json | head -1; exit "${PIPESTATUS[0]}"',
    '$TRIAGE report app.log --deploy 2026-11-26T14:30Z | head -1; exit "${PIPESTATUS[0]}"',
    '$TRIAGE group app.log huge.log --format jsonl | head -1; exit "${PIPESTATUS[0]}"',
    '$TRIAGE presets list | head -1; exit "${PIPESTATUS[0]}"',
])
def test_a_reader_that_leaves_early_is_not_an_error(work, line):
    code, out, err = triage(work, shell=line)
    assert_ok(code, err)
    assert out.count("\n") == 1


def test_report_with_stdout_closed_says_so(work):
    code, _, err = triage(work, shell="$TRIAGE report app.log --deploy 2026-11-26T14:30Z >&-")
    assert_clean_error(code, err, 1, "standard output is closed", "-o")


# ------------------------------------------------------------------ presets

@pytest.mark.parametrize("args, expected, needle", [
    (["show", "nosuch"], 1, "nosuch"),
    (["show", "broken"], 1, "broken.toml:3"),
    (["show", "missing.toml"], 1, "missing.toml"),
    (["show"], 2, "name"),
    (["bogus"], 2, "bogus"),
])
def test_bad_presets_commands(work, args, expected, needle):
    code, out, err = triage(work, "presets", *args)
    assert_clean_error(code, err, expected, needle)


def test_validate_reports_the_broken_file_with_its_line(work):
    code, out, err = triage(work, "presets", "validate", "queries/broken.toml")
    assert_clean_error(code, err, 1, "1 of 1")
    assert "broken.toml:3" in out and "INVALID" in out
