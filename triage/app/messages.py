"""Messages the workers post back to the UI thread. Small dataclasses; noisy ones coalesce."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.message import Message


@dataclass
class LoadProgress(Message, bubble=False):
    """How far the load is; a newer one replaces an unprocessed older one."""

    done: int
    total: int | None
    text: str

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, LoadProgress)


@dataclass
class IncidentLoaded(Message, bubble=False):
    """The load worker finished; `prepared` holds the per-load indexes."""

    incident: Any
    prepared: Any
    generation: int = 0


@dataclass
class AnalysisReady(Message, bubble=False):
    """A recomputation finished; `generation` lets stale results be dropped."""

    generation: int
    analysis: Any
    timelines: Any


@dataclass
class DetailReady(Message, bubble=False):
    signature: str
    detail: Any
    histogram: Any
