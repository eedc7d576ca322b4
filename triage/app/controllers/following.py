"""Follow mode: a thread worker steps the LiveIncident, analyses it and posts the result; `b` marks a rollback.

The step extends the analysis arrays and the app's indexes by the appended events instead of
rebuilding them, and the worker runs the analysis for the windows on screen (the
`FollowView` the UI thread published), so the UI thread only swaps the result in and updates
the table cells that changed. A result for windows that changed meanwhile is not used (the
UI analyses again); a newer message replaces an unprocessed older one.

Stories and the service/host table are redone at most once a second (counts, tests and statuses
every step). Backpressure keeps the UI responsive under a fast writer: the worker does not step again
until the app has drawn the last result it posted (or a few seconds passed), so new lines
are batched into the next step. The poll interval also stretches to the time a step took,
so following takes at most about half of a core.
"""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from textual.worker import Worker, get_current_worker

from triage.app import format as fmt
from triage.app.controllers.analysis import run_follow_analysis
from triage.app.messages import IncidentGrew
from triage.live import now_utc, wait

if TYPE_CHECKING:
    from triage.app.app import TriageApp

MAX_WAIT_FOR_UI = 5.0  # seconds: a stuck analysis must not stop following for good
MAX_YIELD = 0.5  # seconds a step waits for a job the user started (a lost result must not stall it)
FULL_GC_EVERY = 30.0  # seconds between the full collections the follow worker runs itself
QUIET_FOR = 1.0  # ... and only when no row was selected for this long (a full pass stops every thread)


class FollowController:
    """Owns the follow worker of the incident that is on screen."""

    def __init__(self, app: TriageApp, prepare: Callable):
        self.app, self.prepare = app, prepare
        self.live = None
        self.worker: Worker | None = None
        self._consumed = threading.Event()
        self._consumed.set()
        self._full_gc_at = 0.0
        self._pending: IncidentGrew | None = None  # a result that waits for the user's job (see grown)

    @property
    def following(self) -> bool:
        return self.live is not None

    def start(self, incident, prepared=None) -> None:
        live = getattr(incident, "live", None)
        if live is None or live is self.live:
            return
        self.stop()
        self.live = live
        self._consumed.set()
        # What is alive now (modules, the app, the loaded incident) lives on: frozen, full passes skip
        # it. The automatic passes are off too: one came every couple of seconds and held every thread
        # for 30-110 ms, often in the middle of a key press; the worker collects instead (_collect).
        # Both are undone when following stops.
        gc.collect()
        gc.freeze()
        gc.disable()
        self._full_gc_at = time.monotonic()
        self.worker = self.app.run_worker(lambda: self._loop(live, prepared), thread=True, exclusive=True,
                                          exit_on_error=False, group="follow", name="follow")

    def _loop(self, live, prepared) -> None:
        worker = get_current_worker()
        interval, begun = live.interval, time.monotonic()
        last = None
        while not worker.is_cancelled:
            self._consumed.wait(MAX_WAIT_FOR_UI)  # the poll interval runs while the app draws
            if not wait(max(0.0, begun + interval - time.monotonic()), lambda: worker.is_cancelled):
                return
            self._yield()
            self._collect()
            begun = time.monotonic()
            grown = live.step()
            if grown is None or worker.is_cancelled:
                continue
            self._yield()
            prepared = prepared.extended(grown) if prepared is not None else self.prepare(grown)
            self._yield()
            view = self.app.analyzer.follow_view
            result = run_follow_analysis(view, grown, prepared, last, self._yield) if view is not None else None
            last = result or last
            interval = max(live.interval, time.monotonic() - begun)  # leave the UI at least as much time
            if worker.is_cancelled:
                return
            self._consumed.clear()
            self.app.post_message(IncidentGrew(grown, prepared, live.arrived, result))

    def grown(self, message: IncidentGrew) -> None:
        """Hand the grown incident to the analysis (the after window keeps up with the newest event).

        While a detail the user asked for is being made, the result waits (its redraw would compete
        with that job for the interpreter); `resume` hands it over once the detail is shown."""
        if not self.app.analyzer.idle.is_set():
            self._pending = message
            return
        self._pending = None
        view = self.app.analyzer
        if view.incident is None or self.live is None or message.incident.live is not self.live:
            return
        if view.grow(message.incident, message.prepared, message.result):
            self.consumed()  # drawn; else the analysis it started sets it
        self.app.set_state(self.state(message.arrived), "bold cyan")

    def state(self, arrived: int | None = None) -> str:
        arrived = self.live.arrived if arrived is None and self.live is not None else (arrived or 0)
        incident = self.app.analyzer.incident
        rollback = incident.rollback if incident is not None else None
        mark = f" · rollback {fmt.short_when(rollback, self.app.tz)}" if rollback is not None else ""
        return f"following · +{arrived:,} events{mark}"

    def mark_rollback(self) -> None:
        """A rollback marker at the current time: the statistics add a "since rollback" window."""
        view = self.app.analyzer
        if not view.has_data() or view.incident is None:
            return
        when = max(now_utc(), view.incident.deploy)
        if self.live is not None:
            self.live.mark_rollback(when)
            self.app.set_state(self.state(), "bold cyan")
        view.incident.rollback = when
        self.app.notify(f"Rollback marked at {fmt.when(when, self.app.tz)}; the statistics add a "
                        "'since rollback' window.", markup=False)
        view.recompute(now=True)

    def _yield(self) -> None:
        """Between the worker's stages (and the analysis'): what the user asked for (a row's detail,
        new windows) goes first."""
        self.app.analyzer.idle.wait(MAX_YIELD)

    def resume(self) -> None:
        """The user's job is done: a result that waited for it is drawn now."""
        pending, self._pending = self._pending, None
        if pending is not None:
            self.grown(pending)

    def _collect(self) -> None:
        gc.collect(1)  # the young generations: a few ms
        now = time.monotonic()
        if now - self._full_gc_at >= FULL_GC_EVERY and now - self.app.analyzer.selected_at >= QUIET_FOR:
            gc.collect()
            self._full_gc_at = time.monotonic()

    def consumed(self) -> None:
        """The app analysed the incident it was last given: the worker may step again."""
        self._consumed.set()

    def stop(self) -> None:
        if self.live is not None:
            gc.enable()
            gc.unfreeze()
        if self.worker is not None:
            self.worker.cancel()
        self.worker, self.live = None, None
        self._pending = None
        self._consumed.set()
