"""Every message of the app, in one place: small dataclasses.

Two kinds: workers post results to the app (`bubble=False`: nothing above the app needs them),
and screens post what the user asked for, which bubbles from the screen to the app's `@on`
handlers, so screens never call into the app or read its state.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.message import Message

if TYPE_CHECKING:
    from triage.analysis import Incident
    from triage.app.timelines import Prepared


# ---- from workers ---------------------------------------------------------------------------
@dataclass
class LoadProgress(Message, bubble=False):
    """How far the load is; a newer one replaces an unprocessed older one."""

    done: int
    total: int | None
    text: str
    generation: int = 0

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, LoadProgress)


@dataclass
class IncidentLoaded(Message, bubble=False):
    """The load worker finished; `prepared` holds the per-load indexes."""

    incident: Incident
    prepared: Prepared
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
    contrast: Any = ()  # triage.judgement.Contrast rows for a changed signature


@dataclass
class DeployCandidates(Message, bubble=False):
    """Deploy-time candidates found in the loaded events (for the deploy picker)."""

    candidates: list


@dataclass
class PreviewReady(Message, bubble=False):
    """The note preview rendered off the UI thread."""

    markdown: str


@dataclass
class ExportFinished(Message, bubble=False):
    """The export worker's outcome: written, refused because the file exists, or failed."""

    path: Path
    written: Path | None = None
    exists: bool = False
    error: str = ""


# ---- from screens (bubble to the app) -------------------------------------------------------
@dataclass
class SignatureHighlighted(Message):
    """The cursor moved to a signature: show its detail."""

    signature: str


@dataclass
class SignatureOpened(Message):
    """Enter on a signature: its detail full screen."""

    signature: str


@dataclass
class SortRequested(Message):
    """A column header was clicked."""

    column: str


@dataclass
class FilterEdited(Message):
    text: str


@dataclass
class DetailResized(Message):
    """The detail pane changed size (zoomed or back): redraw the selected signature for it."""


@dataclass
class DraftEdited(Message):
    """A note field (title, summary, impact, actions) changed in the editor."""

    field: str
    value: str


@dataclass
class CommentRequested(Message):
    """Enter on a pinned finding: edit its comment."""

    index: int


@dataclass
class UnpinRequested(Message):
    index: int


@dataclass
class PreviewWanted(Message):
    """The note preview is stale (screen opened or resized)."""


@dataclass
class IncidentGrew(Message, bubble=False):
    """Follow mode: new events arrived; a newer one replaces an unprocessed older one."""

    incident: Any
    prepared: Any
    arrived: int = 0  # events appended since the load
    result: Any = None  # triage.app.controllers.analysis.FollowResult: the worker's analysis of it

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, IncidentGrew)
