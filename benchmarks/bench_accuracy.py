"""Grouping accuracy (GA, FGA) of triage.signatures on the eight loghub-2k systems.

    python benchmarks/bench_accuracy.py [--loghub ../shared/loghub] [--mode content|raw|both]
                                                  [--system HDFS] [--errors 10]

content: the ground-truth `Content` column (what published parser benchmarks use).
raw:     the raw `.log` lines through the file source's own header detection
         (triage.parsing.lineshape.parse_lines), then grouped on its `message`.
One configuration for every system. GA: a line is correct when its predicted
group's line set equals its true group's line set. FGA: F1 over exactly matched groups.
`--errors N` prints the N largest wrongly grouped true templates per system.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from triage.signatures import group_messages  # noqa: E402

SYSTEMS = ["HDFS", "Spark", "BGL", "Linux", "HealthApp", "OpenStack", "Apache", "Proxifier"]
DRAIN3_TUNED = {"HDFS": 0.998, "Spark": 0.920, "BGL": 0.963, "Linux": 0.690, "HealthApp": 0.780,
                "OpenStack": 0.733, "Apache": 1.000, "Proxifier": 0.527}


def scores(pred: list[str], truth: list[str]) -> tuple[float, float, pd.DataFrame]:
    """(GA, FGA, per-true-template table of mistakes)."""
    df = pd.DataFrame({"p": pred, "t": truth})
    t_per_p = df.groupby("p")["t"].nunique()
    p_per_t = df.groupby("t")["p"].nunique()
    ok = df["p"].map(t_per_p).eq(1) & df["t"].map(p_per_t).eq(1)
    ga = float(ok.mean())
    exact = df[ok]["t"].nunique()
    prec = exact / df["p"].nunique()
    rec = exact / df["t"].nunique()
    fga = 0.0 if exact == 0 else 2 * prec * rec / (prec + rec)
    bad = df[~ok].groupby("t").agg(lines=("p", "size"), groups=("p", "nunique")).sort_values("lines", ascending=False)
    return ga, fga, bad


def raw_messages(log: Path) -> tuple[list[str], list[int]]:
    """Messages from the raw lines via the source's header detection, and the event index of each line."""
    from triage.parsing.lineshape import parse_lines

    lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
    events = parse_lines(lines, source=str(log))
    firsts = events["line"].astype("int64").tolist()
    owner, j = [], 0
    for n in range(1, len(lines) + 1):
        while j + 1 < len(firsts) and firsts[j + 1] <= n:
            j += 1
        owner.append(j)
    return events["message"].fillna("").tolist(), owner


def run_system(root: Path, system: str, mode: str, show: int) -> tuple[float, float, float]:
    d = pd.read_csv(root / system / f"{system}_2k.log_structured_corrected.csv", dtype=str, keep_default_na=False)
    truth = d["EventTemplate"].tolist()
    t0 = time.perf_counter()
    if mode == "content":
        ids = group_messages(d["Content"].tolist()).ids.to_pylist()
        pred, msgs = ids, d["Content"].tolist()
    else:
        messages, owner = raw_messages(root / system / f"{system}_2k.log")
        ids = group_messages(messages).ids.to_pylist()
        pred = [ids[k] for k in owner]
        msgs = [messages[k] for k in owner]
    dt = time.perf_counter() - t0
    ga, fga, bad = scores(pred, truth)
    if show:
        g = group_messages(msgs)
        for t, row in bad.head(show).iterrows():
            idx = [i for i, x in enumerate(truth) if x == t]
            preds = sorted({pred[i] for i in idx})
            print(f"   [{system}] {row['lines']:4d} lines in {row['groups']} groups  truth: {t[:110]}")
            for p in preds[:3]:
                members = [i for i, x in enumerate(pred) if x == p]
                other = len({truth[i] for i in members})
                print(f"        -> {g.templates.get(p, '?')[:110]!r}  ({len(members)} lines, {other} truths)")
    return ga, fga, dt


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--loghub", default=str(Path(__file__).resolve().parents[1] / ".." / "shared" / "loghub"))
    ap.add_argument("--mode", choices=["content", "raw", "both"], default="both")
    ap.add_argument("--system", action="append", help="only this system (repeatable)")
    ap.add_argument("--errors", type=int, default=0, metavar="N", help="show the N worst true templates")
    a = ap.parse_args(argv)
    root = Path(a.loghub)
    if not root.is_dir():
        print(f"loghub directory not found: {root} (use --loghub PATH)", file=sys.stderr)
        return 2
    systems = a.system or SYSTEMS
    modes = ["content", "raw"] if a.mode == "both" else [a.mode]
    for mode in modes:
        print(f"\n{mode} mode")
        print(f"{'system':<10} {'GA':>6} {'FGA':>6}  {'Drain3 tuned GA':>15}  {'time':>7}")
        gas, fgas = [], []
        for s in systems:
            try:
                ga, fga, dt = run_system(root, s, mode, a.errors)
            except ImportError as e:
                print(f"{s:<10} skipped: {e}")
                continue
            gas.append(ga)
            fgas.append(fga)
            print(f"{s:<10} {ga:6.3f} {fga:6.3f}  {DRAIN3_TUNED.get(s, float('nan')):15.3f}  {dt * 1000:5.0f}ms")
        if gas:
            print(f"{'average':<10} {sum(gas) / len(gas):6.3f} {sum(fgas) / len(fgas):6.3f}  {0.826:15.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
