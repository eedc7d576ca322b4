"""A realistic, deterministic incident generated on the fly (no network): `triage report --demo`.

The story is in triage.demo.scenario; lines are generated in triage.demo.streams and
parsed by the same line-shape parser files go through, one pass per stream.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import numpy as np
import pandas as pd

from triage.demo.metrics import demo_metrics
from triage.demo.scenario import DEMO_DEPLOY, DEMO_VERSION, HOSTS, PREVIOUS_VERSION
from triage.demo.streams import all_streams
from triage.events import STR, LoadReport, LoadResult, Progress, empty_events

__all__ = ["DemoSource", "DEMO_DEPLOY", "DEMO_VERSION", "PREVIOUS_VERSION", "demo_incident", "HOSTS"]

DEMO_TITLE = f"demo: checkout/payments after {DEMO_VERSION}"


class DemoSource:
    """Source protocol implementation over the generated streams (kind "demo")."""

    kind = "demo"

    def __init__(self, seed: int | None = None):
        self.seed = seed

    def describe(self) -> str:
        return "demo: gateway, checkout, payments, worker logs (generated, 10 hosts)"

    def queries(self) -> list[str]:
        return []

    def load(self, start: datetime | None, end: datetime | None, progress: Progress) -> LoadResult:
        progress.update(done=0, total=None, message="generating demo logs")
        streams = all_streams() if self.seed is None else all_streams(self.seed)
        total = sum(len(lines) for _, lines, _ in streams)
        report = LoadReport()
        frames, done = [], 0
        # Two streams at a time: Arrow's kernels release the GIL, so this saves wall time.
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="demo-parse") as pool:
            for (service, lines, _), (events, part) in zip(streams, pool.map(_parse_stream, streams)):
                progress.check()
                report.merge(part)
                frames.append(events)
                done += len(lines)
                progress.update(done=done, total=total, message=f"parsed {service}")
        events = pd.concat(frames, ignore_index=True) if frames else empty_events()
        metrics = demo_metrics()
        events, metrics = _clip(events, "timestamp", start, end), _clip(metrics, "timestamp", start, end)
        return LoadResult(events=events, metrics=metrics, report=report, description=self.describe())


def _parse_stream(stream) -> tuple[pd.DataFrame, LoadReport]:
    """One service's lines through the file parser, then its service and per-line host."""
    from triage.parsing.lineshape import parse_lines

    service, lines, hosts = stream
    report = LoadReport()
    events = parse_lines(lines, source=f"demo/{service}.log", report=report)
    line_no = events["line"].astype("float64").fillna(1).to_numpy().astype(np.int64) - 1
    host_of_line = np.asarray(hosts, dtype=object)
    events["service"] = pd.Series([service] * len(events), dtype=STR, index=events.index)
    events["host"] = pd.Series(host_of_line[np.clip(line_no, 0, len(hosts) - 1)], dtype=STR, index=events.index)
    return events, report


def _clip(frame: pd.DataFrame, col: str, start, end) -> pd.DataFrame:
    mask = pd.Series(True, index=frame.index)
    if start is not None:
        mask &= frame[col] >= pd.Timestamp(start)
    if end is not None:
        mask &= frame[col] <= pd.Timestamp(end)
    return frame if bool(mask.all()) else frame[mask].reset_index(drop=True)


def demo_incident(progress: Progress | None = None, *, before: timedelta = timedelta(minutes=30),
                  after: timedelta = timedelta(minutes=30)):
    """The demo as an Incident, ready for analyze()."""
    from triage.pipeline import load_incident

    return load_incident(DemoSource(), deploy=DEMO_DEPLOY, before=before, after=after,
                         version=DEMO_VERSION, title=DEMO_TITLE, progress=progress)
