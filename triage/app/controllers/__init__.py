"""The app's three jobs, each a plain class the app owns and routes messages to.

`loading` runs the source in a worker and reports progress; `analysis` holds the deploy,
windows, filter, sort and selection and recomputes deltas and details; `draft` keeps the
incident note autosaved, previews and exports it. Workers are handed frozen snapshots
(`*Job` dataclasses) and post messages back, so no thread reads state the UI thread mutates.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from textual.timer import Timer

    from triage.app.app import TriageApp


class Debouncer:
    """Named one-shot timers: a new call with the same name replaces the pending one (key repeats)."""

    def __init__(self, app: TriageApp):
        self._app = app
        self._timers: dict[str, Timer] = {}

    def __call__(self, name: str, delay: float, callback: Callable[[], object]) -> None:
        self.cancel(name)
        self._timers[name] = self._app.set_timer(delay, callback, name=name)

    def cancel(self, name: str) -> bool:
        """Stop a pending timer; True if one was pending."""
        timer = self._timers.pop(name, None)
        if timer is None:
            return False
        timer.stop()
        return True
