"""Headless progress: a live line on a terminal's stderr, nothing when stderr is redirected."""

import io
import os
import pty
import subprocess
import sys
from pathlib import Path

from triage.commands.progress_line import ProgressLine

LOG = "".join(f"2026-11-26T14:{m:02d}:00Z {'ERROR db down' if m % 3 else 'INFO ok'}\n" for m in range(60))


class Tty(io.StringIO):
    def isatty(self):
        return True


def test_draws_in_place_throttled_and_wipes_itself():
    now = [0.0]
    out = Tty()
    line = ProgressLine(out, clock=lambda: now[0])
    line(0, 200, "reading app.log")
    line(50, 200, "reading app.log")  # same instant: skipped
    now[0] = 1.0
    line(100, 200, "reading \x1b[31mevil\x1b[0m\nname")
    line.close()
    text = out.getvalue()
    assert text.count("\r\x1b[K") == 3 and "triage:   0% reading app.log" in text and "25%" not in text
    assert "triage:  50% reading  [31mevil [0m name" in text  # control characters never reach the terminal
    assert text.endswith("\r\x1b[K")


def test_silent_when_not_a_terminal():
    out = io.StringIO()
    line = ProgressLine(out)
    line(1, 2, "reading")
    line.close()
    assert out.getvalue() == ""


def _report(tmp_path: Path, stderr):
    log = tmp_path / "app.log"
    log.write_text(LOG)
    env = dict(os.environ, PYTHONPATH=os.getcwd())
    cmd = [sys.executable, "-m", "triage", "report", str(log), "--deploy", "2026-11-26T14:30Z", "-o", str(tmp_path / "n.md"), "--force"]
    return subprocess.run(cmd, stderr=stderr, stdout=subprocess.DEVNULL, env=env, timeout=120)


def test_report_shows_progress_on_a_terminal_and_not_in_a_pipe(tmp_path):
    master, slave = pty.openpty()
    try:
        proc = _report(tmp_path, slave)
        os.close(slave)
        seen = b""
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO once the child side is closed
                break
            if not chunk:
                break
            seen += chunk
    finally:
        os.close(master)
    assert proc.returncode == 0
    assert b"% reading" in seen and b"%" in seen and b"\r\x1b[K" in seen
    piped = _report(tmp_path, subprocess.PIPE)
    assert piped.returncode == 0 and b"reading" not in piped.stderr and b"\r" not in piped.stderr
