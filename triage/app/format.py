"""Numbers, times and badges as the tables show them."""

from __future__ import annotations

import math
from datetime import timedelta

from rich.text import Text

from triage.timeparse import format_time

STATUS_STYLES = {
    "NEW": "bold white on red",
    "SPIKE": "bold black on dark_orange",
    "DROP": "black on cyan",
    "GONE": "black on green",
    "STEADY": "dim",
    "UP": "bold black on dark_orange",
    "DOWN": "black on cyan",
}


def badge(status: object) -> Text:
    s = str(status or "-")
    return Text(f" {s:<6} ", style=STATUS_STYLES.get(s, ""), end="")


def count(n: object) -> str:
    try:
        if n is None or (isinstance(n, float) and math.isnan(n)):
            return "-"
        return f"{int(round(float(n))):,}"
    except (TypeError, ValueError):
        return "-"


def number(x: object, digits: int = 3) -> str:
    """Short human number: 0.42, 12.5, 1,204, 3.2e6."""
    try:
        v = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "-"
    if math.isnan(v):
        return "-"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    a = abs(v)
    if a >= 1e6:
        return f"{v:.2g}"
    if a >= 100:
        return f"{v:,.0f}"
    if a >= 10:
        return f"{v:.1f}"
    return f"{v:.{max(1, digits - 1)}f}".rstrip("0").rstrip(".") if a else "0"


def pvalue(p: object) -> str:
    try:
        v = float(p)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "-"
    if math.isnan(v):
        return "-"
    if v < 1e-9:
        return "<1e-9"
    if v < 0.001:
        return f"{v:.0e}"
    return f"{v:.3f}"


def change(x: object) -> str:
    """Relative change as a signed percentage."""
    try:
        v = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "-"
    if math.isnan(v):
        return "-"
    if math.isinf(v):
        return "new"
    return f"{v * 100:+.0f}%"


def duration(d: timedelta) -> str:
    secs = int(d.total_seconds())
    if secs % 3600 == 0 and secs:
        return f"{secs // 3600}h"
    if secs % 60 == 0:
        return f"{secs // 60}m"
    return f"{secs}s"


def when(ts, tz=None) -> str:
    """A timestamp in the user's zone, or '-' when missing."""
    try:
        if ts is None or ts != ts:  # NaT/NaN compare unequal to themselves
            return "-"
        return format_time(ts.to_pydatetime(warn=False) if hasattr(ts, "to_pydatetime") else ts, tz)
    except (TypeError, ValueError):
        return "-"
