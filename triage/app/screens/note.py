"""The note editor: summary, impact and actions on the left, the live redacted Markdown on the right."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Label, Markdown, TextArea

from triage.app.inert import clean, inert
from triage.app.messages import (
    CommentRequested,
    DraftEdited,
    PreviewWanted,
    UnpinRequested,
)
from triage.note import Finding, NoteDraft

EDITORS = ("summary", "impact", "actions")
KIND_SHORT = {"signature": "sig", "metric": "metr", "dimension": "dim", "parity": "par"}


class PreviewBox(VerticalScroll):
    """The rendered note; ctrl+o zooms it to full screen for wide tables, escape returns."""

    ALLOW_MAXIMIZE = True


class NoteScreen(Screen):
    """Edits post messages to the app; `label` names a finding (the app knows the templates)."""

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="note.back"),
        Binding("ctrl+s", "app.export_note", "Export", id="note.export"),
        Binding("ctrl+l", "app.copy_note", "Copy", id="note.copy"),
        Binding("delete", "remove_finding", "Unpin", id="note.unpin"),
        Binding("ctrl+o", "zoom_preview", "Zoom preview", id="note.zoom_preview"),
        Binding("ctrl+r", "app.refresh_preview", "Refresh", show=False, id="note.refresh"),
    ]

    def __init__(self, draft: NoteDraft, label: Callable[[Finding], str] = lambda f: f.key):
        super().__init__()
        self._draft, self._label = draft, label

    def compose(self) -> ComposeResult:
        with Horizontal(id="note-body"):
            with VerticalScroll(id="note-editors", classes="panel") as left:
                left.border_title = Text("Incident note (autosaved)")
                yield Label("Title")
                yield Input(value=self._draft.title, id="note-title", placeholder="what broke, in a few words")
                for name in EDITORS:
                    yield Label(name.capitalize())
                    yield TextArea(getattr(self._draft, name), id=f"note-{name}", soft_wrap=True,
                                   show_line_numbers=False, classes="note-editor")
                yield Label("Findings (Enter: comment, Delete: unpin)")
                yield DataTable(id="note-findings", cursor_type="row")
            with PreviewBox(id="note-preview-box", classes="panel") as right:
                right.border_title = Text("Preview (redacted; ctrl+o zooms)")
                yield Markdown("", id="note-preview", open_links=False)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#note-findings", DataTable)
        table.add_column(Text("kind"), key="kind", width=4)
        table.add_column(Text("finding"), key="key", width=17)
        table.add_column(Text("comment"), key="comment", width=12)
        self.show_findings(self._draft.findings)
        self.query_one("#note-summary").focus()
        self.post_message(PreviewWanted())

    def show_findings(self, findings) -> None:
        table = self.query_one("#note-findings", DataTable)
        table.clear()
        for i, f in enumerate(findings):
            label = self._label(f)
            table.add_row(Text(KIND_SHORT.get(f.kind, f.kind[:4])), _cell(label), _cell(f.comment), key=str(i))

    def show_preview(self, markdown: str) -> None:
        self.query_one("#note-preview", Markdown).update(clean(markdown, 400_000, multiline=True))

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "note-title":
            self.post_message(DraftEdited("title", event.value))

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        name = (event.text_area.id or "").removeprefix("note-")
        if name in EDITORS:
            self.post_message(DraftEdited(name, event.text_area.text))

    def _selected_index(self) -> int | None:
        table = self.query_one("#note-findings", DataTable)
        if not table.row_count:
            return None
        return int(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value or 0)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id == "note-findings" and event.row_key.value is not None:
            self.post_message(CommentRequested(int(event.row_key.value)))

    def action_zoom_preview(self) -> None:
        if self.maximized is not None:
            self.minimize()
        else:
            box = self.query_one("#note-preview-box")
            box.focus()
            self.maximize(box)

    def watch_maximized(self, maximized) -> None:
        # Zoomed or not (escape un-zooms too): re-fit the preview's tables to the new width.
        self.call_after_refresh(self.post_message, PreviewWanted())

    def action_remove_finding(self) -> None:
        if self.focused is not None and self.focused.id == "note-findings":
            index = self._selected_index()
            if index is not None:
                self.post_message(UnpinRequested(index))


def _cell(value: str) -> Text:
    text = inert(value, limit=200)
    text.no_wrap, text.overflow = True, "ellipsis"
    return text
