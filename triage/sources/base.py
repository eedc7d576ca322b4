"""The one protocol every log or metric source implements."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol, runtime_checkable

from triage.events import LoadResult, Progress


@runtime_checkable
class Source(Protocol):
    """A back end that yields events and/or metric series for a time range.

    `load` runs in a worker thread: it must call `progress.update()` as it goes,
    honour `progress.cancelled` between pages (raise `Cancelled(partial)` or return
    a result with `report.partial = True`), and raise `SourceError` with a hint for
    failures the user can fix. `start`/`end` are UTC datetimes or None (everything).
    """

    kind: str  # "files", "elasticsearch", "opensearch", "cloudwatch", "csv"

    def describe(self) -> str:
        """Short human description for headers and notes; never includes credentials."""
        ...

    def queries(self) -> list[str]:
        """The queries this source ran (index pattern + query string, Insights query...), for the note."""
        ...

    def load(self, start: datetime | None, end: datetime | None, progress: Progress) -> LoadResult: ...
