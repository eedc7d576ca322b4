"""The signature table: one row per signature, ranked, with badges, deltas and a mini timeline."""

from __future__ import annotations

import numpy as np
import pandas as pd
from rich.text import Text
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey

from triage.app import format as fmt
from triage.app.inert import template_text
from triage.app.spark import sparkline

PAGE_ROWS = 100
"""Rows drawn per page; the next page is added when the cursor nears the end, so a refresh
stays fast even with thousands of signatures."""

SPARK_BINS = 12

# Narrow numeric columns so the template, the column people read first, gets the rest.
COLUMNS = [
    ("pin", " ", 1),
    ("status", "Status", 6),
    ("level", "Lvl", 3),
    ("before", "Before", 6),
    ("after", "After", 6),
    ("rate", "/min", 5),
    ("ratio", "Ratio", 5),
    ("q", "q", 5),
    ("timeline", "Timeline", SPARK_BINS + 2),  # the bins, the deploy mark and room for a rollback mark
    ("template", "Template", 30),
]
FIXED_WIDTH = sum(w for _, _, w in COLUMNS[:-1]) + 2 * len(COLUMNS) + 1  # cell padding + scrollbar

LEVEL_STYLES = {"fatal": "bold red", "error": "red", "warn": "yellow", "info": "", "debug": "dim"}
LEVEL_SHORT = {"fatal": "FTL", "error": "ERR", "warn": "WRN", "info": "INF", "debug": "DBG", "trace": "TRC"}


class SignatureTable(DataTable):
    """Rows are keyed by signature id so the cursor survives refreshes."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.rebuilds = 0  # full redraws (a follow step that only changes counts does not count)
        self.reorders = 0  # the same rows sorted into a new order (a follow step that changed ranks)
        self._drawn: dict[str, tuple] = {}  # the cells drawn per signature, to update only what changed
        self._rollback_bin: int | None = None  # the sparkline column of a marked rollback

    def on_mount(self) -> None:
        self.cursor_type = "row"
        self.zebra_stripes = True
        for key, label, width in COLUMNS:
            self.add_column(Text(label, end=""), key=key, width=width)

    def on_resize(self) -> None:
        self._fit_template()

    def _fit_template(self) -> None:
        """The template takes the remaining width, so there is no horizontal scrolling."""
        column = self.columns.get(ColumnKey("template"))
        width = max(20, self.size.width - FIXED_WIDTH)
        if column is not None and column.width != width:
            column.width = width
            column.auto_width = False
            self._require_update_dimensions = True
            self._clear_caches()
            self.refresh()

    def populate(self, rows: pd.DataFrame, timelines: np.ndarray | None, index, deploy_bin: int | None,
                 pinned: set[str], *, rollback_bin: int | None = None) -> None:
        """Replace the rows and keep the cursor on the same signature (drawing pages up to it).

        When the drawn rows keep their order (a follow step that only changed counts), only
        the cells that changed are updated, so the UI thread does little per step.
        """
        current = self.selected_signature()
        self._rollback_bin = rollback_bin
        if self._update_in_place(rows, timelines, index, deploy_bin, pinned):
            return
        self.clear()
        self.rebuilds += 1
        self._drawn = {}
        self._source = (rows, timelines, index, deploy_bin, pinned)
        position = None
        if current is not None:
            hits: np.ndarray | list[int] = (
                np.flatnonzero(rows["signature"].astype(object).to_numpy() == current) if len(rows) else [])
            position = int(hits[0]) if len(hits) else None
        self._add_rows(max(PAGE_ROWS, (position or 0) + PAGE_ROWS // 2))
        if position is not None:
            self.move_cursor(row=position, animate=False)

    def _add_rows(self, count: int) -> None:
        rows, timelines, index, deploy_bin, pinned = self._source
        start = self.row_count
        drawn = self._drawn
        for rec in rows.iloc[start:start + count].itertuples(index=False):
            sig = str(rec.signature)
            series = index.row(timelines, sig) if (index is not None and timelines is not None) else None
            cells = _cells(rec, series, deploy_bin, sig in pinned, self._rollback_bin)
            drawn[sig] = cells
            self.add_row(*cells, key=sig)

    def _update_in_place(self, rows: pd.DataFrame, timelines, index, deploy_bin, pinned) -> bool:
        """The drawn rows hold the same signatures (a follow step: counts and maybe ranks changed):
        update the changed cells and, if the order changed, sort the rows; False otherwise."""
        drawn = self._drawn
        if not drawn or not self.row_count or len(rows) < self.row_count:
            return False
        shown = [row.key.value for row in self.ordered_rows]
        head = rows.iloc[:len(shown)]
        order = [str(s) for s in head["signature"].astype(object)]
        if order != shown and set(order) != set(shown):
            return False
        current = self.selected_signature()
        self._source = (rows, timelines, index, deploy_bin, pinned)
        for rec in head.itertuples(index=False):
            sig = str(rec.signature)
            series = index.row(timelines, sig) if (index is not None and timelines is not None) else None
            cells = _cells(rec, series, deploy_bin, sig in pinned, self._rollback_bin)
            old = drawn.get(sig, ())
            for (key, _, _), new, was in zip(COLUMNS, cells, old or (None,) * len(cells)):
                if new != was:
                    self.update_cell(sig, key, new)
            drawn[sig] = cells
        if order != shown:  # same rows, new ranks: moved, not redrawn (the first cell object is unique per row)
            position = {id(self.get_row(sig)[0]): i for i, sig in enumerate(order)}
            self.sort(key=lambda values: position[id(values[0])])
            self.reorders += 1
            if current is not None and self.get_row_index(current) != self.cursor_row:
                self.move_cursor(row=self.get_row_index(current), animate=False)
        missing = min(len(rows), PAGE_ROWS) - self.row_count
        if missing > 0:  # signatures new since the last step, ranked below the drawn ones
            self._add_rows(missing)
        return True

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        source = getattr(self, "_source", None)
        if source is not None and event.cursor_row >= self.row_count - 10 and self.row_count < len(source[0]):
            self._add_rows(PAGE_ROWS)

    def selected_signature(self) -> str | None:
        if not self.row_count:
            return None
        try:
            key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key
        except Exception:  # cursor outside the (just cleared) table
            return None
        return key.value

    def mark_pinned(self, signature: str, pinned: bool) -> None:
        if signature in self.rows:
            cell = Text("●" if pinned else " ", style="bold yellow", end="")
            self.update_cell(signature, "pin", cell)
            if signature in self._drawn:
                self._drawn[signature] = (cell, *self._drawn[signature][1:])


def _cells(rec, series, deploy_bin, pinned, rollback_bin=None) -> tuple:
    level = str(rec.level) if isinstance(rec.level, str) else "-"
    spark = sparkline(series, deploy_bin, rollback_index=rollback_bin) if series is not None else Text("", end="")
    return (
        Text("●" if pinned else " ", style="bold yellow", end=""),
        fmt.badge(rec.status, width=6),
        Text(LEVEL_SHORT.get(level, level[:3]), style=LEVEL_STYLES.get(level, ""), end=""),
        Text(fmt.short_count(rec.before), justify="right", end=""),
        Text(fmt.short_count(rec.after), justify="right", end=""),
        Text(fmt.number(rec.rate_after), justify="right", end=""),
        Text(fmt.number(rec.ratio), justify="right", end=""),
        Text(fmt.pvalue(rec.q), justify="right", end=""),
        spark,
        _no_wrap(_indent(rec, template_text(rec.template, limit=300))),
    )


ROLE_MARK = {"cause": "▸", "lead": "·", "symptom": "└", "suspect": "?"}


def _story_cell(rec) -> Text:
    """`1▸` the story's cause, `1·` its leading change, `1└` a symptom, `1?` a config suspect."""
    story = int(getattr(rec, "story", 0) or 0)
    if not story:
        return Text("", end="")
    role = str(getattr(rec, "role", "") or "")
    style = "bold" if role == "cause" else ("dim" if role in ("symptom", "suspect") else "")
    return Text(f"{story}{ROLE_MARK.get(role, '')}", style=style, end="")


def _indent(rec, text: Text) -> Text:
    """The story mark leads the template (no extra column: the template keeps its width);
    symptoms and suspects sit indented under their story's cause."""
    mark = _story_cell(rec)
    if not mark.plain:
        return text
    role = str(getattr(rec, "role", "") or "")
    pad = "  " if role in ("symptom", "suspect", "lead") else ""
    return Text(pad, end="") + mark + Text(" ", end="") + text


def _no_wrap(text: Text) -> Text:
    text.no_wrap = True
    text.overflow = "ellipsis"
    return text
