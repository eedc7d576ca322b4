"""`triage --help`, `--version` and a sub-command's `--help` stay fast: they must not import the
heavy libraries (pandas, pyarrow, numpy, boto3, textual, the Elasticsearch clients). The speed
itself is measured by benchmarks/bench_startup.py; this keeps the cause from coming back."""

import json
import os
import subprocess
import sys

HEAVY = ("pandas", "pyarrow", "numpy", "boto3", "botocore", "textual", "rich", "elasticsearch", "opensearchpy",
         "urllib3", "shtab")

PROBE = """
import contextlib, io, json, sys
from triage.cli import main
codes = []
for argv in {argvs!r}:
    with contextlib.redirect_stdout(io.StringIO()) as out:
        codes.append((argv, main(argv), len(out.getvalue())))
loaded = sorted({{name.split(".")[0] for name in sys.modules}} & set({heavy!r}))
print(json.dumps({{"codes": codes, "loaded": loaded}}))
"""


def _probe(*argvs):
    code = PROBE.format(argvs=[list(a) for a in argvs], heavy=HEAVY)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          env=dict(os.environ, COLUMNS="100"))
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_help_and_version_import_none_of_the_heavy_libraries():
    got = _probe(["--help"], ["--version"], ["report", "--help"], ["open", "--help"], ["group", "--help"],
                 ["presets", "--help"])
    assert got["loaded"] == []
    for argv, code, printed in got["codes"]:
        assert code == 0 and printed > (10 if argv == ["--version"] else 300), argv  # it really was printed


def test_a_usage_error_is_just_as_light():
    got = _probe(["report", "--before", "0"], ["no-such-command"])
    assert [code for _, code, _ in got["codes"]] == [2, 2]
    assert got["loaded"] == []
