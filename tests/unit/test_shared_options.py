"""`triage open` and `triage report` share their incident options (triage/commands/options.py):
the same bad value fails the same way on both, through the real command line."""

import os
import subprocess
import sys

import pytest

CASES = [
    (["--before", "0"], "longer than zero"),
    (["--before=-5m"], "longer than zero"),
    (["--after", "99999999d"], "at most 366 days"),
    (["--after", "soon"], "bad window length"),
    (["--tz", "Mars/Olympus_Mons"], "Mars/Olympus_Mons"),
    (["--deploy", "the day after"], "bad --deploy"),
    (["--metrics", "no-such-metrics.csv"], "--metrics: no such file"),
]


def _triage(*argv, cwd):
    env = dict(os.environ, TERM="dumb")
    done = subprocess.run([sys.executable, "-m", "triage", *argv], cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=60)
    return done.returncode, done.stdout, done.stderr


@pytest.mark.parametrize("extra,message", CASES, ids=[" ".join(c[0]) for c in CASES])
def test_open_and_report_refuse_the_same_bad_option_the_same_way(tmp_path, extra, message):
    (tmp_path / "app.log").write_text("2026-05-04T10:00:00Z ERROR boom\n2026-05-04T10:01:00Z INFO ok\n")
    errors = {}
    for command in ("open", "report"):
        argv = [command, "app.log", "--deploy", "2026-05-04T10:00:30Z", *extra]
        code, out, err = _triage(*argv, cwd=tmp_path)
        assert code == 2, (command, err)
        assert out == ""
        assert err.startswith("triage: error: ") and err.count("\n") == 1 and "Traceback" not in err
        assert message in err, (command, err)
        errors[command] = err.replace(f"triage {command}", "triage CMD").replace(f"error: {command}: ", "error: ")
    assert errors["open"] == errors["report"]
