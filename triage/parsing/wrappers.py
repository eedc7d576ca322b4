"""Container log wrappers (Kubernetes CRI files, `docker compose logs`) peeled off before parsing.

`/var/log/containers/*.log` lines look like `2026-11-26T14:02:07.1Z stderr F <the app's own line>`.
Parsing the app's line, not the wrapper, is what finds its level, its JSON fields, and the
stack-trace lines that belong together. The wrapper's time and service fill in where the app's
line has none.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from triage.parsing import logtime
from triage.parsing.textshapes import ISO_TS, slice_from

WRAPPERS = (
    ("cri", rf"^(?P<whole>(?P<ts>{ISO_TS}) (?:stdout|stderr) [FP] )"),
    ("compose", r"^(?P<whole>(?P<service>[A-Za-z0-9][\w.-]*) +\| )"),
)
MIN_SHARE = 0.5  # of a sample of lines, before an input counts as wrapped


@dataclass
class Outer:
    ts: pd.Series  # the wrapper's time per line (NaT where none)
    service: pa.Array | None  # the compose service per line


def unwrap(clean: pa.Array, sample: pa.Array, *, tz=None, now=None) -> tuple[pa.Array, Outer | None]:
    """Lines without their wrapper (when most of `sample` is wrapped), and what the wrapper said."""
    if len(sample) == 0:
        return clean, None
    for _name, pattern in WRAPPERS:
        hits = pc.sum(pc.match_substring_regex(sample, pattern)).as_py() or 0
        if hits < MIN_SHARE * len(sample):
            continue
        st = pc.extract_regex(clean, pattern)
        ok = pc.is_valid(st)
        starts = np.asarray(pc.fill_null(pc.utf8_length(st.field("whole")), 0).to_numpy(zero_copy_only=False), dtype=np.int64)
        starts[~np.asarray(ok.to_numpy(zero_copy_only=False), dtype=bool)] = 0
        ts = pd.Series(pd.NaT, index=range(len(clean)), dtype=logtime.TS_DTYPE)
        if "ts" in st.type.names:
            text = pc.if_else(pc.equal(st.field("ts"), ""), pa.scalar(None, pa.string()), st.field("ts"))
            ts = logtime.parse_timestamps(text, "iso", tz=tz, now=now)
        service = None
        if "service" in st.type.names:
            service = pc.if_else(pc.equal(st.field("service"), ""), pa.scalar(None, pa.string()), st.field("service"))
        return slice_from(clean, starts), Outer(ts, service)
    return clean, None


def fill(events: pd.DataFrame, outer: Outer, first: np.ndarray) -> None:
    """Wrapper time and service where the app's own line had none (in place)."""
    ts = outer.ts.iloc[first].reset_index(drop=True)
    events["timestamp"] = events["timestamp"].fillna(ts).astype(logtime.TS_DTYPE)
    if outer.service is not None:
        service = pd.Series(outer.service.take(pa.array(first)), dtype=events["service"].dtype)
        events["service"] = events["service"].fillna(service)
