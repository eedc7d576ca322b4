"""The Textual app: bindings, screens and message routing; the work is in three controllers.

`self.loads` (controllers/loading.py) runs the source, `self.analyzer` (controllers/analysis.py)
recomputes deltas and details for the deploy, windows, filter and selection, `self.drafts`
(controllers/draft.py) keeps the note autosaved and exports it. Screens post messages
(triage/app/messages.py) that the `@on` handlers here hand to the right controller.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import TypeVar, cast

from textual import on
from textual.app import App
from textual.binding import Binding
from textual.widgets import Input
from textual.worker import Worker, WorkerState

from triage.app import messages as msg
from triage.app.commands import TriageCommands
from triage.app.controllers.analysis import AnalysisController
from triage.app.controllers.draft import DraftController
from triage.app.controllers.following import FollowController
from triage.app.controllers.loading import Loader, LoadingController
from triage.app.inert import set_screen_redaction
from triage.app.preset_saving import QuerySaver
from triage.app.screens.help import HelpScreen
from triage.app.screens.main import MainScreen
from triage.app.screens.modals import ErrorModal
from triage.app.timelines import Prepared
from triage.app.widgets.header import IncidentHeader
from triage.events import SourceError
from triage.pipeline import Incident

__all__ = ["Loader", "TriageApp"]

Handler = TypeVar("Handler", bound=Callable[..., None])


def needs_main(handler: Handler) -> Handler:
    """Drop a message that arrives while the app shuts down: its screens are gone, so is the point."""

    @wraps(handler)
    def guarded(self: TriageApp, *args: object) -> None:
        if self.has_main:
            handler(self, *args)

    return cast(Handler, guarded)


MAIN_ONLY = {
    "pin", "focus_filter", "set_deploy", "pick_deploy", "set_window", "shift", "widen", "cycle_sort",
    "reverse_sort", "toggle_expand", "zoom", "note", "reload", "save_preset", "mark_rollback",
}


class TriageApp(App[None]):
    CSS_PATH = "triage.tcss"
    TITLE = "triage"
    COMMANDS = App.COMMANDS | {TriageCommands}
    BINDINGS = [
        Binding("q", "quit", "Quit", id="triage.quit"),
        Binding("question_mark", "help", "Help", id="triage.help"),
        Binding("escape", "cancel", "Cancel/back", show=False, id="triage.cancel"),
        Binding("slash", "focus_filter", "Filter", id="triage.filter"),
        Binding("f", "pin", "Pin", id="triage.pin"),
        Binding("d", "set_deploy", "Deploy", id="triage.deploy"),
        Binding("D", "pick_deploy", "Deploy candidates", show=False, id="triage.pick_deploy"),
        Binding("o", "deploy_to_onset", "Deploy at onset", show=False, id="triage.deploy_onset"),
        Binding("left_square_bracket", "shift(-1)", "Earlier", id="triage.earlier"),
        Binding("right_square_bracket", "shift(1)", "Later", id="triage.later"),
        Binding("plus,equals_sign", "widen(1)", "Widen", id="triage.widen"),
        Binding("minus", "widen(-1)", "Narrow", id="triage.narrow"),
        Binding("w", "set_window", "Windows", show=False, id="triage.window"),
        Binding("n", "note", "Note", id="triage.note"),
        Binding("e", "export_note", "Export", id="triage.export"),
        Binding("y", "copy_note", "Copy note", show=False, id="triage.copy"),
        Binding("s", "cycle_sort", "Sort", show=False, id="triage.sort"),
        Binding("r", "reverse_sort", "Reverse sort", show=False, id="triage.reverse"),
        Binding("x", "toggle_expand", "Expand traces", show=False, id="triage.expand"),
        Binding("z", "zoom", "Zoom panel", show=False, id="triage.zoom"),
        Binding("ctrl+r", "reload", "Reload", show=False, id="triage.reload"),
        Binding("p", "save_preset", "Save as preset", show=False, id="triage.save_preset"),
        Binding("R", "toggle_redaction", "Mask/show secrets on screen", show=False, id="triage.redact"),
        Binding("b", "mark_rollback", "Mark rollback now", show=False, id="triage.rollback"),
    ]

    def __init__(self, loader: Loader, *, tz=None, export_dir: Path | str | None = None,
                 keymap: dict[str, str] | None = None, presets: list[str] | None = None,
                 preset_loader: Callable[[str], Loader] | None = None, filter_text: str = "",
                 query_saver: QuerySaver | None = None, pinned: list | None = None):
        super().__init__()
        set_screen_redaction(True)  # every app starts with secrets masked on screen
        self.tz = tz
        self._user_keymap = dict(keymap or {})
        self.state, self.state_style = "starting", "dim"
        self.loads = LoadingController(self, loader, presets=presets, preset_loader=preset_loader,
                                       query_saver=query_saver)
        self.analyzer = AnalysisController(self, tz=tz, filter_text=filter_text)
        self.drafts = DraftController(self, tz=tz, export_dir=export_dir, pinned=pinned)
        self.follow = FollowController(self, Prepared)

    # ---- life cycle -------------------------------------------------------------------
    async def on_mount(self) -> None:
        if self._user_keymap:
            self.set_keymap(self._user_keymap)
        await self.push_screen(MainScreen())
        if self.analyzer.filter_text:
            self.main.query_one("#filter", Input).value = self.analyzer.filter_text
        self.loads.start()

    def on_unmount(self) -> None:
        self.follow.stop()
        self.loads.shutdown()

    @property
    def main(self) -> MainScreen:
        for screen in self.screen_stack:
            if isinstance(screen, MainScreen):
                return screen
        raise LookupError("the main screen is gone (the app is closing)")

    @property
    def has_main(self) -> bool:
        """False while the app shuts down: queued messages may still arrive after its screens are gone."""
        return any(isinstance(screen, MainScreen) for screen in self.screen_stack)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Table and time actions only where the table is (not under the note or a dialog)."""
        return action not in MAIN_ONLY or isinstance(self.screen, MainScreen)

    # ---- the header's state line ------------------------------------------------------------
    def set_state(self, state: str, style: str) -> None:
        self.state, self.state_style = state, style
        self.update_header()

    def update_header(self) -> None:
        view = self.analyzer
        inc = view.incident
        header = self.main.query_one("#header", IncidentHeader)
        if inc is None:
            header.show(source="", deploy=None, version=None, before=None, after=None, events=None,
                        state=self.state, state_style=self.state_style, tz=self.tz)
            return
        source = inc.title or (inc.sources[0] if inc.sources else "")
        if len(inc.sources) > 1 and not inc.title:
            source += f" (+{len(inc.sources) - 1})"
        header.show(source=source, deploy=view.deploy, version=inc.version, before=view.before, after=view.after,
                    events=len(inc.events), state=self.state, state_style=self.state_style, tz=self.tz)

    # ---- worker results -----------------------------------------------------------------------
    @on(msg.LoadProgress)
    @needs_main
    def _load_progress(self, message: msg.LoadProgress) -> None:
        self.loads.show_progress(message)

    @on(msg.IncidentLoaded)
    @needs_main
    def _incident_loaded(self, message: msg.IncidentLoaded) -> None:
        if not self.loads.finish(message):
            return
        first = self.analyzer.adopt(message.incident, message.prepared)
        self.set_state(*load_state(message.incident))
        if first:
            self.drafts.restore(message.incident)
        self.follow.start(message.incident, message.prepared)
        if self.follow.following:
            self.set_state(self.follow.state(), "bold cyan")
        self.analyzer.recompute(now=True)
        if first and message.incident.deploy_candidates:  # --deploy auto: confirm or change the pick
            self.analyzer.show_candidates(message.incident.deploy_candidates)

    @on(msg.IncidentGrew)
    @needs_main
    def _incident_grew(self, message: msg.IncidentGrew) -> None:
        self.follow.grown(message)

    @on(msg.AnalysisReady)
    @needs_main
    def _analysis_ready(self, message: msg.AnalysisReady) -> None:
        self.follow.consumed()
        self.analyzer.show_analysis(message)

    @on(msg.DetailReady)
    @needs_main
    def _detail_ready(self, message: msg.DetailReady) -> None:
        self.analyzer.show_detail(message)

    @on(msg.DeployCandidates)
    def _deploy_candidates(self, message: msg.DeployCandidates) -> None:
        self.analyzer.show_candidates(message.candidates)

    @on(msg.PreviewReady)
    def _preview_ready(self, message: msg.PreviewReady) -> None:
        self.drafts.show_preview(message)

    @on(msg.ExportFinished)
    def _export_finished(self, message: msg.ExportFinished) -> None:
        self.drafts.exported(message)

    @on(Worker.StateChanged)
    def _worker_failed(self, event: Worker.StateChanged) -> None:
        """The one place a failed worker becomes an error modal (a load's own bookkeeping first)."""
        if event.state != WorkerState.ERROR:
            return
        worker, error = event.worker, event.worker.error
        if worker.group == "load" and not self.loads.failed(worker, error):
            return
        hint = error.hint if isinstance(error, SourceError) else hint_for(error)
        text = str(error.args[0]) if isinstance(error, SourceError) and error.args else str(error)
        title = "Could not load" if worker.group == "load" else f"{worker.name or 'Task'} failed"
        self.push_screen(ErrorModal(title, f"{type(error).__name__}: {text}", hint))

    # ---- what the screens ask for -------------------------------------------------------------
    @on(msg.SignatureHighlighted)
    @needs_main
    def _signature_highlighted(self, message: msg.SignatureHighlighted) -> None:
        self.analyzer.highlighted(message.signature)

    @on(msg.SignatureOpened)
    @needs_main
    def _signature_opened(self, message: msg.SignatureOpened) -> None:
        self.analyzer.open_detail(message.signature)

    @on(msg.DetailResized)
    @needs_main
    def _detail_resized(self) -> None:
        self.analyzer.reselect()

    @on(msg.SortRequested)
    @needs_main
    def _sort_requested(self, message: msg.SortRequested) -> None:
        self.analyzer.sort_by(message.column)

    @on(msg.FilterEdited)
    @needs_main
    def _filter_edited(self, message: msg.FilterEdited) -> None:
        self.analyzer.filter_changed(message.text)

    @on(msg.DraftEdited)
    def _draft_edited(self, message: msg.DraftEdited) -> None:
        self.drafts.update(message.field, message.value)

    @on(msg.CommentRequested)
    def _comment_requested(self, message: msg.CommentRequested) -> None:
        self.drafts.edit_comment(message.index)

    @on(msg.UnpinRequested)
    def _unpin_requested(self, message: msg.UnpinRequested) -> None:
        self.drafts.remove_finding(message.index)

    @on(msg.PreviewWanted)
    def _preview_wanted(self) -> None:
        self.drafts.refresh_preview()

    # ---- actions (key bindings and the command palette) ---------------------------------------
    async def action_quit(self) -> None:
        self.drafts.flush()
        self.exit()

    def action_cancel(self) -> None:
        focused = self.focused
        # Cancelling a running load comes first, wherever the focus is (the filter may hold it).
        if self.loads.cancel():
            return
        if isinstance(focused, Input) and focused.id == "filter":
            self.main.query_one("#signatures").focus()
        elif self.screen.maximized is not None:
            self.screen.minimize()

    def action_zoom(self) -> None:
        screen = self.screen
        if screen.maximized is not None:
            screen.minimize()
        elif self.focused is not None:
            screen.maximize(self.focused)

    def action_focus_filter(self) -> None:
        self.main.query_one("#filter", Input).focus()

    def action_reload(self) -> None:
        self.loads.reload()

    def action_save_preset(self) -> None:
        self.loads.ask_save_preset()

    def action_set_deploy(self) -> None:
        self.analyzer.ask_deploy()

    def action_pick_deploy(self) -> None:
        self.analyzer.pick_deploy()

    def action_set_window(self) -> None:
        self.analyzer.ask_windows()

    def action_deploy_to_onset(self) -> None:
        """Move the deploy marker to the selected change's onset."""
        self.analyzer.deploy_to_onset()

    def action_shift(self, direction: int) -> None:
        self.analyzer.shift(direction)

    def action_widen(self, direction: int) -> None:
        self.analyzer.widen(direction)

    def action_cycle_sort(self) -> None:
        self.analyzer.cycle_sort()

    def action_reverse_sort(self) -> None:
        self.analyzer.reverse_sort()

    def action_toggle_expand(self) -> None:
        self.analyzer.toggle_expand()

    def action_toggle_redaction(self) -> None:
        self.analyzer.toggle_redaction()

    def action_mark_rollback(self) -> None:
        self.follow.mark_rollback()

    def action_pin(self) -> None:
        self.drafts.pin()

    def action_note(self) -> None:
        self.drafts.open_note()

    def action_refresh_preview(self) -> None:
        self.drafts.refresh_preview_now()

    def action_export_note(self) -> None:
        self.drafts.ask_export()

    def action_copy_note(self) -> None:
        self.drafts.copy()

    def action_help(self) -> None:
        rows: list[tuple[str, str, str]] = []
        seen: set[str] = set()
        for active in self.screen.active_bindings.values():
            binding = active.binding
            if binding.id and binding.id not in seen:
                seen.add(binding.id)
                rows.append((self.get_key_display(binding), binding.description or binding.action, binding.id))
        for own in self.BINDINGS:
            if isinstance(own, Binding) and own.id and own.id not in seen:
                seen.add(own.id)
                rows.append((self.get_key_display(own), own.description, own.id))
        if isinstance(self.screen, MainScreen):
            rows.append(("enter", "Open the selected signature's detail full screen", "(table)"))
        rows.append(("ctrl+p", "Command palette", "(textual)"))
        self.push_screen(HelpScreen(rows))


def load_state(incident: Incident) -> tuple[str, str]:
    """Header state after a load: how far the counts can be trusted.

    A sampled load whose source counted each signature says so per label
    ("COUNTED 118 exact · 3 sampled"); a plain sample says ESTIMATED.
    """
    report, counts = incident.report, incident.counts
    words = ["PARTIAL"] if report.partial else []
    if counts is not None:
        words.append("COUNTED " + " · ".join(f"{n:,} {k}" for k, n in counts.summary().items() if n))
    elif report.estimated:
        words.append("ESTIMATED")
    if not words:
        return "ready", "green"
    exact_only = counts is not None and set(counts.kinds.values()) <= {"exact"}
    return " ".join(words), ("bold yellow" if exact_only and not report.partial else "bold red")


def hint_for(error: BaseException | None) -> str:
    if isinstance(error, FileNotFoundError):
        return "check the path"
    if isinstance(error, PermissionError):
        return "check file permissions"
    if isinstance(error, MemoryError):
        return "narrow the time range or the query"
    return "see the message above; press Escape to close"
