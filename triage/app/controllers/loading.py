"""Loading: run the source in a thread worker, relay its progress, switch presets, save the query.

The worker gets the loader and a fresh `Progress` token; it never touches the app except to
post messages. Every load has a generation so a superseded one (reload, preset switch) is ignored.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from textual.widgets import ProgressBar
from textual.worker import Worker

from triage.app.inert import clean
from triage.app.messages import IncidentLoaded, LoadProgress
from triage.app.preset_saving import QuerySaver, check_preset_name
from triage.app.screens.modals import AskModal, ConfirmModal, ErrorModal
from triage.app.timelines import Prepared
from triage.events import Cancelled, Progress

if TYPE_CHECKING:
    from textual.message import Message

    from triage.analysis import Incident
    from triage.app.app import TriageApp

Loader = Callable[[Progress], "Incident"]

PROGRESS_INTERVAL = 0.05  # seconds between progress messages; more would only queue redraws
WAITING_WORDS = ("throttled", "retrying in")


def is_waiting(message: str) -> bool:
    """Sources report back-off as a progress message ("throttled, waiting 4s", "retrying in 2.0 s")."""
    text = (message or "").lower()
    return any(word in text for word in WAITING_WORDS)


class ProgressRelay:
    """The Progress callback of one load: runs in the worker thread and throttles what it posts.

    A new waiting message (throttling) always goes through: no further update may follow it
    for seconds, so coalescing must not swallow it.
    """

    def __init__(self, post: Callable[[Message], object], generation: int):
        self._post, self._generation = post, generation
        self._last, self._last_text = 0.0, ""

    def __call__(self, done: int, total: int | None, message: str) -> None:
        now = time.monotonic()
        urgent = is_waiting(message) and message != self._last_text
        if urgent or now - self._last >= PROGRESS_INTERVAL:
            self._last, self._last_text = now, message
            self._post(LoadProgress(done, total, message, self._generation))


@dataclass(frozen=True)
class LoadJob:
    """All a load worker needs."""

    loader: Loader
    progress: Progress
    generation: int


def run_load(job: LoadJob) -> IncidentLoaded:
    """Worker body: the incident and its indexes (both built off the UI thread)."""
    incident = job.loader(job.progress)
    job.progress.update(message="indexing")
    return IncidentLoaded(incident, Prepared(incident), job.generation)


class LoadingController:
    """Owns the loader, the running load and the presets it can switch to or save."""

    def __init__(self, app: TriageApp, loader: Loader, *, presets: list[str] | None = None,
                 preset_loader: Callable[[str], Loader] | None = None, query_saver: QuerySaver | None = None):
        self.app = app
        self.loader = loader
        self.presets = list(presets or [])
        self.preset_loader = preset_loader
        self.query_saver = query_saver
        self.last_preset: Path | None = None
        self.active = False  # a load is running
        self.progress: Progress | None = None
        self.generation = 0
        self.current: Worker | None = None

    def _bar(self) -> ProgressBar:
        return self.app.main.query_one("#progress", ProgressBar)

    def start(self, loader: Loader | None = None) -> None:
        if loader is not None:
            self.loader = loader
        if self.progress is not None:
            self.progress.cancel()  # a superseded load stops at its next page
        self.generation += 1
        self.active = True
        self.progress = Progress(ProgressRelay(self.app.post_message, self.generation))
        self.app.set_state("loading…", "bold yellow")
        bar = self._bar()
        bar.update(total=None, progress=0)
        bar.display = True
        job = LoadJob(self.loader, self.progress, self.generation)
        self.current = self.app.run_worker(lambda: self.app.post_message(run_load(job)), thread=True,
                                           exclusive=True, exit_on_error=False, group="load", name="load")

    def show_progress(self, message: LoadProgress) -> None:
        if not self.active or message.generation != self.generation:
            return
        bar = self._bar()
        if message.total:
            bar.update(total=message.total, progress=message.done)
            pct = f" {min(100, message.done * 100 // max(message.total, 1))}%"
        else:
            pct = f" {message.done:,}" if message.done else ""
        if is_waiting(message.text):
            # Throttled or retrying: the source is waiting on purpose, not failing.
            self.app.set_state(f"waiting: {clean(message.text, 60)}  (esc cancels)", "bold magenta")
        else:
            self.app.set_state(f"loading{pct} {clean(message.text, 60)}  (esc cancels)", "bold yellow")

    def finish(self, message: IncidentLoaded) -> bool:
        """The load ended with data; False if it was superseded."""
        if message.generation != self.generation:
            return False
        self._stopped()
        return True

    def _stopped(self) -> None:
        self.active = False
        self._bar().display = False

    def failed(self, worker: Worker, error: BaseException | None) -> bool:
        """A load worker failed; True if the error modal should still be shown."""
        if worker is not self.current:
            return False  # a superseded load (preset switch, reload) failing or cancelled: not news
        self._stopped()
        if isinstance(error, Cancelled):
            shown = " (showing previous data)" if self.app.analyzer.incident is not None else ""
            self.app.set_state("cancelled" + shown, "bold red")
            self.app.notify("Load cancelled.", severity="warning")
            return False
        self.app.set_state("load failed", "bold red")
        return True

    def cancel(self) -> bool:
        """Stop the running load at its next page; False if nothing is loading."""
        if not self.active or self.progress is None:
            return False
        self.progress.cancel()
        self.app.set_state("cancelling…", "bold red")
        return True

    def reload(self) -> None:
        if not self.active:
            self.start()

    def shutdown(self) -> None:
        # A load thread cannot be killed: tell it to stop at its next page so the process can exit.
        if self.progress is not None:
            self.progress.cancel()

    # ---- presets ----------------------------------------------------------------------------
    def switch_preset(self, name: str) -> None:
        if self.preset_loader is None:
            return
        try:
            loader = self.preset_loader(name)
        except (ValueError, OSError) as exc:
            self.app.push_screen(ErrorModal("Cannot switch preset", str(exc)))
            return
        self.app.analyzer.forget()
        self.start(loader)

    def ask_save_preset(self) -> None:
        if self.query_saver is None:
            self.app.notify("Nothing to save: presets hold a `triage open` query (files or --source).",
                            severity="warning", markup=False)
            return

        def done(value: str | None) -> None:
            if value and value.strip():
                self.save_preset(check_preset_name(value), overwrite=False)

        self.app.push_screen(AskModal("Save query as preset",
                                      "Name for this query (source, filters, windows; never the deploy time). "
                                      "Written to your presets folder; switch to it from the palette.",
                                      value=self.last_preset.stem if self.last_preset else "",
                                      placeholder="checkout-prod", check=check_preset_name), done)

    def save_preset(self, name: str, *, overwrite: bool) -> None:
        if self.query_saver is None:
            return
        view = self.app.analyzer
        try:
            path = self.query_saver(name, before=view.before, after=view.after, overwrite=overwrite)
        except FileExistsError as exc:
            def answer(yes: bool | None) -> None:
                if yes:
                    self.save_preset(name, overwrite=True)

            self.app.push_screen(ConfirmModal("Preset exists", f"{exc} already exists. Overwrite it?",
                                              yes="Overwrite"), answer)
            return
        except (ValueError, OSError) as exc:  # PresetError says which key; never a traceback
            hint = "give credentials as env vars (e.g. --es-url '$ES_URL')" if "env" in str(exc).lower() else ""
            self.app.push_screen(ErrorModal("Cannot save preset", str(exc), hint))
            return
        self.last_preset = Path(path)
        if name not in self.presets:
            self.presets.append(name)
        self.app.notify(f"Preset {name} written to {path}", title="Saved", markup=False, timeout=8)
