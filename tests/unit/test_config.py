"""The defaults file (triage/config.py): command line > preset > config file > built-in, and a bad
file is one clear `file:line: key` error with exit 2 (never ignored, never a traceback)."""

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest

from triage.cli import main

DEPLOY = datetime(2026, 5, 4, 10, 0, tzinfo=timezone.utc)
ARGS = ["--deploy", "2026-05-04T10:00:00Z"]


@pytest.fixture
def home(tmp_path, monkeypatch):
    """A config dir of our own and a small log with errors on both sides of the deploy."""
    config = tmp_path / "config"
    config.mkdir()
    monkeypatch.setenv("TRIAGE_CONFIG_DIR", str(config))
    monkeypatch.chdir(tmp_path)
    lines = []
    for s in range(-7200, 7200, 20):
        t = DEPLOY + timedelta(seconds=s)
        lines.append(f"{t:%Y-%m-%dT%H:%M:%S}Z {'ERROR' if s % 60 == 0 else 'INFO'} api - request {s % 7}")
    (tmp_path / "app.log").write_text("\n".join(lines) + "\n")
    return config


def _write(config, text):
    (config / "config.toml").write_text(text)


def _windows(capsys, *extra):
    code = main(["report", "app.log", *ARGS, "--format", "json", *extra])
    out, err = capsys.readouterr()
    assert code == 0, err
    w = json.loads(out)["windows"]
    return w["before_minutes"], w["after_minutes"]


def test_config_windows_apply_when_the_command_line_says_nothing(home, capsys):
    assert _windows(capsys) == (30, 30)  # no file: built-in defaults
    _write(home, 'before = "45m"\nafter = "10m"\n')
    assert _windows(capsys) == (45, 10)
    assert _windows(capsys, "--before", "20m") == (20, 10)  # the command line wins


def test_a_preset_wins_over_the_config_file(home, capsys):
    _write(home, 'before = "45m"\nafter = "10m"\n')
    (home / "queries").mkdir()
    (home / "queries" / "short.toml").write_text('source = "files"\n[window]\nbefore = "5m"\n')
    assert _windows(capsys, "--preset", "short") == (5, 10)


def test_config_zone_is_used_for_display_unless_tz_is_given(home, capsys):
    _write(home, 'tz = "Asia/Tokyo"\n')
    assert main(["report", "app.log", *ARGS]) == 0
    assert "19:00" in capsys.readouterr().out  # 10:00Z shown in Tokyo time
    assert main(["report", "app.log", *ARGS, "--tz", "UTC"]) == 0
    out = capsys.readouterr().out
    assert "10:00" in out and "19:00" not in out


def test_config_path_and_show(home, capsys):
    assert main(["config", "path"]) == 0
    assert capsys.readouterr().out.strip() == str(home / "config.toml")
    _write(home, '# mine\nexport_dir = "~/incidents"\nbefore = "1h"\n')
    assert main(["config", "show"]) == 0
    out = capsys.readouterr().out
    assert f"export_dir = {os.path.expanduser('~/incidents')}  (line 2)" in out
    assert "before = 60m  (line 3)" in out and "after = 30m  (built-in)" in out


BAD = [
    ('tz = "UTC"\nbefor = "1h"\n', ":2: key 'befor': unknown key"),
    ('before = "0"\n', ":1: key 'before': a window must be longer than zero"),
    ('after = "soon"\n', ":1: key 'after': bad window length"),
    ('before = 30\n', ":1: key 'before': expected a non-empty string, got an integer"),
    ('tz = "Mars/Olympus_Mons"\n', ":1: key 'tz': "),
    ('before = "1h\n', "TOML syntax error"),
]


@pytest.mark.parametrize("text,message", BAD, ids=[b[1] for b in BAD])
def test_a_bad_config_file_is_one_clear_error_with_exit_2(home, capsys, text, message):
    _write(home, text)
    assert main(["report", "app.log", *ARGS]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"triage: error: {home / 'config.toml'}") and message in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert main(["config", "show"]) == 2
    assert message in capsys.readouterr().err
    assert main(["--help"]) == 0  # help never reads the file


def test_through_the_real_command_an_unknown_theme_is_refused_before_the_app_starts(home):
    _write(home, 'theme = "no-such-theme"\n')
    done = subprocess.run([sys.executable, "-m", "triage", "demo"], capture_output=True, text=True, timeout=60,
                          stdin=subprocess.DEVNULL, env=dict(os.environ, TRIAGE_CONFIG_DIR=str(home)))
    assert done.returncode == 2
    assert "config.toml:1: key 'theme': unknown theme 'no-such-theme' (known: " in done.stderr
    assert "textual-dark" in done.stderr and "Traceback" not in done.stderr
