"""The Textual app: loads an incident in a worker, recomputes deltas on every window change,
and keeps the note draft autosaved.

All blocking work (loading, analysis, detail, rendering the note) runs in thread workers
that post small messages back; the UI thread only formats and draws.
"""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Callable

import pandas as pd
from rich.text import Text
from textual import work
from textual.app import App
from textual.binding import Binding
from textual.widgets import Input, ProgressBar, Static
from textual.worker import Worker, WorkerState

from triage import analysis as engine
from triage.app import format as fmt
from triage.app.commands import TriageCommands
from triage.app.filtering import SORTS, apply_filter, parse_filter, sort_rows
from triage.app.inert import clean, inert
from triage.app.preset_saving import QuerySaver, check_preset_name
from triage.app.messages import AnalysisReady, DetailReady, IncidentLoaded, LoadProgress
from triage.app.screens.help import HelpScreen
from triage.app.screens.main import MainScreen
from triage.app.screens.modals import AskModal, ConfirmModal, ErrorModal
from triage.app.screens.note import NoteScreen
from triage.app.timelines import SignatureRows, TimelineIndex, metric_series_bins
from triage.app.widgets.detail import DetailPanel
from triage.app.widgets.header import IncidentHeader
from triage.app.widgets.metrics_table import MetricsTable
from triage.app.widgets.signature_table import SPARK_BINS, SignatureTable
from triage.drafts import draft_path, load_draft, save_draft
from triage.events import Cancelled, Progress, SourceError
from triage.note import Finding, NoteDraft, render_markdown, write_note
from triage.timeparse import parse_duration, parse_time

Loader = Callable[[Progress], "engine.Incident"]

WINDOW_STEP = timedelta(minutes=5)
SHIFT_STEP = timedelta(minutes=1)
MIN_WINDOW = timedelta(minutes=1)
AUTOSAVE_DELAY = 0.3
PREVIEW_TABLE_CHROME = 40  # the findings table's other columns and borders, in cells
FILTER_DELAY = 0.03  # a redraw costs ~10 ms; this only merges key repeats
MAIN_ONLY = {
    "pin", "focus_filter", "set_deploy", "set_window", "shift", "widen", "cycle_sort",
    "reverse_sort", "toggle_expand", "zoom", "note", "reload", "save_preset",
}


class Prepared:
    """Per-load indexes so window changes and filters never rescan the events."""

    def __init__(self, incident):
        events = incident.events
        self.timelines = TimelineIndex(events)
        self.rows = SignatureRows(events)
        self.by_service = _pairs(events, "service")
        self.by_host = _pairs(events, "host")
        self.services = sorted(set(self.by_service["service"].astype(object)))
        self.hosts = sorted(set(self.by_host["host"].astype(object)))


def _pairs(events: pd.DataFrame, column: str) -> pd.DataFrame:
    pairs = events[["signature", column]].dropna().drop_duplicates()
    return pairs.reset_index(drop=True)


class TriageApp(App):
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
    ]

    def __init__(self, loader: Loader, *, tz=None, export_dir: Path | str | None = None,
                 keymap: dict[str, str] | None = None, presets: list[str] | None = None,
                 preset_loader: Callable[[str], Loader] | None = None, filter_text: str = "",
                 query_saver: QuerySaver | None = None):
        super().__init__()
        self._loader = loader
        self.tz = tz
        self.export_dir = Path(export_dir) if export_dir is not None else Path.cwd()
        self.presets = list(presets or [])
        self._preset_loader = preset_loader
        self._query_saver = query_saver
        self.last_preset: Path | None = None
        self._user_keymap = dict(keymap or {})
        self.incident = None
        self.prepared: Prepared | None = None
        self.analysis = None
        self.timelines = None
        self.metric_timelines: dict = {}
        self.deploy = None
        self.before = self.after = None
        self.draft = NoteDraft()
        self.draft_file: Path | None = None
        self.selected: str | None = None
        self.detail_shown: str | None = None  # the signature the detail pane currently shows
        self.table_refreshes = 0  # redraws of the signature table (benchmarks wait on it)
        self.sort_key, self.sort_reverse = "rank", False
        self.filter_text = filter_text
        self.expanded = False
        self.loading = False
        self.state, self.state_style = "starting", "dim"
        self.progress: Progress | None = None
        self.last_export: Path | None = None
        self._generation = 0
        self._load_generation = 0
        self._current_load: Worker | None = None
        self._debouncers: dict[str, object] = {}
        self._save_lock = threading.Lock()
        self._save_seq = self._written_seq = 0
        self._last_progress = 0.0
        self._last_progress_text = ""

    # ---- life cycle -------------------------------------------------------------------
    async def on_mount(self) -> None:
        if self._user_keymap:
            self.set_keymap(self._user_keymap)
        await self.push_screen(MainScreen())
        if self.filter_text:
            self.main.query_one("#filter", Input).value = self.filter_text
        self.start_load()

    @property
    def main(self) -> MainScreen:
        return next(s for s in self.screen_stack if isinstance(s, MainScreen))

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action in MAIN_ONLY and not isinstance(self.screen, MainScreen):
            return False
        return True

    def _debounce(self, name: str, delay: float, callback) -> None:
        timer = self._debouncers.pop(name, None)
        if timer is not None:
            timer.stop()
        self._debouncers[name] = self.set_timer(delay, callback, name=name)

    # ---- loading ------------------------------------------------------------------------
    def start_load(self, loader: Loader | None = None) -> None:
        if loader is not None:
            self._loader = loader
        if self.progress is not None:
            self.progress.cancel()  # a superseded load stops at its next page
        self._load_generation += 1
        self.loading = True
        self.progress = Progress(self._progress_from_thread)
        self._set_state("loading…", "bold yellow")
        bar = self.main.query_one("#progress", ProgressBar)
        bar.update(total=None, progress=0)
        bar.display = True
        self._current_load = self._load_worker(self.progress, self._load_generation)

    def _progress_from_thread(self, done: int, total: int | None, message: str) -> None:
        # A new waiting message (throttling) always goes through: no further update may follow
        # it for seconds, so coalescing must not swallow it.
        now = time.monotonic()
        urgent = is_waiting(message) and message != self._last_progress_text
        if urgent or now - self._last_progress >= 0.05:
            self._last_progress, self._last_progress_text = now, message
            self.post_message(LoadProgress(done, total, message))

    @work(thread=True, exclusive=True, exit_on_error=False, group="load", name="load")
    def _load_worker(self, progress: Progress, generation: int) -> None:
        incident = self._loader(progress)
        progress.update(message="indexing")
        self.post_message(IncidentLoaded(incident, Prepared(incident), generation))

    def on_load_progress(self, message: LoadProgress) -> None:
        if not self.loading:
            return
        bar = self.main.query_one("#progress", ProgressBar)
        if message.total:
            bar.update(total=message.total, progress=message.done)
            pct = f" {min(100, message.done * 100 // max(message.total, 1))}%"
        else:
            pct = f" {message.done:,}" if message.done else ""
        if is_waiting(message.text):
            # Throttled or retrying: the source is waiting on purpose, not failing.
            self._set_state(f"waiting: {clean(message.text, 60)}  (esc cancels)", "bold magenta")
        else:
            self._set_state(f"loading{pct} {clean(message.text, 60)}  (esc cancels)", "bold yellow")

    def on_incident_loaded(self, message: IncidentLoaded) -> None:
        if message.generation != self._load_generation:
            return
        self.loading = False
        self.main.query_one("#progress", ProgressBar).display = False
        incident = message.incident
        first = self.incident is None or self.incident.key != incident.key
        self.incident, self.prepared = incident, message.prepared
        if first or self.deploy is None:
            self.deploy, self.before, self.after = incident.deploy, incident.before, incident.after
        report = incident.report
        if report.partial or report.estimated:
            self._set_state(" ".join(w for w, on in (("PARTIAL", report.partial), ("ESTIMATED", report.estimated)) if on),
                            "bold red")
        else:
            self._set_state("ready", "green")
        if first:
            self._restore_draft()
        self.recompute(now=True)

    def _restore_draft(self) -> None:
        self.draft_file = draft_path(self.incident.key)
        saved = load_draft(self.draft_file)
        if saved is not None:
            self.draft = saved
            self.notify(f"Restored your draft note ({len(saved.findings)} findings).", markup=False)
        else:
            self.draft = NoteDraft(title=self.incident.title or "")

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state != WorkerState.ERROR:
            return
        error = event.worker.error
        if event.worker.group == "load":
            if event.worker is not self._current_load:
                return  # a superseded load (preset switch, reload) failing or cancelled: not news
            self.loading = False
            self.main.query_one("#progress", ProgressBar).display = False
            if isinstance(error, Cancelled):
                self._set_state("cancelled" + (" (showing previous data)" if self.incident else ""), "bold red")
                self.notify("Load cancelled.", severity="warning")
                return
            self._set_state("load failed", "bold red")
        hint = error.hint if isinstance(error, SourceError) else _hint_for(error)
        message = str(error.args[0]) if isinstance(error, SourceError) and error.args else str(error)
        title = "Could not load" if event.worker.group == "load" else f"{event.worker.name or 'Task'} failed"
        self.push_screen(ErrorModal(title, f"{type(error).__name__}: {message}", hint))

    def action_cancel(self) -> None:
        focused = self.focused
        if self.loading and self.progress is not None:
            # Cancelling a running load comes first, wherever the focus is (the filter may hold it).
            self.progress.cancel()
            self._set_state("cancelling…", "bold red")
        elif isinstance(focused, Input) and focused.id == "filter":
            self.main.query_one("#signatures").focus()
        elif self.screen.maximized is not None:
            self.screen.minimize()

    def action_reload(self) -> None:
        if not self.loading:
            self.start_load()

    def switch_preset(self, name: str) -> None:
        if self._preset_loader is None:
            return
        try:
            loader = self._preset_loader(name)
        except (ValueError, OSError) as exc:
            self.push_screen(ErrorModal("Cannot switch preset", str(exc)))
            return
        self.incident = None
        self.deploy = None
        self.start_load(loader)

    def action_save_preset(self) -> None:
        if self._query_saver is None:
            self.notify("Nothing to save: presets hold a `triage open` query (files or --source).",
                        severity="warning", markup=False)
            return

        def done(value: str | None) -> None:
            if value and value.strip():
                self.save_preset(check_preset_name(value), overwrite=False)

        self.push_screen(AskModal("Save query as preset",
                                  "Name for this query (source, filters, windows; never the deploy time). "
                                  "Written to your presets folder; switch to it from the palette.",
                                  value=self.last_preset.stem if self.last_preset else "",
                                  placeholder="checkout-prod", check=check_preset_name), done)

    def save_preset(self, name: str, *, overwrite: bool) -> None:
        try:
            path = self._query_saver(name, before=self.before, after=self.after, overwrite=overwrite)
        except FileExistsError as exc:
            def answer(yes: bool | None) -> None:
                if yes:
                    self.save_preset(name, overwrite=True)

            self.push_screen(ConfirmModal("Preset exists", f"{exc} already exists. Overwrite it?",
                                          yes="Overwrite"), answer)
            return
        except (ValueError, OSError) as exc:  # PresetError says which key; never a traceback
            hint = "give credentials as env vars (e.g. --es-url '$ES_URL')" if "env" in str(exc).lower() else ""
            self.push_screen(ErrorModal("Cannot save preset", str(exc), hint))
            return
        self.last_preset = Path(path)
        if name not in self.presets:
            self.presets.append(name)
        self.notify(f"Preset {name} written to {path}", title="Saved", markup=False, timeout=8)

    # ---- analysis -----------------------------------------------------------------------
    def recompute(self, now: bool = False) -> None:
        """Re-analyse the loaded events for the current deploy/windows (coalesces key repeats)."""
        if self.incident is None:
            return
        self._generation += 1
        self._update_header()
        if now:
            self._analysis_worker(self._generation, self.deploy, self.before, self.after)
        else:
            gen = self._generation
            self._debounce("analysis", 0.03, lambda: self._analysis_worker(gen, self.deploy, self.before, self.after))

    @work(thread=True, exclusive=True, exit_on_error=False, group="analysis", name="analysis")
    def _analysis_worker(self, generation: int, deploy, before, after) -> None:
        incident, prepared = self.incident, self.prepared
        result = engine.analyze(incident, deploy=deploy, before=before, after=after, tz=self.tz)
        start, end = deploy - before, deploy + after
        table = prepared.timelines.counts(start, end, SPARK_BINS)
        metric_lines = metric_series_bins(incident.metrics, start, end, SPARK_BINS)
        self.post_message(AnalysisReady(generation, result, (table, metric_lines)))

    def on_analysis_ready(self, message: AnalysisReady) -> None:
        if message.generation != self._generation:
            return
        self.analysis = message.analysis
        self.timelines, self.metric_timelines = message.timelines
        self.refresh_table()
        self.refresh_metrics()
        self._update_notices()
        self._update_header()
        if self.selected:
            self.select_signature(self.selected, delay=0)

    @property
    def deploy_bin(self) -> int:
        total = (self.before + self.after).total_seconds()
        return round(SPARK_BINS * self.before.total_seconds() / total) if total else SPARK_BINS // 2

    def refresh_table(self) -> None:
        if self.analysis is None:
            return
        rows = self.visible_rows()
        self.table_refreshes += 1
        table = self.main.query_one("#signatures", SignatureTable)
        table.populate(rows, self.timelines, self.prepared.timelines, self.deploy_bin, self.pinned_keys())
        total, shown = len(self.analysis.signatures), len(rows)
        subtitle = f"{shown:,} of {total:,} signatures" if shown < total else f"{total:,} signatures"
        arrow = "↑" if self.sort_reverse else ""
        subtitle += f" · sort {self.sort_key}{arrow}"
        self.main.query_one("#signatures-box").border_subtitle = Text(subtitle)
        sig = table.selected_signature()
        if sig is None:
            self.selected = None
            self.main.query_one("#detail", DetailPanel).show_empty("No signature matches." if total else "No events.")
        elif sig != self.selected:
            self.select_signature(sig, delay=0)

    def visible_rows(self) -> pd.DataFrame:
        if self.analysis is None:
            return pd.DataFrame()
        f = parse_filter(self.filter_text)
        prepared = self.prepared
        rows = apply_filter(self.analysis.signatures, f, prepared.by_service, prepared.by_host)
        return sort_rows(rows, self.sort_key, self.sort_reverse)

    def refresh_metrics(self) -> None:
        table = self.main.query_one("#metrics", MetricsTable)
        table.populate(self.analysis.metrics, self.analysis.dimensions, self.metric_timelines,
                       self.deploy_bin, self.pinned_keys())

    def _update_header(self) -> None:
        inc = self.incident
        header = self.main.query_one("#header", IncidentHeader)
        if inc is None:
            header.show(source="", deploy=None, version=None, before=None, after=None, events=None,
                        state=self.state, state_style=self.state_style, tz=self.tz)
            return
        source = inc.title or (inc.sources[0] if inc.sources else "")
        if len(inc.sources) > 1 and not inc.title:
            source += f" (+{len(inc.sources) - 1})"
        header.show(source=source, deploy=self.deploy, version=inc.version, before=self.before, after=self.after,
                    events=len(inc.events), state=self.state, state_style=self.state_style, tz=self.tz)

    def _set_state(self, state: str, style: str) -> None:
        self.state, self.state_style = state, style
        self._update_header()

    def _update_notices(self) -> None:
        bits = list(self.analysis.warnings) if self.analysis is not None else []
        warning = self.incident.report.warning() if self.incident is not None else None
        for part in (warning or "").split("; "):
            if part and part not in bits:
                bits.append(part)
        notices = self.main.query_one("#notices", Static)
        notices.update(inert(" ⚠ " + "; ".join(bits), limit=400) if bits else Text(""))
        notices.display = bool(bits)

    # ---- selection and detail --------------------------------------------------------------
    def select_signature(self, signature: str | None, delay: float = 0.01) -> None:
        if signature is None or self.incident is None:
            return
        self.selected = signature
        bins = max(20, min(100, self.main.query_one("#detail").size.width - 10))
        if delay:
            self._debounce("detail", delay, lambda: self._detail_worker(signature, bins))
        else:
            self._detail_worker(signature, bins)

    @work(thread=True, exclusive=True, exit_on_error=False, group="detail", name="detail")
    def _detail_worker(self, signature: str, bins: int) -> None:
        # One signature's rows as a small incident: the engine then works on thousands, not millions.
        rows = self.prepared.rows
        incident = replace(self.incident, events=self.incident.events.take(rows.rows(signature)), deploy=self.deploy)
        start, end = self._sample_window(signature)
        detail = engine.signature_detail(incident, signature, samples=5, start=start, end=end)
        counts, deploy_bin = engine.timeline(incident, signature, bins=bins, start=rows.start, end=rows.end)
        self.post_message(DetailReady(signature, detail, (counts, deploy_bin)))

    def _sample_window(self, signature: str):
        """Samples from the side of the deploy that changed: after for NEW/SPIKE, before for GONE/DROP."""
        status = self._signature_row(signature).get("status")
        if status in ("NEW", "SPIKE"):
            return self.deploy, self.deploy + self.after
        if status in ("GONE", "DROP"):
            return self.deploy - self.before, self.deploy
        return None, None

    def on_detail_ready(self, message: DetailReady) -> None:
        if message.signature != self.selected:
            return
        counts, deploy_bin = message.histogram
        row = self._signature_row(message.signature)
        panel = self.main.query_one("#detail", DetailPanel)
        panel.border_title = inert("Detail: " + str(message.detail.template), limit=90)
        panel.show(message.detail, counts, deploy_bin, tz=self.tz, expanded=self.expanded,
                   status=row.get("status", ""), before=row.get("before"), after=row.get("after"),
                   span=(self.prepared.rows.start, self.prepared.rows.end),
                   compact=self.main.maximized is not panel)
        self.detail_shown = message.signature

    def _signature_row(self, signature: str) -> dict:
        if self.analysis is None:
            return {}
        sigs = self.analysis.signatures
        hit = sigs[sigs["signature"].astype(object) == signature]
        return hit.iloc[0].to_dict() if len(hit) else {}

    def action_toggle_expand(self) -> None:
        self.expanded = not self.expanded
        self.select_signature(self.selected, delay=0)

    def open_detail(self, signature: str) -> None:
        """Enter on a signature: the detail pane fills the screen (samples, traces); escape returns."""
        if signature != self.selected or self.detail_shown != signature:
            self.select_signature(signature, delay=0)
        detail = self.main.query_one("#detail", DetailPanel)
        detail.focus()
        self.main.maximize(detail)
        detail.border_subtitle = "esc: back  x: traces  f: pin"  # MainScreen redraws it at the zoomed size

    def action_zoom(self) -> None:
        screen = self.screen
        if screen.maximized is not None:
            self.screen.minimize()
        elif self.focused is not None:
            screen.maximize(self.focused)

    # ---- filter and sort --------------------------------------------------------------------
    def filter_changed(self, text: str) -> None:
        self.filter_text = text
        self._debounce("filter", FILTER_DELAY, self.refresh_table)

    def set_filter_token(self, key: str, value: str | None) -> None:
        words = [w for w in self.filter_text.split() if not w.lower().startswith(f"{key}:")]
        if value:
            words.append(f"{key}:{value}")
        self.main.query_one("#filter", Input).value = " ".join(words)
        self.filter_text = " ".join(words)
        self.refresh_table()

    def clear_filter(self) -> None:
        self.main.query_one("#filter", Input).value = ""
        self.filter_text = ""
        self.refresh_table()

    def action_focus_filter(self) -> None:
        self.main.query_one("#filter", Input).focus()

    def sort_by(self, key: str) -> None:
        if key not in SORTS:
            return
        if key == self.sort_key:
            self.sort_reverse = not self.sort_reverse
        else:
            self.sort_key, self.sort_reverse = key, False
        self.refresh_table()

    def action_cycle_sort(self) -> None:
        keys = list(SORTS)
        self.sort_key = keys[(keys.index(self.sort_key) + 1) % len(keys)]
        self.sort_reverse = False
        self.refresh_table()

    def action_reverse_sort(self) -> None:
        self.sort_reverse = not self.sort_reverse
        self.refresh_table()

    # ---- time controls ---------------------------------------------------------------------
    def _has_data(self) -> bool:
        if self.incident is None:
            self.notify("Nothing loaded yet.", severity="warning")
            return False
        return True

    def parse_deploy(self, text: str):
        """Absolute/relative-to-now times, or `+5m`/`-90s` relative to the current deploy."""
        t = text.strip()
        if t[:1] in "+-" and self.deploy is not None:
            delta = parse_duration(t[1:])
            return self.deploy + delta if t[0] == "+" else self.deploy - delta
        return parse_time(t, tz=self.tz)

    def action_set_deploy(self) -> None:
        if not self._has_data():
            return

        def done(value: str | None) -> None:
            if value:
                self.set_deploy(self.parse_deploy(value))

        self.push_screen(AskModal("Set deploy time", "When did the deploy happen? (times without a zone are in "
                                  f"{fmt.zone_name(self.deploy, self.tz)})",
                                  value=fmt.when(self.deploy, self.tz),
                                  placeholder="2026-11-26 14:02, now-2h, +5m", check=self.parse_deploy), done)

    def set_deploy(self, deploy) -> None:
        self.deploy = deploy
        self.recompute()

    def action_shift(self, direction: int) -> None:
        if self._has_data():
            self.set_deploy(self.deploy + direction * SHIFT_STEP)

    def action_widen(self, direction: int) -> None:
        if self._has_data():
            self.set_windows(max(MIN_WINDOW, self.before + direction * WINDOW_STEP),
                             max(MIN_WINDOW, self.after + direction * WINDOW_STEP))

    def set_windows(self, before: timedelta, after: timedelta) -> None:
        self.before, self.after = before, after
        self.recompute()

    @staticmethod
    def parse_windows(text: str) -> tuple[timedelta, timedelta]:
        parts = [p for p in text.replace("+", "").replace("-", "").split("/") if p.strip()]
        if len(parts) not in (1, 2):
            raise ValueError("give one duration (15m) or before/after (10m/45m)")
        values = [parse_duration(p) for p in parts]
        if any(v < MIN_WINDOW for v in values):
            raise ValueError("windows must be at least 1 minute")
        return (values[0], values[-1])

    def action_set_window(self) -> None:
        if not self._has_data():
            return

        def done(value: str | None) -> None:
            if value:
                self.set_windows(*self.parse_windows(value))

        current = f"{fmt.duration(self.before)}/{fmt.duration(self.after)}"
        self.push_screen(AskModal("Set windows", "Before/after the deploy, e.g. 30m or 10m/45m", value=current,
                                  check=self.parse_windows), done)

    # ---- findings and the note ---------------------------------------------------------------
    def pinned_keys(self) -> set[str]:
        keys = set()
        for f in self.draft.findings:
            keys.add(f.key if f.kind == "signature" else f"{f.kind}:{f.key}")
        return keys

    def _focused_finding(self) -> Finding | None:
        focused = self.focused
        if isinstance(focused, MetricsTable):
            selected = focused.selected_finding()
            return Finding(*selected) if selected else None
        return Finding("signature", self.selected) if self.selected else None

    def finding_label(self, finding: Finding) -> str:
        if finding.kind == "signature" and self.analysis is not None:
            row = self._signature_row(finding.key)
            if row:
                return f"{row.get('status', '')} {row.get('template', '')}"
        return finding.key

    def action_pin(self) -> None:
        finding = self._focused_finding()
        if finding is None:
            self.notify("Select a signature or metric to pin.", severity="warning")
            return
        for i, f in enumerate(self.draft.findings):
            if (f.kind, f.key) == (finding.kind, finding.key):
                self.remove_finding(i)
                return

        def done(comment: str | None) -> None:
            if comment is None:
                return
            self.draft.findings.append(replace(finding, comment=comment.strip()))
            self._draft_changed(immediate=True)
            self.notify("Pinned to the note.", markup=False)

        self.push_screen(AskModal("Pin finding", self.finding_label(finding),
                                  placeholder="optional comment, Enter to pin"), done)

    def remove_finding(self, index: int) -> None:
        if 0 <= index < len(self.draft.findings):
            del self.draft.findings[index]
            self._draft_changed(immediate=True)
            self.notify("Unpinned.", markup=False)

    def edit_finding_comment(self, index: int) -> None:
        if not 0 <= index < len(self.draft.findings):
            return
        finding = self.draft.findings[index]

        def done(comment: str | None) -> None:
            if comment is not None:
                finding.comment = comment.strip()
                self._draft_changed(immediate=True)

        self.push_screen(AskModal("Comment", self.finding_label(finding), value=finding.comment), done)

    def update_draft(self, field: str, value: str) -> None:
        if getattr(self.draft, field) != value:
            setattr(self.draft, field, value)
            self._draft_changed()

    def _draft_changed(self, immediate: bool = False) -> None:
        if immediate:
            self.save_now()
        else:
            self._debounce("autosave", AUTOSAVE_DELAY, self.save_now)
        pinned = self.pinned_keys()
        if self.analysis is not None:
            table = self.main.query_one("#signatures", SignatureTable)
            for sig in table.rows:
                table.mark_pinned(sig.value, sig.value in pinned)
            self.refresh_metrics()
        if isinstance(self.screen, NoteScreen):
            self.screen.show_findings(self.draft.findings)
            self.refresh_preview()

    def save_now(self) -> None:
        if self.draft_file is None:
            return
        self._save_seq += 1
        self._save_worker(self._save_seq, NoteDraft.from_dict(self.draft.to_dict()))

    @work(thread=True, exit_on_error=False, group="save", name="autosave")
    def _save_worker(self, seq: int, snapshot: NoteDraft) -> None:
        with self._save_lock:
            if seq <= self._written_seq:
                return
            save_draft(self.draft_file, snapshot)
            self._written_seq = seq

    def flush_draft(self) -> None:
        """Write any pending change synchronously (on quit)."""
        timer = self._debouncers.pop("autosave", None)
        if timer is not None and self.draft_file is not None:
            timer.stop()
            with self._save_lock:
                save_draft(self.draft_file, self.draft)
                self._save_seq += 1
                self._written_seq = self._save_seq

    async def action_quit(self) -> None:
        self.flush_draft()
        self.exit()

    def on_unmount(self) -> None:
        # A load thread cannot be killed: tell it to stop at its next page so the process can exit.
        if self.progress is not None:
            self.progress.cancel()

    def action_note(self) -> None:
        if self._has_data():
            self.push_screen(NoteScreen(self.draft))

    def render_note(self, max_template: int | None = None) -> str:
        extra = {"max_template": max_template} if max_template else {}
        return render_markdown(self.incident, self.analysis, self.draft, tz=self.tz, **extra)

    def refresh_preview(self) -> None:
        self._debounce("preview", 0.25, self.action_refresh_preview)

    def action_refresh_preview(self) -> None:
        self._preview_worker(self._preview_template_cells())

    def _preview_template_cells(self) -> int | None:
        """Template width for the preview's findings table, so its columns fit the pane
        (the exported file keeps the renderer's default; the full templates are in both)."""
        if not isinstance(self.screen, NoteScreen):
            return None
        width = self.screen.query_one("#note-preview-box").size.width
        return max(20, width - PREVIEW_TABLE_CHROME) if width else None

    @work(thread=True, exclusive=True, exit_on_error=False, group="preview", name="note preview")
    def _preview_worker(self, max_template: int | None = None) -> None:
        if self.analysis is None:
            return
        text = self.render_note(max_template)
        self.call_from_thread(self._show_preview, text)

    def _show_preview(self, text: str) -> None:
        if isinstance(self.screen, NoteScreen):
            self.screen.show_preview(text)

    def default_export_path(self) -> Path:
        stamp = pd.Timestamp(self.deploy).strftime("%Y%m%d-%H%M") if self.deploy is not None else "note"
        return self.export_dir / f"incident-{stamp}.md"

    def action_export_note(self) -> None:
        if not self._has_data() or self.analysis is None:
            return

        def done(value: str | None) -> None:
            if value and value.strip():
                self._export_worker(Path(value.strip()).expanduser(), False)

        self.push_screen(AskModal("Export note", "Write the redacted Markdown note to:",
                                  value=str(self.last_export or self.default_export_path())), done)

    @work(thread=True, exit_on_error=False, group="export", name="export")
    def _export_worker(self, path: Path, force: bool) -> None:
        text = self.render_note()
        try:
            written = write_note(path, text, force=force)
        except FileExistsError:
            self.call_from_thread(self._ask_overwrite, path)
            return
        except OSError as exc:
            self.notify(f"Could not write {path}: {exc.strerror or exc}", severity="error", markup=False)
            return
        self.last_export = Path(written)
        self.notify(f"Note written to {written}", title="Exported", markup=False, timeout=8)

    def _ask_overwrite(self, path: Path) -> None:
        def done(yes: bool | None) -> None:
            if yes:
                self._export_worker(path, True)

        self.push_screen(ConfirmModal("File exists", f"{path} already exists. Overwrite it?", yes="Overwrite"), done)

    def action_copy_note(self) -> None:
        if not self._has_data() or self.analysis is None:
            return
        self.copy_to_clipboard(self.render_note())
        self.notify("Note copied to the clipboard (needs a terminal that allows OSC 52).", markup=False)

    # ---- help ---------------------------------------------------------------------------------
    def action_help(self) -> None:
        rows, seen = [], set()
        for key, active in self.screen.active_bindings.items():
            binding = active.binding
            if binding.id and binding.id not in seen:
                seen.add(binding.id)
                rows.append((self.get_key_display(binding), binding.description or binding.action, binding.id))
        for binding in self.BINDINGS:
            if isinstance(binding, Binding) and binding.id not in seen:
                seen.add(binding.id)
                rows.append((self.get_key_display(binding), binding.description, binding.id))
        if isinstance(self.screen, MainScreen):
            rows.append(("enter", "Open the selected signature's detail full screen", "(table)"))
        rows.append(("ctrl+p", "Command palette", "(textual)"))
        self.push_screen(HelpScreen(rows))


WAITING_WORDS = ("throttled", "retrying in")


def is_waiting(message: str) -> bool:
    """Sources report back-off as a progress message ("throttled, waiting 4s", "retrying in 2.0 s")."""
    text = (message or "").lower()
    return any(word in text for word in WAITING_WORDS)


def _hint_for(error: BaseException) -> str:
    if isinstance(error, FileNotFoundError):
        return "check the path"
    if isinstance(error, PermissionError):
        return "check file permissions"
    if isinstance(error, MemoryError):
        return "narrow the time range or the query"
    return "see the message above; press Escape to close"
