"""One line saying what is loaded: load state, source, deploy, windows and event count."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from triage.app import format as fmt
from triage.app.inert import clean


class IncidentHeader(Static):
    """No clock on purpose: screenshots and snapshots stay deterministic. The title (or source)
    gets whatever width is left, so the deploy, windows and counts are always visible; the
    deploy drops zero seconds and the windows read `-30m/+30m` to leave the title room."""

    _last: dict | None = None

    def on_resize(self) -> None:
        if self._last is not None:
            self.show(**self._last)

    def show(self, *, source: str, deploy, version: str | None, before, after, events: int | None,
             state: str, state_style: str = "", tz=None) -> None:
        self._last = dict(source=source, deploy=deploy, version=version, before=before, after=after,
                          events=events, state=state, state_style=state_style, tz=tz)
        head = Text.assemble((" triage ", "bold reverse"), " ", (state, state_style), "  ")
        tail = Text()
        if deploy is not None:
            tail.append("  ")
            if version:
                tail.append(clean(version, 30), "bold")
                tail.append(" ")
            tail.append("deployed ")
            tail.append(fmt.short_when(deploy, tz), "bold")
        if before is not None and after is not None:
            tail.append(f"  -{fmt.duration(before)}/+{fmt.duration(after)}")
        if events is not None:
            tail.append(f"  {events:,} events")
        room = max(10, (self.size.width or 120) - len(head) - len(tail) - 1)
        name = clean(source or "-", 200)
        if len(name) > room:
            name = name[: room - 1] + "…"
        line = Text(no_wrap=True, overflow="ellipsis", end="")
        line.append_text(head)
        line.append(name, "bold")
        line.append_text(tail)
        self.update(line)
