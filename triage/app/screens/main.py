"""The main triage view: header, filter, signature table on top, detail and metrics below."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, ProgressBar, Static

from triage.app.messages import (
    DetailResized,
    FilterEdited,
    SignatureHighlighted,
    SignatureOpened,
    SortRequested,
)
from triage.app.widgets.detail import DetailPanel
from triage.app.widgets.header import IncidentHeader
from triage.app.widgets.metrics_table import MetricsTable
from triage.app.widgets.signature_table import SignatureTable

FILTER_PLACEHOLDER = "/ filter: words  level:warn  service:NAME  host:NAME  status:new,spike"


class MainScreen(Screen):
    """Layout only: the widgets' events go to the app as messages; the app owns the state."""

    AUTO_FOCUS = "#signatures"

    def compose(self) -> ComposeResult:
        yield IncidentHeader(id="header")
        yield ProgressBar(id="progress", show_eta=False)
        yield Static("", id="notices")
        yield Input(placeholder=FILTER_PLACEHOLDER, id="filter")
        with Vertical(id="signatures-box", classes="panel") as box:
            box.border_title = Text("Signatures")
            yield SignatureTable(id="signatures")
        with Horizontal(id="bottom"):
            detail = DetailPanel(id="detail")
            detail.border_title = Text("Detail")
            yield detail
            with Vertical(id="metrics-box", classes="panel") as mbox:
                mbox.border_title = Text("Metrics & hot spots")
                yield MetricsTable(id="metrics")
        yield Footer()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.id == "signatures" and event.row_key.value is not None:
            self.post_message(SignatureHighlighted(event.row_key.value))

    def watch_maximized(self, maximized) -> None:
        # Escape minimizes before any binding runs (Textual's ESCAPE_TO_MINIMIZE): tidy up here.
        detail = self.query_one("#detail")
        if maximized is None and detail.border_subtitle:
            detail.border_subtitle = ""  # it was opened with Enter: back to the table
            self.query_one("#signatures").focus()
        if maximized is None or maximized is detail:
            self.call_after_refresh(self.post_message, DetailResized())  # compact <-> full detail

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id == "signatures" and event.row_key.value is not None:
            self.post_message(SignatureOpened(event.row_key.value))

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        if event.data_table.id == "signatures" and event.column_key.value is not None:
            self.post_message(SortRequested(event.column_key.value))

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "filter":
            self.post_message(FilterEdited(event.value))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "filter":
            self.query_one("#signatures").focus()
