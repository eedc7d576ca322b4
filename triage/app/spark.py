"""Unicode sparklines and histograms with the deploy position marked."""

from __future__ import annotations

import math

import numpy as np
from rich.text import Text

BLOCKS = "▁▂▃▄▅▆▇█"
EIGHTHS = " ▁▂▃▄▅▆▇█"
DEPLOY_MARK = "│"
DEPLOY_STYLE = "bold yellow"


_BLOCK_ARRAY = np.array(list(" " + BLOCKS))  # index 0: empty bin


def _levels(values: np.ndarray, steps: int, zero_based: bool = True) -> np.ndarray:
    """Scale finite values to 0..steps-1 (-1 where empty/NaN); counts scale from zero,
    gauges (zero_based=False) from their minimum so small shifts stay visible."""
    v = np.asarray(values, dtype="float64")
    ok = np.isfinite(v)
    out = np.full(v.shape, -1, dtype=int)
    if not ok.any():
        return out
    lo = min(float(v[ok].min()), 0.0) if zero_based else float(v[ok].min())
    span = float(v[ok].max()) - lo
    if span <= 0:
        out[ok] = 0
        return out
    out[ok] = np.clip(np.ceil((v[ok] - lo) / span * (steps - 1)).astype(int), 0, steps - 1)
    return out


def sparkline(values, deploy_index: int | None, *, before_style: str = "dim", after_style: str = "",
              zero_based: bool = True) -> Text:
    """One row of blocks, with `│` inserted before bin `deploy_index`; empty (NaN) bins are spaces."""
    chars = "".join(_BLOCK_ARRAY[_levels(values, len(BLOCKS), zero_based) + 1])
    if deploy_index is None:
        return Text(chars, style=after_style, end="", no_wrap=True)
    cut = max(0, min(len(chars), deploy_index))
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
