"""Metrics and hot spots: each metric's shape around the deploy with before/after mean and p95,
plus services/hosts whose error rates moved (outliers first). Two lines per row keep it narrow."""

from __future__ import annotations

import pandas as pd
from rich.text import Text
from textual.widgets import DataTable

from triage.app import format as fmt
from triage.app.inert import clean
from triage.app.spark import sparkline

COLUMNS = [
    ("pin", " ", 1),
    ("name", "Metric / where", 24),
    ("values", "Before→after", 15),
    ("status", "Change", 8),
]


SEP = "\x1f"  # between a row's finding key and its dimensions (row keys must be unique)


class MetricsTable(DataTable):
    """Row keys start with the finding: "metric:<name>" (pins every series of that metric) or
    "dimension:service:checkout"."""

    def on_mount(self) -> None:
        self.cursor_type = "row"
        for key, label, width in COLUMNS:
            self.add_column(Text(label, end=""), key=key, width=width)

    def populate(self, metrics: pd.DataFrame, dimensions: pd.DataFrame, timelines: dict,
                 deploy_bin: int | None, pinned: set[str], *, rollback_bin: int | None = None) -> None:
        current = self.selected_key()
        self.clear()
        for rec in metrics.itertuples(index=False):
            finding = f"metric:{rec.metric}"
            dims = str(rec.dimensions) if isinstance(rec.dimensions, str) else ""
            series = timelines.get((str(rec.metric), dims))
            self.add_row(*_metric_cells(rec, series, deploy_bin, finding in pinned, rollback_bin),
                         key=f"{finding}{SEP}{dims}", height=2)
        for rec in hotspots(dimensions).itertuples(index=False):
            key = f"dimension:{rec.dimension}:{rec.key}"
            self.add_row(*_dimension_cells(rec, key in pinned), key=key, height=2)
        if current is not None and current in self.rows:
            self.move_cursor(row=self.get_row_index(current), animate=False)

    def selected_finding(self) -> tuple[str, str] | None:
        """(kind, key) of the finding under the cursor."""
        row = self.selected_key()
        if not row:
            return None
        kind, _, rest = row.partition(":")
        return kind, rest.split(SEP, 1)[0]

    def selected_key(self) -> str | None:
        if not self.row_count:
            return None
        try:
            return self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        except Exception:
            return None


def hotspots(dimensions: pd.DataFrame) -> pd.DataFrame:
    """Services/hosts whose error counts changed, outliers (worse than peers) first."""
    if dimensions is None or not len(dimensions) or "dimension" not in dimensions.columns:
        return pd.DataFrame(columns=["dimension", "key", "measure", "before", "after", "rate_before",
                                     "rate_after", "ratio", "status", "outlier"])
    d = dimensions[dimensions["dimension"].astype(object) != "overall"]
    d = d[(d["measure"].astype(object) == "errors") & (d["status"].astype(object) != "STEADY")]
    return d.assign(_o=~d["outlier"].astype(bool)).sort_values(["_o", "after"], ascending=[True, False]).head(20)


def _two(top: Text | str, bottom: Text | str, style: str = "") -> Text:
    text = Text(no_wrap=True, overflow="ellipsis", end="")
    text.append_text(top if isinstance(top, Text) else Text(top, style=style))
    text.append("\n")
    text.append_text(bottom if isinstance(bottom, Text) else Text(bottom, style="dim"))
    return text


def _metric_cells(rec, series, deploy_bin, pinned, rollback_bin=None) -> tuple:
    unit = str(rec.unit) if isinstance(rec.unit, str) and rec.unit else ""
    significant = rec.status in ("UP", "DOWN")
    name = Text(clean(str(rec.metric), 60) + (f" {unit}" if unit else ""), style="bold" if significant else "")
    dims = str(rec.dimensions) if isinstance(rec.dimensions, str) else ""
    if dims:
        name.append(" " + clean(dims, 60), "dim")
    spark = sparkline(series, deploy_bin, zero_based=False, rollback_index=rollback_bin) if series is not None else Text("")
    values = _two(f"μ {fmt.number(rec.before_mean)}→{fmt.number(rec.after_mean)}",
                  f"p95 {fmt.number(rec.before_p95)}→{fmt.number(rec.after_p95)}")
    change = _two(fmt.badge(rec.status), Text(f" {fmt.change(rec.change)}", style="bold" if significant else "dim"))
    return (_pin(pinned), _two(name, spark), values, change)


def _dimension_cells(rec, pinned) -> tuple:
    outlier = bool(rec.outlier)
    name = Text(f"{rec.dimension} {clean(rec.key, 40)}", style="bold red" if outlier else "bold")
    note = Text("errors · outlier" if outlier else "errors", style="red" if outlier else "dim")
    values = _two(f"n {fmt.count(rec.before)}→{fmt.count(rec.after)}",
                  f"/min {fmt.number(rec.rate_before)}→{fmt.number(rec.rate_after)}")
    change = _two(fmt.badge(rec.status), Text(f" x{fmt.number(rec.ratio)}", style="dim"))
    return (_pin(pinned), _two(name, note), values, change)


def _pin(pinned: bool) -> Text:
    return Text("●" if pinned else " ", style="bold yellow", end="")
