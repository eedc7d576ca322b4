"""Inputs that once crashed `triage group`/`report`, and a bounded fuzz of the file source.

Each class found by fuzzing (issue 16) must load what is readable, count what was skipped
or repaired in one warning line, and exit 0: never a traceback, never a signal.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fuzz_support import mutate
from triage.cli import main
from triage.events import LoadReport, to_ns
from triage.parsing import jsonlines
from triage.parsing.levels import level_of
from triage.parsing.lineshape import parse_lines

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
GOOD = '{"ts":"2026-11-26T14:%02d:00Z","level":"error","msg":"good record %d"}'


def _hostile_lines() -> list[str]:
    deep_obj = '{"a":' * 10_000 + "1" + "}" * 10_000
    deep_arr = "[" * 10_000 + "]" * 10_000
    return [
        "0001-01-01T00:00:00Z ERROR api - year one",
        "9999-12-31 23:59:59 ERROR api - year 9999",
        "0001/01/01 00:00:00 WARN api - slashes, year one",
        "9999/12/31 23:59:59.123 WARN api - slashes, year 9999",
        '{"ts":"0001-01-01T00:00:00Z","level":"error","msg":"json year one"}',
        '{"ts":"9999-12-31T23:59:59Z","level":"error","msg":"json year 9999"}',
        '{"ts":99999999999999999,"level":"error","msg":"epoch far future"}',
        '{"ts":"2026-11-26T14:10:00Z","level":Infinity,"msg":"level infinity"}',
        '{"ts":"2026-11-26T14:10:01Z","level":NaN,"msg":"level nan"}',
        '{"ts":"2026-11-26T14:10:02Z","level":-Infinity,"msg":"level minus infinity"}',
        '{"ts":"2026-11-26T14:10:03Z","level":"error","msg":"lone \\ud800 surrogate"}',
        '{"ts":"2026-11-26T14:10:04Z","level":"error","msg":"low \\udfff first"}',
        '{"ts":"2026-11-26T14:10:05Z","level":"error","msg":"deep object","d":' + deep_obj + "}",
        '{"ts":"2026-11-26T14:10:06Z","level":"error","msg":"deep array","d":' + deep_arr + "}",
        deep_obj,
        deep_arr,
    ]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("fuzz") / "hostile.log"
    lines = [GOOD % (i, i) for i in range(5)] + _hostile_lines() + [GOOD % (40 + i, 40 + i) for i in range(5)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "triage", *args], capture_output=True, text=True, timeout=120,
                          env=dict(os.environ, PYTHONIOENCODING="utf-8", COLUMNS="120"), stdin=subprocess.DEVNULL)


def test_group_loads_hostile_lines_with_one_counted_warning(hostile):
    proc = _run("group", str(hostile), "--format", "jsonl")
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    warnings = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(warnings) == 1 and warnings[0].startswith("triage: warning: skipped or repaired:")
    assert "nested deeper than 32 levels" in warnings[0] and "lone UTF-16 surrogate" in warnings[0]
    assert "without a readable timestamp" in warnings[0]
    events = [json.loads(line) for line in proc.stdout.splitlines()]
    messages = [e["message"] for e in events]
    assert len(events) == 10 + len(_hostile_lines())  # nothing dropped
    assert all(f"good record {i}" in messages for i in (0, 4, 40, 44))
    by_msg = {e["message"]: e for e in events}
    assert by_msg["json year one"]["timestamp"] is None and by_msg["json year one"]["level"] == "error"
    assert by_msg["level infinity"]["level"] == "info" and by_msg["level infinity"]["timestamp"].startswith("2026-11-26T14:10")
    assert "lone \ufffd surrogate" in messages
    assert by_msg["deep array"]["level"] == "error"
    assert by_msg["year one"]["timestamp"] is None


def test_report_on_hostile_lines_exits_zero(hostile):
    proc = _run("report", str(hostile), "--deploy", "2026-11-26T14:20Z", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["events"] == 10 + len(_hostile_lines())
    assert any("nested deeper" in k for k in doc["load_report"]["skipped"])


# ------------------------------------------------------------------ the mechanisms, one by one

def test_bound_depth_replaces_only_what_is_too_deep():
    line = '{"a":' * 40 + '"x"' + "}" * 40
    bounded = jsonlines.bound_depth(line, limit=3)
    assert json.loads(bounded) == {"a": {"a": {"a": "…(nested too deep)"}}}
    shallow = '{"a":[1,{"b":"[[[[ not brackets }}}"}]}'
    assert jsonlines.bound_depth(shallow, limit=3) == shallow  # brackets inside strings do not count


def test_make_safe_counts_and_repairs():
    lines = pa.array(['{"m":"ok"}', '{"m":"\\ud800"}', '{"m":"pair \\ud83d\\ude00"}', '{"m":"escaped \\\\ud800"}',
                      '{"d":' + "[" * 100 + "]" * 100 + "}", None])
    fixed, deep, lone = jsonlines.make_safe(lines)
    assert (deep, lone) == (1, 1)
    values = fixed.to_pylist()
    assert json.loads(values[1])["m"] == "\ufffd"
    assert json.loads(values[2])["m"] == "pair \U0001F600"  # a valid pair is untouched
    assert json.loads(values[3])["m"] == "escaped \\ud800"  # an escaped backslash is not an escape
    assert json.loads(values[4]) == {"d": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["…(nested too deep)"]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}
    assert values[5] is None


def test_salvage_reads_known_keys_of_a_cut_off_record():
    rec = jsonlines.salvage_record('{"@timestamp":"2026-11-26T14:00:00Z","log":{"level":"warn"},"message":"cut off her')
    assert rec["ts"] == "2026-11-26T14:00:00Z" and rec["level"] == "warn" and rec["msg"] == "cut off her"
    assert jsonlines.salvage_record("{{{{ not json") is None


@pytest.mark.parametrize("value", [float("inf"), float("-inf"), float("nan"), 1e308, -1, True, "NaN", "Infinity"])
def test_level_of_never_raises(value):
    assert level_of(value) in (None, "debug", "info", "warn", "error", "fatal")


def test_to_ns_turns_out_of_range_times_into_nat():
    s = pd.to_datetime(pd.Series(["0001-01-01T00:00:00Z", "2026-11-26T14:00:00Z", "9999-12-31T00:00:00Z"]), utc=True,
                       format="ISO8601")
    out = to_ns(s)
    assert str(out.dtype) == "datetime64[ns, UTC]"
    assert out.isna().tolist() == [True, False, True]


def test_parse_lines_mixed_years_keeps_every_line():
    report = LoadReport()
    df = parse_lines(["1066-10-14 09:00:00 ERROR hastings", "2026-11-26 14:00:00 ERROR today", "2263-01-01 00:00:00 INFO later"],
                     report=report)
    assert df["message"].str.contains("hastings|today|later").all() and len(df) == 3
    assert df["timestamp"].notna().tolist() == [False, True, False]


# ------------------------------------------------------------------ bounded fuzz of the file source

CORPUS = {p.name: p.read_bytes() for p in sorted(EXAMPLES.glob("*.log")) + sorted(EXAMPLES.glob("*.jsonl"))}


def _in_process(path: Path, *args: str) -> int:
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        try:
            code = main([*args, str(path)])
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 2
    assert "Traceback" not in err.getvalue()
    return code


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(min_value=0, max_value=2**32), name=st.sampled_from(sorted(CORPUS)))
def test_mutated_example_logs_never_crash(tmp_path, seed, name):
    data, _ = mutate(seed, CORPUS[name])
    path = tmp_path / f"case{Path(name).suffix}"
    path.write_bytes(data)
    assert _in_process(path, "group") in (0, 1)
    assert _in_process(path, "report", "--deploy", "2026-11-26T14:02Z") in (0, 1)

