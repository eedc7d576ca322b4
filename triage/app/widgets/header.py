"""One line saying what is loaded: source, deploy, windows, counts and load state."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from triage.app import format as fmt
from triage.app.inert import clean


class IncidentHeader(Static):
    """No clock on purpose: screenshots and snapshots stay deterministic."""

    def show(self, *, source: str, deploy, version: str | None, before, after, events: int | None,
             state: str, state_style: str = "", tz=None) -> None:
        text = Text(no_wrap=True, overflow="ellipsis", end="")
        text.append(" triage ", "bold reverse")
        text.append(" ")
        text.append(state, state_style)
        text.append("  ")
        text.append(clean(source or "-", 48), "bold")
        if deploy is not None:
            text.append("  deploy ")
            if version:
                text.append(clean(version, 30), "bold")
                text.append(" @ ")
            text.append(fmt.when(deploy, tz), "bold")
        if before is not None and after is not None:
            text.append(f"  window -{fmt.duration(before)}/+{fmt.duration(after)}")
        if events is not None:
            text.append(f"  {events:,} events")
        self.update(text)
