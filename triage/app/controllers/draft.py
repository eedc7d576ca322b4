"""The note draft: pins and comments, autosave, the live preview, export and copy.

Autosave, preview and export run in workers on copies (`NoteJob`, a `NoteDraft` snapshot);
the user may keep typing while they run without the thread seeing a half-edited draft.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from triage.app.messages import ExportFinished, PreviewReady
from triage.app.screens.modals import AskModal, ConfirmModal
from triage.app.screens.note import NoteScreen
from triage.app.widgets.metrics_table import MetricsTable
from triage.drafts import draft_path, load_draft, save_draft
from triage.note import Finding, NoteDraft, render_markdown, write_note

from . import Debouncer

if TYPE_CHECKING:
    from triage.analysis import Incident
    from triage.app.app import TriageApp

AUTOSAVE_DELAY = 0.3
PREVIEW_DELAY = 0.25
PREVIEW_TABLE_CHROME = 40  # the findings table's other columns and borders, in cells


def copy_draft(draft: NoteDraft) -> NoteDraft:
    return NoteDraft.from_dict(draft.to_dict())


@dataclass(frozen=True)
class NoteJob:
    """What rendering the note needs, frozen at the moment it was asked for."""

    incident: Incident
    analysis: Any
    draft: NoteDraft
    tz: Any
    max_template: int | None = None

    def render(self) -> str:
        extra = {"max_template": self.max_template} if self.max_template else {}
        return render_markdown(self.incident, self.analysis, self.draft, tz=self.tz, **extra)


def run_export(job: NoteJob, path: Path, force: bool) -> ExportFinished:
    """Worker body: render and write; a refused overwrite or an OS error is an outcome, not a crash."""
    text = job.render()
    try:
        return ExportFinished(path, written=Path(write_note(path, text, force=force)))
    except FileExistsError:
        return ExportFinished(path, exists=True)
    except OSError as exc:
        return ExportFinished(path, error=str(exc.strerror or exc))


class DraftWriter:
    """Writes draft snapshots in sequence: a slow older write never overwrites a newer one."""

    def __init__(self, path: Path):
        self.path = path
        self._lock = threading.Lock()
        self._issued = self._written = 0

    def next_seq(self) -> int:
        self._issued += 1
        return self._issued

    def write(self, seq: int, snapshot: NoteDraft) -> None:
        """Worker side."""
        with self._lock:
            if seq <= self._written:
                return
            save_draft(self.path, snapshot)
            self._written = seq

    def write_now(self, draft: NoteDraft) -> None:
        """UI side, on quit: newer than anything a worker still holds."""
        self.write(self.next_seq(), draft)


class DraftController:
    """Owns the note draft of the loaded incident and everything that writes it."""

    def __init__(self, app: TriageApp, *, tz=None, export_dir: Path | str | None = None, pinned: list | None = None):
        self.app = app
        self.tz = tz
        self.export_dir = Path(export_dir) if export_dir is not None else Path.cwd()
        self.draft = NoteDraft()
        self.writer: DraftWriter | None = None
        self.last_export: Path | None = None
        self._later = Debouncer(app)
        self.given = list(pinned or [])  # pinned by the command line (--parity), added to every incident's note

    @property
    def draft_file(self) -> Path | None:
        return self.writer.path if self.writer is not None else None

    def restore(self, incident: Incident) -> None:
        """A new incident: its autosaved draft if there is one, else an empty note titled after it."""
        self.writer = DraftWriter(draft_path(incident.key))
        saved = load_draft(self.writer.path)
        if saved is not None:
            self.draft = saved
            self.app.notify(f"Restored your draft note ({len(saved.findings)} findings).", markup=False)
        else:
            self.draft = NoteDraft(title=incident.title or "")
        self._pin_given()

    def _pin_given(self) -> None:
        """Findings the command line pinned (--parity): replace an older one with the same key, say so."""
        for finding in self.given:
            self.draft.findings = [f for f in self.draft.findings if (f.kind, f.key) != (finding.kind, finding.key)]
            self.draft.findings.append(finding)
            if finding.kind == "parity":
                counts = (finding.data or {}).get("counts") or {}
                self.app.notify(f"Config parity {finding.key}: {counts.get('high', 0)} high, {counts.get('medium', 0)} "
                                "medium, pinned into the note (n).", title="Parity", markup=False, timeout=8)
        if self.given:
            self.changed()

    # ---- findings ---------------------------------------------------------------------------
    def pinned_keys(self) -> set[str]:
        keys = set()
        for f in self.draft.findings:
            keys.add(f.key if f.kind == "signature" else f"{f.kind}:{f.key}")
        return keys

    def _focused_finding(self) -> Finding | None:
        focused = self.app.focused
        if isinstance(focused, MetricsTable):
            selected = focused.selected_finding()
            return Finding(*selected) if selected else None
        selected_sig = self.app.analyzer.selected
        return Finding("signature", selected_sig) if selected_sig else None

    def finding_label(self, finding: Finding) -> str:
        if finding.kind == "parity":
            counts = (finding.data or {}).get("counts") or {}
            return (f"PARITY {finding.key}: {counts.get('high', 0)} high, {counts.get('medium', 0)} medium, "
                    f"{counts.get('low', 0)} low")
        if finding.kind == "signature":
            row = self.app.analyzer.signature_row(finding.key)
            if row:
                return f"{row.get('status', '')} {row.get('template', '')}"
        return finding.key

    def pin(self) -> None:
        finding = self._focused_finding()
        if finding is None:
            self.app.notify("Select a signature or metric to pin.", severity="warning")
            return
        for i, f in enumerate(self.draft.findings):
            if (f.kind, f.key) == (finding.kind, finding.key):
                self.remove_finding(i)
                return

        def done(comment: str | None) -> None:
            if comment is None:
                return
            self.draft.findings.append(replace(finding, comment=comment.strip()))
            self.changed(immediate=True)
            self.app.notify("Pinned to the note.", markup=False)

        self.app.push_screen(AskModal("Pin finding", self.finding_label(finding),
                                      placeholder="optional comment, Enter to pin"), done)

    def remove_finding(self, index: int) -> None:
        if 0 <= index < len(self.draft.findings):
            del self.draft.findings[index]
            self.changed(immediate=True)
            self.app.notify("Unpinned.", markup=False)

    def edit_comment(self, index: int) -> None:
        if not 0 <= index < len(self.draft.findings):
            return
        finding = self.draft.findings[index]

        def done(comment: str | None) -> None:
            if comment is not None:
                finding.comment = comment.strip()
                self.changed(immediate=True)

        self.app.push_screen(AskModal("Comment", self.finding_label(finding), value=finding.comment), done)

    def update(self, field: str, value: str) -> None:
        if getattr(self.draft, field) != value:
            setattr(self.draft, field, value)
            self.changed()

    def changed(self, immediate: bool = False) -> None:
        if immediate:
            self.save_now()
        else:
            self._later("autosave", AUTOSAVE_DELAY, self.save_now)
        self.app.analyzer.show_pins(self.pinned_keys())
        screen = self.app.screen
        if isinstance(screen, NoteScreen):
            screen.show_findings(self.draft.findings)
            self.refresh_preview()

    # ---- autosave ----------------------------------------------------------------------------
    def save_now(self) -> None:
        writer = self.writer
        if writer is None:
            return
        seq, snapshot = writer.next_seq(), copy_draft(self.draft)
        self.app.run_worker(lambda: writer.write(seq, snapshot), thread=True, exit_on_error=False,
                            group="save", name="autosave")

    def flush(self) -> None:
        """Write any pending change synchronously (on quit)."""
        if self._later.cancel("autosave") and self.writer is not None:
            self.writer.write_now(self.draft)

    # ---- the note screen, preview, export ------------------------------------------------------
    def open_note(self) -> None:
        if self.app.analyzer.has_data():
            self.app.push_screen(NoteScreen(self.draft, label=self.finding_label))

    def job(self, max_template: int | None = None) -> NoteJob | None:
        view = self.app.analyzer
        if view.incident is None or view.analysis is None:
            return None
        return NoteJob(view.incident, view.analysis, copy_draft(self.draft), self.tz, max_template)

    def refresh_preview(self) -> None:
        self._later("preview", PREVIEW_DELAY, self.refresh_preview_now)

    def refresh_preview_now(self) -> None:
        job = self.job(self._preview_template_cells())
        if job is None:
            return
        self.app.run_worker(lambda: self.app.post_message(PreviewReady(job.render())), thread=True,
                            exclusive=True, exit_on_error=False, group="preview", name="note preview")

    def _preview_template_cells(self) -> int | None:
        """Template width for the preview's findings table, so its columns fit the pane
        (the exported file keeps the renderer's default; the full templates are in both)."""
        screen = self.app.screen
        if not isinstance(screen, NoteScreen):
            return None
        width = screen.query_one("#note-preview-box").size.width
        return max(20, width - PREVIEW_TABLE_CHROME) if width else None

    def show_preview(self, message: PreviewReady) -> None:
        screen = self.app.screen
        if isinstance(screen, NoteScreen):
            screen.show_preview(message.markdown)

    def default_export_path(self) -> Path:
        deploy = self.app.analyzer.deploy
        stamp = pd.Timestamp(deploy).strftime("%Y%m%d-%H%M") if deploy is not None else "note"
        return self.export_dir / f"incident-{stamp}.md"

    def ask_export(self) -> None:
        if not self.app.analyzer.has_data() or self.app.analyzer.analysis is None:
            return

        def done(value: str | None) -> None:
            if value and value.strip():
                self.export(Path(value.strip()).expanduser(), force=False)

        self.app.push_screen(AskModal("Export note", "Write the redacted Markdown note to:",
                                      value=str(self.last_export or self.default_export_path())), done)

    def export(self, path: Path, *, force: bool) -> None:
        job = self.job()
        if job is None:
            return
        self.app.run_worker(lambda: self.app.post_message(run_export(job, path, force)), thread=True,
                            exit_on_error=False, group="export", name="export")

    def exported(self, message: ExportFinished) -> None:
        path = message.path
        if message.exists:
            def done(yes: bool | None) -> None:
                if yes:
                    self.export(path, force=True)

            self.app.push_screen(ConfirmModal("File exists", f"{path} already exists. Overwrite it?",
                                              yes="Overwrite"), done)
        elif message.written is None:
            self.app.notify(f"Could not write {path}: {message.error}", severity="error", markup=False)
        else:
            self.last_export = message.written
            self.app.notify(f"Note written to {message.written}", title="Exported", markup=False, timeout=8)

    def copy(self) -> None:
        job = self.job()
        if not self.app.analyzer.has_data() or job is None:
            return
        self.app.copy_to_clipboard(job.render())
        self.app.notify("Note copied to the clipboard (needs a terminal that allows OSC 52).", markup=False)
