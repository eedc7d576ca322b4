"""CloudWatch Logs: resolving log groups, the FilterLogEvents fetch path, and turning
fetched records into the event table.

Pages are streamed into compact columnar buffers (int64 times, Arrow strings) as they
arrive, so a large fetch never holds boto3's per-event dicts. At the end, records split by
the log driver (a traceback logged as one CloudWatch event per line) are folded within
their stream, and everything goes through the same line-shape detection as local files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from triage.events import MAX_RAW_CHARS, STR, LoadReport, Progress, SourceError, empty_events
from triage.parsing.folding import start_flags
from triage.parsing.lineshape import parse_messages
from triage.sources.cloudwatch.session import CwSession

PAGE_LIMIT = 10_000  # FilterLogEvents' maximum page size
FOLD_GAP_MS = 1_000  # a continuation record arrives within this of the one before it


@dataclass
class RecordBuffer:
    """Fetched log records, page by page, as compact arrays; `source` is "group/stream"."""

    _times: list[np.ndarray] = field(default_factory=list)
    _messages: list[pa.Array] = field(default_factory=list)
    _sources: list[pa.Array] = field(default_factory=list)
    count: int = 0

    def add(self, times_ms: list[int], messages: list[str], sources: list[str]) -> None:
        if not times_ms:
            return
        self._times.append(np.asarray(times_ms, dtype=np.int64))
        clipped = [m[:MAX_RAW_CHARS].rstrip("\r\n") for m in messages]
        self._messages.append(pa.array(clipped, type=pa.large_string()))
        self._sources.append(pa.array(sources, type=pa.string()).dictionary_encode())
        self.count += len(times_ms)

    def to_events(self, report: LoadReport) -> pd.DataFrame:
        """The event table: records of one stream folded in time order, then all merged by time."""
        if not self.count:
            return empty_events()
        times = np.concatenate(self._times)
        messages = pa.chunked_array(self._messages).combine_chunks()
        sources = pa.chunked_array(self._sources).cast(pa.string()).combine_chunks()
        self._times, self._messages, self._sources, self.count = [], [], [], 0
        codes, names = pd.factorize(pd.Series(sources, dtype=pd.ArrowDtype(pa.string())), sort=True)
        order = np.lexsort((np.arange(len(times)), times, codes))  # by stream, then time, then arrival
        codes, times = codes[order], times[order]
        messages = messages.take(pa.array(order))
        first, texts = fold_records(messages, codes, times)
        stamps = pd.to_datetime(times[first], unit="ms", utc=True).astype("datetime64[ns, UTC]")
        events = parse_messages(texts.cast(pa.string()), timestamps=stamps, source="cloudwatch", report=report)
        # CloudWatch's own time wins over the text's: it is what the window was queried on,
        # and a naive local time in the text would otherwise be misread as UTC.
        events["timestamp"] = stamps.to_numpy()
        events["source"] = pd.Series(names.take(codes[first]), dtype=STR)
        return events.sort_values("timestamp", kind="stable", na_position="last").reset_index(drop=True)


def fold_records(messages: pa.Array, streams: np.ndarray, times: np.ndarray) -> tuple[np.ndarray, pa.Array]:
    """Join records that continue the previous one (a traceback logged one line per event).

    Continuation is judged by the local-file folding rules, but only within one stream and
    when the record follows closely in time. Returns each event's first record and its text.
    """
    n = len(messages)
    start = start_flags(messages, np.zeros(n, dtype=bool), header_dominated=False)
    if n:
        start[1:] |= (streams[1:] != streams[:-1]) | (np.diff(times) > FOLD_GAP_MS)
    first = np.flatnonzero(start)
    if len(first) == n:
        return first, messages
    offsets = pa.array(np.append(first, n), type=pa.int64())
    texts = pc.binary_join(pa.LargeListArray.from_arrays(offsets, messages), pa.scalar("\n", messages.type))
    return first, pc.utf8_slice_codeunits(texts, 0, MAX_RAW_CHARS)


def to_ms(dt: datetime) -> int:
    return int(dt.astimezone(timezone.utc).timestamp() * 1000)


def resolve_groups(session: CwSession, patterns: list[str], progress: Progress) -> list[str]:
    """Log group names for `patterns`: exact names kept, `prefix*` expanded via DescribeLogGroups."""
    names: list[str] = []
    for pattern in patterns:
        if not pattern.endswith("*"):
            names.append(pattern)
            continue
        prefix = pattern[:-1]
        found = _groups_with_prefix(session, prefix, progress)
        if not found:
            raise SourceError(
                f"no log group matches '{pattern}' in {session.region_name}",
                "check the prefix and --region (log group names are case-sensitive)",
            )
        names.extend(found)
    return list(dict.fromkeys(names))


def _groups_with_prefix(session: CwSession, prefix: str, progress: Progress) -> list[str]:
    found: list[str] = []
    params = {"logGroupNamePrefix": prefix} if prefix else {}
    for page in session.pages("logs", "DescribeLogGroups", progress, token="nextToken",
                              what=f"log groups '{prefix}*'", **params):
        found.extend(g["logGroupName"] for g in page.get("logGroups", []))
    return found


@dataclass
class FilterFetch:
    """FilterLogEvents over one window for several groups, merged later by time."""

    session: CwSession
    stream_prefix: str | None = None
    pattern: str | None = None
    max_events: int = 2_000_000
    capped: bool = False  # set when the cap stopped the fetch early

    def run(self, groups: list[str], start: datetime, end: datetime, progress: Progress,
            buffer: RecordBuffer, report: LoadReport) -> None:
        """Fetch every group into `buffer`; stops at `max_events` and says so in `report`."""
        start_ms, end_ms = to_ms(start), to_ms(end)
        for i, group in enumerate(groups):
            if buffer.count >= self.max_events:
                self.capped = report.partial = True
                report.notes.append(f"log group {group} not fetched (event cap {self.max_events:,} reached)")
                continue
            self._group(group, start_ms, end_ms, progress, buffer, report, (i, len(groups)))

    def _group(self, group, start_ms, end_ms, progress, buffer, report, position) -> None:
        params = {"logGroupName": group, "startTime": start_ms, "endTime": end_ms, "limit": PAGE_LIMIT}
        if self.pattern:
            params["filterPattern"] = self.pattern
        if self.stream_prefix:
            params["logStreamNamePrefix"] = self.stream_prefix
        pages = self.session.pages("logs", "FilterLogEvents", progress, token="nextToken", what=f"log group {group}",
                                   **params)
        for page in pages:
            events = page.get("events", [])
            buffer.add(
                [e["timestamp"] for e in events],
                [e.get("message", "") for e in events],
                [f"{group}/{e.get('logStreamName', '')}" for e in events],
            )
            last = events[-1]["timestamp"] if events else None
            total = _estimated_total(buffer.count, position, last, start_ms, end_ms)
            progress.update(done=buffer.count, total=total,
                            message=_progress_text(position, group, buffer.count, last))
            if not page.get("nextToken"):
                return
            if buffer.count >= self.max_events:
                self.capped = report.partial = True
                when = _iso(last) if last is not None else "the start"
                report.notes.append(
                    f"stopped at {buffer.count:,} events (cap) in {group}; nothing after {when} from it"
                    " - narrow --filter-pattern or use --cw-mode insights"
                )
                return


def _estimated_total(count: int, position: tuple[int, int], last_ms: int | None, start_ms: int, end_ms: int) -> int | None:
    """Events expected in all, from how much of the window the fetch has covered (pages come in
    time order); None until there is enough to go on. Assumes groups of similar volume."""
    if last_ms is None or end_ms <= start_ms:
        return None
    done_groups, groups = position
    covered = (done_groups + min(1.0, max(0.0, (last_ms - start_ms) / (end_ms - start_ms)))) / groups
    return max(count, round(count / covered)) if covered >= 0.02 else None


def _progress_text(position: tuple[int, int], group: str, count: int, last_ms: int | None) -> str:
    upto = f", up to {_iso(last_ms)}" if last_ms is not None else ""
    return f"[{position[0] + 1}/{position[1]}] {group}: {count:,} events{upto}"


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
