"""Analysis: the deploy, the windows, filter, sort and selection over the loaded incident.

Every change re-runs the engine in a worker on a frozen `AnalysisJob`; the selected signature's
detail runs on a `DetailJob`. Results come back as messages and are drawn on the UI thread.
"""

from __future__ import annotations

import threading
import time
import weakref
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple

import pandas as pd
from rich.text import Text
from textual.widgets import Input, Static
from textual.worker import get_current_worker

from triage import analysis as engine
from triage.app import format as fmt
from triage.app.filtering import SORTS, apply_filter, parse_filter, sort_rows
from triage.app.inert import inert, screen_redaction, set_screen_redaction
from triage.app.messages import AnalysisReady, DeployCandidates, DetailReady
from triage.app.screens.modals import AskModal
from triage.app.timelines import Prepared, metric_series_bins
from triage.app.widgets.detail import DetailPanel
from triage.app.widgets.metrics_table import MetricsTable
from triage.app.widgets.signature_table import SPARK_BINS, SignatureTable
from triage.timeparse import parse_duration, parse_time

from . import Debouncer

if TYPE_CHECKING:
    from triage.analysis import Incident
    from triage.app.app import TriageApp

WINDOW_STEP = timedelta(minutes=5)
SHIFT_STEP = timedelta(minutes=1)
MIN_WINDOW = timedelta(minutes=1)
ANALYSIS_DELAY = 0.03  # merges key repeats of [ ] + -
FILTER_DELAY = 0.03  # a redraw costs ~10 ms; this only merges key repeats
JUDGE_EVERY = 1.0  # seconds: while following, stories and the service/host table are redone at most this often
FOLLOW_DETAIL_EVERY = 2.0  # seconds: while following, the selected signature's detail is redone at most this often
DETAIL_SLOT_SAMPLE = 5000  # events the detail pane's value inspector reads (shares; the note reads SLOT_SAMPLE)
PREFETCH_STALE = 3.0  # seconds: following, a prefetched detail this recent is shown at once (and redrawn when due)
PREFETCH_ROWS = (1, -1, 2, -2)  # after a detail is shown, the rows next to it are made in the background (nearest first)


@dataclass(frozen=True)
class Span:
    """The deploy and the windows around it; replaced, never mutated, so a job can hold one."""

    deploy: datetime
    before: timedelta
    after: timedelta

    @property
    def start(self) -> datetime:
        return self.deploy - self.before

    @property
    def end(self) -> datetime:
        return self.deploy + self.after

    @property
    def deploy_bin(self) -> int:
        """The sparkline column of the deploy."""
        total = (self.before + self.after).total_seconds()
        return round(SPARK_BINS * self.before.total_seconds() / total) if total else SPARK_BINS // 2

    def bin_of(self, when: datetime | None) -> int | None:
        """The sparkline column of a marker (the rollback); None when unmarked or outside the windows."""
        total = (self.before + self.after).total_seconds()
        if when is None or not total or not self.start <= when <= self.end:
            return None
        return min(SPARK_BINS - 1, int(SPARK_BINS * (when - self.start).total_seconds() / total))


class MadeFrom(NamedTuple):
    """What a detail was made from (weak references: a kept detail keeps no old incident alive)."""

    incident: Any
    prepared: Any
    analysis: Any
    span: Any
    bins: int


class Prefetched(NamedTuple):
    ready: DetailReady
    made_from: MadeFrom
    made_at: float  # time.monotonic()


@dataclass(frozen=True)
class AnalysisJob:
    generation: int
    incident: Incident
    prepared: Prepared
    span: Span
    tz: Any
    keep: Any = None  # an earlier Analysis whose stories and service/host table are kept (engine.analyze)
    pause: Any = None  # called between the engine's stages (the follow worker: waits for the user's jobs)


def run_analysis(job: AnalysisJob) -> AnalysisReady:
    """Worker body: deltas for the windows plus the sparkline bins of every row and metric."""
    span = job.span
    result = engine.analyze(job.incident, deploy=span.deploy, before=span.before, after=span.after, tz=job.tz,
                            keep=job.keep, pause=job.pause)
    if job.pause is not None:
        job.pause()
    start, end = span.start, span.end
    table = job.prepared.timelines.counts(start, end, SPARK_BINS)
    metric_lines = metric_series_bins(job.incident.metrics, start, end, SPARK_BINS)
    return AnalysisReady(job.generation, result, (table, metric_lines))


@dataclass(frozen=True)
class FollowView:
    """What the table shows, published by the UI thread for the follow worker (one immutable snapshot)."""

    incident: Incident
    span: Span
    tz: Any

    def span_for(self, grown: Incident) -> Span:
        """An after window that reached the newest event keeps reaching it."""
        if self.span.after >= self.incident.after:
            return replace(self.span, after=grown.after)
        return self.span


@dataclass(frozen=True)
class FollowResult:
    """The follow worker's analysis of a grown incident, valid while the view is still `base`."""

    base: FollowView
    span: Span
    analysis: Any
    timelines: Any
    judged_at: float  # time.monotonic() of the analysis whose stories it shows


def run_follow_analysis(view: FollowView, grown: Incident, prepared: Prepared,
                        last: FollowResult | None = None, pause=None) -> FollowResult:
    """Worker body: the grown incident analysed for the windows on screen (its arrays were extended, not rebuilt).

    Stories, judgement and the service/host table are redone at most every JUDGE_EVERY seconds
    (and whenever the windows on screen are not the ones `last` was made for); in between `last`'s are kept.
    """
    span = view.span_for(grown)
    now = time.monotonic()
    fresh = last is None or now - last.judged_at >= JUDGE_EVERY or view.span != last.span
    keep = None if fresh or last is None else last.analysis
    ready = run_analysis(AnalysisJob(0, grown, prepared, span, view.tz, keep, pause))
    return FollowResult(view, span, ready.analysis, ready.timelines, now if fresh or last is None else last.judged_at)


@dataclass(frozen=True)
class DetailJob:
    signature: str
    bins: int
    incident: Incident
    prepared: Prepared
    deploy: datetime
    samples_from: datetime | None
    samples_to: datetime | None
    analysis: Any = None  # for the field/value contrast of a changed signature


def run_detail(job: DetailJob) -> DetailReady:
    """Worker body. One signature's rows as a small incident: the engine works on thousands, not millions."""
    rows = job.prepared.rows
    incident = replace(job.incident, events=job.incident.events.take(rows.rows(job.signature)), deploy=job.deploy)
    detail = engine.signature_detail(incident, job.signature, samples=5, start=job.samples_from, end=job.samples_to,
                                     slot_sample=DETAIL_SLOT_SAMPLE)
    counts, deploy_bin = engine.timeline(incident, job.signature, bins=job.bins, start=rows.start, end=rows.end)
    rollback_bin = engine.rollback_bin(incident, bins=job.bins, start=rows.start, end=rows.end)
    contrast: tuple = ()
    if job.analysis is not None and job.samples_from is not None:  # changed: NEW/SPIKE/GONE/DROP
        from triage.judgement import signature_contrast

        contrast = tuple(signature_contrast(job.incident, job.analysis, job.signature))
    return DetailReady(job.signature, detail, (counts, deploy_bin, rollback_bin), contrast)


def _row_counts(row: dict | None) -> tuple:
    row = row or {}
    return tuple(row.get(k) for k in ("status", "before", "after", "since_rollback"))


def find_candidates(events) -> list:
    """Worker body for the deploy picker (triage.deploys; about a second on 1M events)."""
    from triage.deploys import suggest_deploys

    return suggest_deploys(events)


def sample_window(status: str | None, span: Span) -> tuple[datetime | None, datetime | None]:
    """Samples from the side of the deploy that changed: after for NEW/SPIKE, before for GONE/DROP."""
    if status in ("NEW", "SPIKE"):
        return span.deploy, span.end
    if status in ("GONE", "DROP"):
        return span.start, span.deploy
    return None, None


def parse_windows(text: str) -> tuple[timedelta, timedelta]:
    """`15m` (both windows) or `10m/45m` (before/after); ValueError keeps the dialog open."""
    parts = [p for p in text.replace("+", "").replace("-", "").split("/") if p.strip()]
    if len(parts) not in (1, 2):
        raise ValueError("give one duration (15m) or before/after (10m/45m)")
    values = [parse_duration(p) for p in parts]
    if any(v < MIN_WINDOW for v in values):
        raise ValueError("windows must be at least 1 minute")
    return (values[0], values[-1])


class AnalysisController:
    """The view over one incident and the workers that compute it."""

    def __init__(self, app: TriageApp, *, tz=None, filter_text: str = ""):
        self.app = app
        self.tz = tz
        self.incident: Incident | None = None
        self.prepared: Prepared | None = None
        self.span: Span | None = None
        self.analysis: Any = None
        self.timelines: Any = None
        self.metric_timelines: dict = {}
        self.generation = 0
        self.selected: str | None = None
        self.detail_shown: str | None = None  # the signature the detail pane currently shows
        self.table_refreshes = 0  # redraws of the signature table (benchmarks wait on it)
        self.sort_key, self.sort_reverse = "rank", False
        self.filter_text = filter_text
        self.expanded = False
        self.follow_view: FollowView | None = None  # replaced (never mutated) on the UI thread
        self._detail_at = 0.0  # when a follow step last refreshed the detail pane
        self._detail_asked: str | None = None  # the signature of the last detail job started
        self.selected_at = 0.0  # time.monotonic() of the last selection (the follow worker's full GC waits)
        self._prefetched: dict[str, Prefetched] = {}  # details made for rows next to the shown one
        self._last_row: int | None = None  # the table row of the last detail shown (the cursor's way)
        self._went_up = False
        self._prefetching: Any = None  # the prefetch worker (textual Worker)
        self.idle = threading.Event()  # clear while a job the user asked for runs: the follow worker waits
        self.idle.set()
        self._busy: set[str] = set()  # "analysis", "detail": the jobs it waits for
        self._later = Debouncer(app)

    @property
    def deploy(self) -> datetime | None:
        return self.span.deploy if self.span is not None else None

    @property
    def before(self) -> timedelta | None:
        return self.span.before if self.span is not None else None

    @property
    def after(self) -> timedelta | None:
        return self.span.after if self.span is not None else None

    # ---- the incident -----------------------------------------------------------------------
    def adopt(self, incident: Incident, prepared: Prepared) -> bool:
        """A load finished; True when it is a different incident (windows and draft start afresh)."""
        first = self.incident is None or self.incident.key != incident.key
        self.incident, self.prepared = incident, prepared
        if first or self.span is None:
            self.span = Span(incident.deploy, incident.before, incident.after)
        return first

    def grow(self, incident: Incident, prepared: Prepared, result: FollowResult | None = None) -> bool:
        """Follow mode: more events. An after window that reached the newest event keeps reaching it.

        When the worker's `result` was computed for what is still on screen it is swapped in as is
        (True); otherwise (the windows changed meanwhile) the analysis runs again.
        """
        previous = self.incident
        if previous is not None and previous.rollback is not None and incident.rollback is None:
            incident.rollback = previous.rollback  # marked while the step ran
            result = None
        view = self.follow_view
        self.incident, self.prepared = incident, prepared
        if result is not None and view is result.base and previous is view.incident and self.span == view.span:
            self.span = result.span
            self.generation += 1  # an analysis still running is superseded
            self._job("analysis", False)
            self.follow_view = FollowView(incident, result.span, self.tz)
            self.app.update_header()
            self._show(result.analysis, result.timelines, follow=True)
            return True
        if self.span is not None and previous is not None and self.span.after >= previous.after:
            self.span = replace(self.span, after=incident.after)
        self.recompute()
        return False

    def _job(self, kind: str, running: bool) -> None:
        """Track the user's jobs: the follow worker steps while none runs."""
        if running:
            self._busy.add(kind)
            self.idle.clear()
        else:
            self._busy.discard(kind)
            if not self._busy and not self.idle.is_set():
                self.idle.set()
                self.app.call_after_refresh(self.app.follow.resume)  # the detail is painted first

    def forget(self) -> None:
        """A preset switch: the next load is a new incident with its own deploy."""
        self.incident = None
        self.span = None

    def has_data(self) -> bool:
        if self.incident is None:
            self.app.notify("Nothing loaded yet.", severity="warning")
            return False
        return True

    # ---- analysis -----------------------------------------------------------------------------
    def recompute(self, now: bool = False) -> None:
        """Re-analyse the loaded events for the current deploy/windows (coalesces key repeats)."""
        if self.incident is None:
            return
        self.generation += 1
        self.follow_view = FollowView(self.incident, self.span, self.tz) if self.span is not None else None
        self.app.update_header()
        if now:
            self._run_analysis(self.generation)
        else:
            gen = self.generation
            self._later("analysis", ANALYSIS_DELAY, lambda: self._run_analysis(gen))

    def _run_analysis(self, generation: int) -> None:
        if self.incident is None or self.prepared is None or self.span is None:
            return
        job = AnalysisJob(generation, self.incident, self.prepared, self.span, self.tz)
        self._job("analysis", True)
        self.app.workers.cancel_group(self.app, "prefetch")  # details for the old windows: not wanted now
        self.app.run_worker(lambda: self.app.post_message(run_analysis(job)), thread=True, exclusive=True,
                            exit_on_error=False, group="analysis", name="analysis")

    def show_analysis(self, message: AnalysisReady) -> None:
        if message.generation != self.generation:
            return
        self._job("analysis", False)
        self._show(message.analysis, message.timelines)

    def _show(self, analysis, timelines, follow: bool = False) -> None:
        """Draw a finished analysis. A follow step refreshes the detail pane at most every FOLLOW_DETAIL_EVERY."""
        old_row = self.signature_row(self.selected) if follow and self.selected else None
        self.analysis = analysis
        self.timelines, self.metric_timelines = timelines
        self.refresh_table()
        self.refresh_metrics()
        self.update_notices()
        self.app.update_header()
        if not self.selected:
            return
        if not follow:
            self.select(self.selected, delay=0)
            return
        if _row_counts(old_row) == _row_counts(self.signature_row(self.selected)):
            return
        due = self._detail_at + FOLLOW_DETAIL_EVERY - time.monotonic()
        selected = self.selected
        if due <= 0:
            self._follow_detail(selected)
        else:
            self._later("detail", due, lambda: self._follow_detail(selected))

    def _follow_detail(self, signature: str) -> None:
        if signature == self.selected:
            self._detail_at = time.monotonic()
            self.select(signature, delay=0, cached=False)

    def refresh_table(self) -> None:
        if self.analysis is None or self.prepared is None or self.span is None:
            return
        main = self.app.main
        rows = self.visible_rows()
        self.table_refreshes += 1
        table = main.query_one("#signatures", SignatureTable)
        table.populate(rows, self.timelines, self.prepared.timelines, self.span.deploy_bin,
                      self.app.drafts.pinned_keys(), rollback_bin=self.span.bin_of(self._rollback()))
        if self.selected is not None and self.detail_shown == self.selected:
            self._prefetch_around(self.selected, moved=False)  # the rows may have moved: new neighbours
        total, shown = len(self.analysis.signatures), len(rows)
        subtitle = f"{shown:,} of {total:,} signatures" if shown < total else f"{total:,} signatures"
        arrow = "↑" if self.sort_reverse else ""
        subtitle += f" · sort {self.sort_key}{arrow}"
        main.query_one("#signatures-box").border_subtitle = Text(subtitle)
        sig = table.selected_signature()
        if sig is None:
            self.selected = None
            main.query_one("#detail", DetailPanel).show_empty("No signature matches." if total else "No events.")
        elif sig != self.selected:
            self.select(sig, delay=0)

    def _rollback(self) -> datetime | None:
        return getattr(self.incident, "rollback", None)

    def visible_rows(self) -> pd.DataFrame:
        prepared = self.prepared
        if self.analysis is None or prepared is None:
            return pd.DataFrame()
        f = parse_filter(self.filter_text)
        rows = apply_filter(self.analysis.signatures, f, prepared.by_service, prepared.by_host)
        return sort_rows(rows, self.sort_key, self.sort_reverse)

    def refresh_metrics(self) -> None:
        if self.analysis is None or self.span is None:
            return
        table = self.app.main.query_one("#metrics", MetricsTable)
        table.populate(self.analysis.metrics, self.analysis.dimensions, self.metric_timelines,
                       self.span.deploy_bin, self.app.drafts.pinned_keys(), rollback_bin=self.span.bin_of(self._rollback()))

    def show_pins(self, pinned: set[str]) -> None:
        """The pinned marks in both tables after the draft's findings changed."""
        if self.analysis is None:
            return
        table = self.app.main.query_one("#signatures", SignatureTable)
        for sig in table.rows:
            if sig.value is not None:
                table.mark_pinned(sig.value, sig.value in pinned)
        self.refresh_metrics()

    def update_notices(self) -> None:
        bits = list(self.analysis.warnings) if self.analysis is not None else []
        warning = self.incident.report.warning() if self.incident is not None else None
        for part in (warning or "").split("; "):
            if part and part not in bits:
                bits.append(part)
        notices = self.app.main.query_one("#notices", Static)
        notices.update(inert(" ⚠ " + "; ".join(bits), limit=400) if bits else Text(""))
        notices.display = bool(bits)

    # ---- selection and detail --------------------------------------------------------------
    def select(self, signature: str | None, delay: float = 0.01, cached: bool = True) -> None:
        """Show `signature`'s detail: one prefetched for the state on screen when there is one
        (`cached`), else made by a worker."""
        if signature is None or self.incident is None:
            return
        self.selected = signature
        self.selected_at = time.monotonic()
        self._job("detail", True)  # from the key on, not only once the job runs: the follow worker waits
        self.app.workers.cancel_group(self.app, "prefetch")  # the neighbours of the row left behind
        bins = self._bins()
        if cached and self._show_prefetched(signature, bins):
            self._later.cancel("detail")
            return
        if delay:
            self._later("detail", delay, lambda: self._run_detail(signature, bins))
        else:
            self._run_detail(signature, bins)

    def _bins(self) -> int:
        return max(20, min(100, self.app.main.query_one("#detail").size.width - 10))

    # ---- prefetch: the rows next to the shown one -----------------------------------------
    def _state(self, bins: int) -> MadeFrom:
        def ref(o):
            return weakref.ref(o) if o is not None else None

        return MadeFrom(ref(self.incident), ref(self.prepared), ref(self.analysis), self.span, bins)

    def _usable(self, entry: Prefetched, bins: int) -> bool:
        """A detail made from the state on screen (or, following, a recent one: see below)."""
        made = entry.made_from
        same = all((r() if r is not None else None) is o for r, o in
                   ((made.incident, self.incident), (made.prepared, self.prepared), (made.analysis, self.analysis)))
        if same and (made.span, made.bins) == (self.span, bins):
            return True
        # Following, the incident grows every step: a recent detail is about what the pane would show
        # anyway (it is redrawn every FOLLOW_DETAIL_EVERY when its counts change), for the same deploy,
        # windows start and width; _show_prefetched dates it so the next step redraws it when due.
        span, old = self.span, made.span
        return (self.app.follow.following and span is not None and old is not None and made.bins == bins
                and (old.deploy, old.before) == (span.deploy, span.before)
                and time.monotonic() - entry.made_at < PREFETCH_STALE)

    def _show_prefetched(self, signature: str, bins: int) -> bool:
        entry = self._prefetched.get(signature)
        if entry is None or not self._usable(entry, bins):
            return False
        self._detail_asked = signature
        self._detail_at = entry.made_at  # following: the next step with changed counts redraws it when due
        self.show_detail(entry.ready)
        return True

    def _prefetch_around(self, signature: str, moved: bool = True) -> None:
        """Make the details of the rows next to `signature` in the background (no user job: the follow
        worker does not wait for it), so a cursor key shows one at once."""
        if self.incident is None or self.prepared is None or self.span is None:
            return
        keys = [str(r.key.value) for r in self.app.main.query_one("#signatures", SignatureTable).ordered_rows]
        if signature not in keys:
            return
        if not moved and self._prefetching is not None and self._prefetching.is_running:
            return  # a redraw while the neighbours are being made: let that finish
        at, bins = keys.index(signature), self._bins()
        went_up = self._last_row is not None and self._last_row > at if moved else self._went_up
        self._last_row, self._went_up = at, went_up
        steps = tuple(-d for d in PREFETCH_ROWS) if went_up else PREFETCH_ROWS  # the way the cursor goes first
        todo = [keys[at + d] for d in steps if 0 <= at + d < len(keys)]
        todo = [k for k in todo if k not in self._prefetched or not self._usable(self._prefetched[k], bins)]
        if not todo:
            return
        jobs = [DetailJob(k, bins, self.incident, self.prepared, self.span.deploy,
                          *sample_window(self.signature_row(k).get("status"), self.span), self.analysis) for k in todo]
        state = self._state(bins)

        def work() -> None:
            worker = get_current_worker()
            for job in jobs:  # each kept as soon as it is made: the next key may come before the second
                if worker.is_cancelled:
                    return
                self.app.call_from_thread(self._keep_prefetched, run_detail(job), state, time.monotonic())

        reach = max(abs(d) for d in PREFETCH_ROWS)
        near = set(keys[max(0, at - reach):at + reach + 1])
        self._prefetched = {k: v for k, v in self._prefetched.items() if k in near}
        self._prefetching = self.app.run_worker(work, thread=True, exclusive=True, exit_on_error=False,
                                                group="prefetch", name="prefetch")

    def _keep_prefetched(self, ready: DetailReady, state: MadeFrom, made_at: float) -> None:
        """A detail made in the background, or one the user asked for (going back to its row shows it at once)."""
        self._prefetched[ready.signature] = Prefetched(ready, state, made_at)

    def highlighted(self, signature: str) -> None:
        """The table's cursor is on `signature`: a key moved it, or a redraw put it back on its row
        (passing the first row on the way). A detail shown or being made for it is still right."""
        if signature in (self.detail_shown, self._detail_asked) and self.incident is not None:
            self._later.cancel("detail")  # the passing row's
            self.selected = signature
            if signature == self.detail_shown:
                self._job("detail", False)  # nothing more to make for it (one in flight clears it when shown)
            return
        self.select(signature)

    def reselect(self) -> None:
        """Redraw the selected signature's detail (the pane changed size or trace expansion)."""
        if self.selected:
            self.select(self.selected, delay=0)

    def _run_detail(self, signature: str, bins: int) -> None:
        if self.incident is None or self.prepared is None or self.span is None:
            self._job("detail", False)
            return
        start, end = sample_window(self.signature_row(signature).get("status"), self.span)
        job = DetailJob(signature, bins, self.incident, self.prepared, self.span.deploy, start, end, self.analysis)
        self._detail_asked = signature  # (select marked the detail job as running)
        state = self._state(bins)

        def work() -> None:
            ready = run_detail(job)
            self.app.post_message(ready)
            self.app.call_from_thread(self._keep_prefetched, ready, state, time.monotonic())

        self.app.run_worker(work, thread=True, exclusive=True, exit_on_error=False, group="detail", name="detail")

    def show_detail(self, message: DetailReady) -> None:
        if message.signature != self.selected or self.prepared is None:
            return
        self._job("detail", False)
        main = self.app.main
        counts, deploy_bin, rollback_bin = message.histogram
        row = self.signature_row(message.signature)
        panel = main.query_one("#detail", DetailPanel)
        panel.border_title = inert("Detail: " + str(message.detail.template), limit=90)
        story = self.analysis.story(int(row.get("story", 0) or 0)) if self.analysis is not None else None
        panel.show(message.detail, counts, deploy_bin, tz=self.tz, expanded=self.expanded,
                   status=row.get("status", ""), before=row.get("before"), after=row.get("after"),
                   span=(self.prepared.rows.start, self.prepared.rows.end),
                   compact=main.maximized is not panel,
                   judgement=(row, story, message.contrast, self._templates()), rollback_bin=rollback_bin)
        self.detail_shown = message.signature
        self._prefetch_around(message.signature)

    def signature_row(self, signature: str) -> dict:
        if self.analysis is None:
            return {}
        sigs = self.analysis.signatures
        hit = sigs[sigs["signature"].astype(object) == signature]
        return hit.iloc[0].to_dict() if len(hit) else {}

    def toggle_expand(self) -> None:
        self.expanded = not self.expanded
        self.select(self.selected, delay=0)

    def toggle_redaction(self) -> None:
        """Masked secrets on screen are the default (screens get shared in incident calls); `R` shows
        the raw text while reading a sample. Notes, exports, the clipboard and the preview stay redacted."""
        on = not screen_redaction()
        set_screen_redaction(on)
        self.refresh_table()
        self.select(self.selected, delay=0)
        self.app.notify("Secrets masked on screen." if on else "Secrets shown on screen (notes, exports and copies stay redacted).",
                        markup=False)

    def open_detail(self, signature: str) -> None:
        """Enter on a signature: the detail pane fills the screen (samples, traces); escape returns."""
        if signature != self.selected or self.detail_shown != signature:
            self.select(signature, delay=0)
        main = self.app.main
        detail = main.query_one("#detail", DetailPanel)
        detail.focus()
        main.maximize(detail)
        detail.border_subtitle = "esc: back  x: traces  f: pin"  # MainScreen redraws it at the zoomed size

    # ---- filter and sort --------------------------------------------------------------------
    def filter_changed(self, text: str) -> None:
        self.filter_text = text
        self._later("filter", FILTER_DELAY, self.refresh_table)

    def set_filter_token(self, key: str, value: str | None) -> None:
        words = [w for w in self.filter_text.split() if not w.lower().startswith(f"{key}:")]
        if value:
            words.append(f"{key}:{value}")
        self._set_filter(" ".join(words))

    def clear_filter(self) -> None:
        self._set_filter("")

    def _set_filter(self, text: str) -> None:
        self.app.main.query_one("#filter", Input).value = text
        self.filter_text = text
        self.refresh_table()

    def sort_by(self, key: str) -> None:
        if key not in SORTS:
            return
        if key == self.sort_key:
            self.sort_reverse = not self.sort_reverse
        else:
            self.sort_key, self.sort_reverse = key, False
        self.refresh_table()

    def cycle_sort(self) -> None:
        keys = list(SORTS)
        self.sort_key = keys[(keys.index(self.sort_key) + 1) % len(keys)]
        self.sort_reverse = False
        self.refresh_table()

    def reverse_sort(self) -> None:
        self.sort_reverse = not self.sort_reverse
        self.refresh_table()

    # ---- time controls ---------------------------------------------------------------------
    def parse_deploy(self, text: str) -> datetime:
        """Absolute/relative-to-now times, or `+5m`/`-90s` relative to the current deploy."""
        t = text.strip()
        deploy = self.deploy
        if t[:1] in "+-" and deploy is not None:
            delta = parse_duration(t[1:])
            return deploy + delta if t[0] == "+" else deploy - delta
        return parse_time(t, tz=self.tz)

    def ask_deploy(self) -> None:
        if not self.has_data():
            return

        def done(value: str | None) -> None:
            if value:
                self.set_deploy(self.parse_deploy(value))

        self.app.push_screen(AskModal("Set deploy time", "When did the deploy happen? (times without a zone are in "
                                      f"{fmt.zone_name(self.deploy, self.tz)})",
                                      value=fmt.when(self.deploy, self.tz),
                                      placeholder="2026-11-26 14:02, now-2h, +5m", check=self.parse_deploy), done)

    def pick_deploy(self) -> None:
        """The deploy picker: candidates from the load (--deploy auto) or found now in a worker."""
        if not self.has_data() or self.incident is None:
            return
        if self.incident.deploy_candidates:
            self.show_candidates(self.incident.deploy_candidates)
            return
        self.app.set_state("finding deploy candidates…", "bold yellow")
        events = self.incident.events
        self.app.run_worker(lambda: self.app.post_message(DeployCandidates(find_candidates(events))), thread=True,
                            exclusive=True, exit_on_error=False, group="deploys", name="deploy candidates")

    def show_candidates(self, candidates: list) -> None:
        from triage.app.screens.deploy_picker import TYPE_OWN, DeployPicker

        if self.incident is not None:
            self.incident.deploy_candidates = list(candidates)
        self.app.set_state("ready", "green")

        def done(choice: object) -> None:
            if choice == TYPE_OWN:
                self.ask_deploy()
            elif isinstance(choice, datetime):
                self.set_deploy(choice)

        self.app.push_screen(DeployPicker(candidates, tz=self.tz, current=self.deploy), done)

    def set_deploy(self, deploy: datetime) -> None:
        if self.span is not None:
            self.span = replace(self.span, deploy=deploy)
            self.recompute()

    def _templates(self) -> dict:
        sigs = self.analysis.signatures if self.analysis is not None else None
        return dict(zip(sigs["signature"], sigs["template"])) if sigs is not None else {}

    def deploy_to_onset(self) -> None:
        """Move the deploy marker to the selected change's onset (a change that began before the deploy)."""
        if not self.has_data() or self.span is None or self.selected is None:
            return
        onset = self.signature_row(self.selected).get("onset_s")
        if onset is None or onset != onset:  # no onset: not a change
            self.app.notify("the selected signature has no onset (it did not change)", severity="warning")
            return
        self.set_deploy(self.span.deploy + timedelta(seconds=float(onset)))

    def shift(self, direction: int) -> None:
        if self.has_data() and self.span is not None:
            self.set_deploy(self.span.deploy + direction * SHIFT_STEP)

    def widen(self, direction: int) -> None:
        if self.has_data() and self.span is not None:
            self.set_windows(max(MIN_WINDOW, self.span.before + direction * WINDOW_STEP),
                             max(MIN_WINDOW, self.span.after + direction * WINDOW_STEP))

    def set_windows(self, before: timedelta, after: timedelta) -> None:
        if self.span is not None:
            self.span = replace(self.span, before=before, after=after)
            self.recompute()

    def ask_windows(self) -> None:
        if not self.has_data() or self.span is None:
            return

        def done(value: str | None) -> None:
            if value:
                self.set_windows(*parse_windows(value))

        current = f"{fmt.duration(self.span.before)}/{fmt.duration(self.span.after)}"
        self.app.push_screen(AskModal("Set windows", "Before/after the deploy, e.g. 30m or 10m/45m", value=current,
                                      check=parse_windows), done)
