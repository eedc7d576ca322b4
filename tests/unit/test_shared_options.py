"""`triage open` and `triage report` share their incident options (triage/commands/options.py):
the same bad value fails the same way on both, through the real command line."""

import json
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
DEPLOY = ["app.log", "--deploy", "2026-05-04T10:00:30Z"]

# Every case through main() in one fresh interpreter per command (stdin not a terminal, as in CI),
# each call's stderr captured on its own.
PROBE = """
import contextlib, io, json, sys
from triage.cli import main
out = []
for argv in json.loads(sys.argv[1]):
    with contextlib.redirect_stderr(io.StringIO()) as err, contextlib.redirect_stdout(io.StringIO()) as std:
        code = main(argv)
    out.append([code, std.getvalue(), err.getvalue()])
print(json.dumps(out))
"""


@pytest.fixture
def logdir(tmp_path):
    (tmp_path / "app.log").write_text("2026-05-04T10:00:00Z ERROR boom\n2026-05-04T10:01:00Z INFO ok\n")
    return tmp_path


def _run(args, cwd):
    done = subprocess.run([sys.executable, *args], cwd=cwd, env=dict(os.environ, TERM="dumb"),
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)
    return done


def _normalised(err: str, command: str) -> str:
    return err.replace(f"triage {command}", "triage CMD").replace(f"error: {command}: ", "error: ")


@pytest.mark.parametrize("command", ["open", "report"])
def test_before_zero_is_refused_by_the_real_command(logdir, command):
    done = _run(["-m", "triage", command, *DEPLOY, "--before", "0"], logdir)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith("triage: error: ") and done.stderr.count("\n") == 1
    assert "longer than zero" in done.stderr and "Traceback" not in done.stderr


def test_open_and_report_refuse_every_bad_option_the_same_way(logdir):
    results = {}
    for command in ("open", "report"):
        argvs = [[command, *DEPLOY, *extra] for extra, _ in CASES]
        done = _run(["-c", PROBE, json.dumps(argvs)], logdir)
        assert done.returncode == 0, done.stderr
        results[command] = json.loads(done.stdout)
    for i, (extra, message) in enumerate(CASES):
        errors = []
        for command in ("open", "report"):
            code, out, err = results[command][i]
            assert code == 2 and out == "", (command, extra, err)
            assert err.startswith("triage: error: ") and err.count("\n") == 1 and message in err, (command, extra, err)
            errors.append(_normalised(err, command))
        assert errors[0] == errors[1], extra
