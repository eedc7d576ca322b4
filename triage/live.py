"""Follow mode: the incident keeps growing while the engineer watches a rollback or hotfix land.

A follower returns the events that arrived since its last poll: `FileFollower` reads
what was appended to a local file (a pipe is copied to one first), `PollFollower`
asks any Source for the time since its last event (CloudWatch, Elasticsearch).
`LiveIncident.step()` gives the new events the signatures their kind already had
(same masked key -> same id; only never-seen keys are grouped anew), appends them and
stretches the after window to the newest event. The analysis arrays of the grown
incident are the old ones extended by the new events (`triage.analysis.extend_prepared`),
not rebuilt over everything. No Textual import: the app calls `step()` from a worker.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from triage.events import EVENT_COLUMNS, STR, LoadReport, Progress
from triage.pipeline import Incident

POLL_SECONDS = 0.25
REMOTE_POLL_SECONDS = 10.0
REMOTE_OVERLAP = timedelta(minutes=2)  # remote stores index late; re-ask this far back, drop what was seen
READ_LIMIT = 8 << 20  # at most this much per poll so one step stays short after a burst


class FileFollower:
    """What was appended to one local file since (offset, line); truncation starts it over."""

    def __init__(self, path: str, offset: int, line: int, *, content: bool = False, tz=None):
        from triage.sources.filestream import RecordStream

        self.path, self.offset = path, offset
        self.inode = _inode(path)
        self.records = RecordStream(path, content=content, tz=tz, line=line)
        self.report = self.records.report

    def poll(self) -> pd.DataFrame | None:
        from triage.sources.filestream import RecordStream

        try:
            st = os.stat(self.path)
        except OSError:
            return None  # rotated away for a moment; the next poll looks again
        size = st.st_size
        if size < self.offset or st.st_ino != self.inode:  # truncated or rotated: the new file from its start
            what = "truncated" if st.st_ino == self.inode else "replaced (rotated)"
            self.report.notes.append(f"{self.path} was {what}; following it from its start")
            self.offset, self.inode = 0, st.st_ino
            self.records = RecordStream(self.path, content=self.records.content, tz=self.records.tz, report=self.report)
        if size == self.offset:
            return self.records.flush()  # quiet: what is held back is complete
        with open(self.path, "rb") as fh:
            fh.seek(self.offset)
            data = fh.read(min(size - self.offset, READ_LIMIT))
        self.offset += len(data)
        return self.records.feed(data)


def _inode(path: str) -> int | None:
    try:
        return os.stat(path).st_ino
    except OSError:
        return None


class PollFollower:
    """Any Source asked again for [last event - overlap, now]; events already seen are dropped."""

    interval = REMOTE_POLL_SECONDS

    def __init__(self, source, since: datetime, *, clock=lambda: datetime.now(timezone.utc)):
        self.source, self.since, self.clock = source, since, clock
        self.report = LoadReport()
        self._seen: set[int] = set()  # hashes of events seen; grows with the session (one int per event)

    def prime(self, events: pd.DataFrame) -> None:
        """The events already loaded: asked for again in the overlap, they are not new."""
        self._fresh(events)

    def _fresh(self, events: pd.DataFrame) -> np.ndarray:
        keys = pd.util.hash_pandas_object(events[["timestamp", "raw", "source"]].astype(str), index=False).to_numpy()
        fresh = np.array([int(k) not in self._seen for k in keys], dtype=bool)
        self._seen.update(int(k) for k in keys)
        return fresh

    def poll(self) -> pd.DataFrame | None:
        start, end = self.since - REMOTE_OVERLAP, self.clock()
        result = self.source.load(start, end, Progress())
        events = result.events
        for note in result.report.notes:
            if note not in self.report.notes:
                self.report.notes.append(note)
        if not len(events):
            return None
        fresh = self._fresh(events)
        newest = events["timestamp"].max()
        if pd.notna(newest):
            self.since = max(self.since, newest.to_pydatetime())
        return events[fresh].reset_index(drop=True)


@dataclass
class SignatureMemory:
    """Masked message key -> (signature, template) of the events already grouped.

    Grouping merges templates over a whole batch; a live line on its own would not
    know which slots vary. Its masked key (a per-message regex pass) is looked up
    instead, so a known kind of line keeps its id and its row in the table.
    """

    keys: dict[str, tuple[str, str]] = field(default_factory=dict)

    @classmethod
    def learn(cls, events: pd.DataFrame) -> SignatureMemory:
        memory = cls()
        memory.remember(events)
        return memory

    def remember(self, events: pd.DataFrame) -> None:
        if not len(events):
            return
        from triage.signatures.masking import key_mask_array
        from triage.signatures.textin import to_string_array

        keys = key_mask_array(to_string_array(events["message"]))
        table = pa.table({"k": keys, "s": _arrow(events["signature"]), "t": _arrow(events["template"])})
        first = table.group_by("k", use_threads=False).aggregate([("s", "first"), ("t", "first")])
        for k, s, t in zip(first["k"].to_pylist(), first["s_first"].to_pylist(), first["t_first"].to_pylist()):
            self.keys.setdefault(k, (s, t))

    def assign(self, events: pd.DataFrame) -> pd.DataFrame:
        """`events` with `signature` and `template`: known keys reuse theirs, the rest are grouped together."""
        from triage.signatures import group_messages
        from triage.signatures.masking import key_mask_array
        from triage.signatures.textin import to_string_array

        out = events.copy()
        if not len(events):
            out["signature"] = pd.Series([], dtype=STR)
            out["template"] = pd.Series([], dtype=STR)
            return out
        keys = key_mask_array(to_string_array(events["message"])).to_pylist()
        sig = [self.keys.get(k, (None, None))[0] for k in keys]
        tpl = [self.keys.get(k, (None, None))[1] for k in keys]
        unknown = [i for i, s in enumerate(sig) if s is None]
        if unknown:
            g = group_messages(events["message"].iloc[unknown])
            ids, shown = g.ids.to_pylist(), g.template_array().to_pylist()
            for j, i in enumerate(unknown):
                sig[i], tpl[i] = ids[j], shown[j]
                self.keys.setdefault(keys[i], (ids[j], shown[j]))
        out["signature"] = pd.Series(sig, index=events.index, dtype=STR)
        out["template"] = pd.Series(tpl, index=events.index, dtype=STR)
        return out


def _arrow(series: pd.Series) -> pa.Array:
    arr = pa.array(series.astype(object).where(series.notna(), ""), pa.string())
    return pc.fill_null(arr, "")


class LiveIncident:
    """An incident plus its followers; `step()` returns the grown incident, or None when nothing came."""

    def __init__(self, incident: Incident, followers: list, *, interval: float | None = None):
        for f in followers:
            if hasattr(f, "prime"):
                f.prime(incident.events[incident.events["timestamp"] >= pd.Timestamp(f.since - REMOTE_OVERLAP)])
        self.incident = incident
        self.followers = followers
        self.interval = interval if interval is not None else min((getattr(f, "interval", POLL_SECONDS) for f in followers), default=POLL_SECONDS)
        self.memory = SignatureMemory.learn(incident.events)
        self.base_after = incident.after
        self.lock = threading.Lock()
        self.arrived = 0  # events appended since the load

    def step(self) -> Incident | None:
        with self.lock:
            new = [df for df in (f.poll() for f in self.followers) if df is not None and len(df)]
            if not new:
                return None
            events = pd.concat(new, ignore_index=True) if len(new) > 1 else new[0]
            events = self.memory.assign(events[list(EVENT_COLUMNS)])
            inc = self.incident
            grown = _compact(pd.concat([inc.events, events], ignore_index=True))
            self.arrived += len(events)
            report = LoadReport()
            report.merge(inc.report)
            for f in self.followers:
                for note in f.report.notes:
                    if note not in report.notes:
                        report.notes.append(note)
            self.incident = replace(inc, events=grown, after=self.after_for(grown), report=report)
            self._extend_prepared(inc, self.incident)
            return self.incident

    def _extend_prepared(self, old: Incident, new: Incident) -> None:
        """The analysis arrays of `new` from those of `old` plus the appended events (not from scratch)."""
        from triage.analysis import extend_prepared, prepare

        if getattr(new, "counts", None) is not None:  # source-side counts: prepare() rebuilds them whole
            return
        prev = prepare(old)
        scale = new.report.scale if new.report.estimated else 1.0
        if prev.scale != scale:
            return
        prep = extend_prepared(prev, new.events, len(old.events), scale)
        new.__dict__["_prepared"] = (new.events, len(new.events), prep)

    def mark_rollback(self, when: datetime) -> None:
        """Later steps keep the marker (they copy the incident)."""
        with self.lock:
            self.incident.rollback = when

    def after_for(self, events: pd.DataFrame) -> timedelta:
        """The after window reaches the newest event (never shorter than asked for)."""
        newest = events["timestamp"].max()
        if pd.isna(newest):
            return self.base_after
        return max(self.base_after, newest.to_pydatetime() - self.incident.deploy + timedelta(seconds=1))


MAX_CHUNKS = 16  # Arrow chunks per column before the small appended ones are merged


def _compact(events: pd.DataFrame) -> pd.DataFrame:
    """Arrow-backed columns with many chunks (one per step) merged into few.

    Taking rows (samples, details, stories) from a column costs per chunk; a follow session
    would add one chunk per step. The merge keeps chunks shrinking by 4x at least (the last
    is merged into the one before while it is a quarter of it or more), so a column holds
    O(log n) chunks and each event is copied O(log n) times over the session.
    """
    out = None
    for name in events.columns:
        values = events[name].array
        data = getattr(values, "_pa_array", None)
        if not isinstance(data, pa.ChunkedArray) or data.num_chunks <= MAX_CHUNKS:
            continue
        merged: list[pa.Array] = []
        for chunk in data.chunks:
            merged.append(chunk)
            while len(merged) > 1 and 4 * len(merged[-1]) >= len(merged[-2]):
                last = merged.pop()
                merged[-1] = pa.concat_arrays([merged[-1], last])
        if out is None:
            out = events.copy(deep=False)
        out[name] = pd.Series(type(values)(pa.chunked_array(merged, type=data.type)), index=events.index, name=name)
    return events if out is None else out


def now_utc() -> datetime:
    return datetime.now(timezone.utc)


def wait(seconds: float, cancelled=lambda: False) -> bool:
    """Sleep in small steps; False when cancelled meanwhile."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if cancelled():
            return False
        time.sleep(min(0.05, max(0.0, end - time.monotonic())))
    return not cancelled()


def follow_incident(incident: Incident, source) -> LiveIncident:
    """Followers for the source the incident was loaded from: appended bytes for local files, polls otherwise."""
    positions = getattr(source, "positions", None)
    if getattr(source, "kind", "") == "files" and positions is not None:
        followers: list = [FileFollower(path, offset, line, content=source.content, tz=_zone(source.tz))
                     for path, (offset, line) in positions.items() if path != "-"]
    else:
        newest = incident.events["timestamp"].max() if len(incident.events) else pd.NaT
        since = newest.to_pydatetime() if pd.notna(newest) else now_utc()
        followers = [PollFollower(source, since)]
    return LiveIncident(incident, followers)


def _zone(name):
    from triage.timeparse import resolve_tz

    try:
        return resolve_tz(name)
    except ValueError:
        return None
