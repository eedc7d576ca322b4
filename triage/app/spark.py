"""Sparklines (drawn by `triage.sparkline`) and histograms as Rich text, the deploy marked."""

from __future__ import annotations

import math

import numpy as np
from rich.text import Text

from triage.sparkline import DEPLOY_MARK, blocks, deploy_cut

EIGHTHS = " ▁▂▃▄▅▆▇█"
DEPLOY_STYLE = "bold yellow"


def sparkline(values, deploy_index: int | None, *, before_style: str = "dim", after_style: str = "",
              zero_based: bool = True) -> Text:
    """The engine's sparkline as Rich text: the before bins dimmed, the deploy mark highlighted."""
    chars = blocks(values, zero_based=zero_based)
    cut = deploy_cut(len(chars), deploy_index)
    if cut is None:
        return Text(chars, style=after_style, end="", no_wrap=True)
    return Text.assemble((chars[:cut], before_style), (DEPLOY_MARK, DEPLOY_STYLE), (chars[cut:], after_style),
                         end="", no_wrap=True)


def histogram(values, deploy_index: int | None, *, height: int = 4, style: str = "cyan") -> Text:
    """A small multi-row bar chart (eighth blocks), deploy column in the deploy style, and an axis."""
    v = np.nan_to_num(np.asarray(values, dtype="float64"), nan=0.0)
    peak = float(v.max()) if len(v) else 0.0
    cells = np.zeros(len(v)) if peak <= 0 else v / peak * height * 8
    text = Text(end="", no_wrap=True)
    for row in range(height, 0, -1):
        floor = (row - 1) * 8
        for i, c in enumerate(cells):
            part = int(min(8, max(0, math.ceil(c - floor)))) if c > floor else 0
            col_style = DEPLOY_STYLE if i == deploy_index else style
            text.append(EIGHTHS[part] if part else ("┊" if i == deploy_index else " "), col_style)
        text.append(f" {peak:,.0f}" if row == height else "", "dim")
        text.append("\n")
    axis = ["─"] * len(v)
    if deploy_index is not None and 0 <= deploy_index < len(v):
        axis[deploy_index] = "▲"
    text.append("".join(axis), "dim")
    return text
