"""Longer fuzz run of the file source: mutated real logs through `triage group` and `triage report`.

    python benchmarks/fuzz_files.py --runs 512 --seed 1

Each case is a seeded mutation (tests/fuzz_support.py) of one of the example logs, written to
a temp file and run through both commands in a long-lived worker process (so a run costs
milliseconds, not an interpreter start). A crash is: an exception escaping `main`, a
traceback on stderr, an exit code other than 0/1/2, or the worker dying (a signal such as
SIGSEGV; the worker is restarted and the case is reported with its seed). Prints the crash
count per mutation and the seeds to reproduce them; exits 1 if anything crashed.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from fuzz_support import mutate  # noqa: E402

CORPUS = sorted(p for p in (ROOT / "examples").iterdir() if p.suffix in (".log", ".jsonl"))
COMMANDS = (["group"], ["report", "--deploy", "2026-11-26T14:02Z"])


def run_case(path: str) -> list[str]:
    """Problems found running both commands on `path` in this process."""
    from triage.cli import main

    problems = []
    for cmd in COMMANDS:
        err = io.StringIO()
        try:
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
                code = main([*cmd, path])
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 2
        except BaseException as exc:  # noqa: BLE001 - that is what we are looking for
            problems.append(f"{cmd[0]}: {type(exc).__name__}: {str(exc)[:200]}")
            continue
        if code not in (0, 1, 2):
            problems.append(f"{cmd[0]}: exit {code}")
        if "Traceback" in err.getvalue():
            problems.append(f"{cmd[0]}: traceback on stderr")
    return problems


def worker() -> None:
    """Read case paths on stdin, answer one JSON line each."""
    for line in sys.stdin:
        problems = run_case(line.strip())
        sys.stdout.write(json.dumps(problems) + "\n")
        sys.stdout.flush()


class Worker:
    def __init__(self) -> None:
        self.proc = subprocess.Popen([sys.executable, __file__, "--worker"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, text=True, env={**os.environ, "PYTHONFAULTHANDLER": ""})

    def ask(self, path: str) -> list[str]:
        assert self.proc.stdin and self.proc.stdout
        self.proc.stdin.write(path + "\n")
        self.proc.stdin.flush()
        answer = self.proc.stdout.readline()
        if not answer:
            code = self.proc.wait()
            raise ChildProcessError(f"worker died with {code}")
        return json.loads(answer)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            assert self.proc.stdin
            self.proc.stdin.close()
        self.proc.wait(timeout=30)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=512)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        worker()
        return 0
    originals = {p: p.read_bytes() for p in CORPUS}
    crashes: Counter[str] = Counter()
    tried: Counter[str] = Counter()
    seeds: list[str] = []
    started = time.perf_counter()
    w = Worker()
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.runs):
            seed = args.seed * 1_000_003 + i
            base = CORPUS[seed % len(CORPUS)]
            data, names = mutate(seed, originals[base])
            case = Path(tmp) / f"case{base.suffix}"
            case.write_bytes(data)
            tried.update(names)
            try:
                problems = w.ask(str(case))
            except ChildProcessError as exc:
                problems = [str(exc)]
                w = Worker()
            if problems:
                crashes.update(names)
                seeds.append(f"seed {seed} ({base.name}; {'+'.join(names)}): {'; '.join(problems)}")
    w.close()
    elapsed = time.perf_counter() - started
    print(f"{args.runs} runs x {len(COMMANDS)} commands in {elapsed:.0f} s: {len(seeds)} crashing cases")
    for name in sorted(tried):
        print(f"  {name:16} {tried[name]:4} applied, {crashes[name]:3} in crashing cases")
    for line in seeds[:40]:
        print("  " + line)
    return 1 if seeds else 0


if __name__ == "__main__":
    sys.exit(main())
