"""Sparklines (drawn by `triage.sparkline`) and histograms as Rich text, deploy and rollback marked."""

from __future__ import annotations

import math

import numpy as np
from rich.text import Text

from triage.sparkline import DEPLOY_MARK, ROLLBACK_MARK, blocks, marked

EIGHTHS = " ▁▂▃▄▅▆▇█"
DEPLOY_STYLE = "bold yellow"
ROLLBACK_STYLE = "bold magenta"


def sparkline(values, deploy_index: int | None, *, before_style: str = "dim", after_style: str = "",
              zero_based: bool = True, rollback_index: int | None = None) -> Text:
    """The engine's sparkline as Rich text: the before bins dimmed, the deploy (and rollback) marks highlighted."""
    chars = blocks(values, zero_based=zero_based)
    if deploy_index is None and rollback_index is None:
        return Text(chars, style=after_style, end="", no_wrap=True)
    text = Text(end="", no_wrap=True)
    seen_deploy = deploy_index is None
    for part, mark in marked(chars, [(deploy_index, DEPLOY_MARK), (rollback_index, ROLLBACK_MARK)]):
        if mark == DEPLOY_MARK:
            seen_deploy = True
            text.append(part, DEPLOY_STYLE)
        elif mark == ROLLBACK_MARK:
            text.append(part, ROLLBACK_STYLE)
        else:
            text.append(part, after_style if seen_deploy else before_style)
    return text


def histogram(values, deploy_index: int | None, *, height: int = 4, style: str = "cyan",
              rollback_index: int | None = None) -> Text:
    """A small multi-row bar chart (eighth blocks), deploy (and rollback) columns in their styles, and an axis."""
    v = np.nan_to_num(np.asarray(values, dtype="float64"), nan=0.0)
    peak = float(v.max()) if len(v) else 0.0
    cells = np.zeros(len(v)) if peak <= 0 else v / peak * height * 8
    text = Text(end="", no_wrap=True)
    for row in range(height, 0, -1):
        floor = (row - 1) * 8
        for i, c in enumerate(cells):
            part = int(min(8, max(0, math.ceil(c - floor)))) if c > floor else 0
            col_style = DEPLOY_STYLE if i == deploy_index else ROLLBACK_STYLE if i == rollback_index else style
            text.append(EIGHTHS[part] if part else ("┊" if i in (deploy_index, rollback_index) else " "), col_style)
        text.append(f" {peak:,.0f}" if row == height else "", "dim")
        text.append("\n")
    axis = ["─"] * len(v)
    if deploy_index is not None and 0 <= deploy_index < len(v):
        axis[deploy_index] = "▲"
    if rollback_index is not None and 0 <= rollback_index < len(v) and rollback_index != deploy_index:
        text.append("".join(axis[:rollback_index]), "dim")
        text.append(ROLLBACK_MARK, ROLLBACK_STYLE)
        text.append("".join(axis[rollback_index + 1:]), "dim")
    else:
        text.append("".join(axis), "dim")
    return text
