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


def badge(status: object, width: int | None = None) -> Text:
    """A coloured status label; `width` centres it in exactly that many cells (tables)."""
    s = str(status or "-")
    label = f"{s:^{width}}" if width else f" {s:<6} "
    return Text(label, style=STATUS_STYLES.get(s, ""), end="")


def count(n: object) -> str:
    try:
        if n is None or (isinstance(n, float) and math.isnan(n)):
            return "-"
        return f"{int(round(float(n))):,}"  # type: ignore[arg-type]  # anything else is "-" below
    except (TypeError, ValueError):
        return "-"


def short_count(n: object) -> str:
    """A count in at most 6 cells: 8,573 / 12.3k / 456k / 1.2M."""
    text = count(n)
    if len(text) <= 6:
        return text
    v = float(int(round(float(n))))  # type: ignore[arg-type]
    for div, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(v) >= div:
            scaled = v / div
            return f"{scaled:.1f}{suffix}" if abs(scaled) < 100 else f"{scaled:.0f}{suffix}"
    return text


def _real(x: object) -> float | None:
    """x as a float, or None for missing, unparsable or NaN values (shown as '-')."""
    try:
        v = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if math.isnan(v) else v


def number(x: object, digits: int = 3) -> str:
    """Short human number: 0.42, 12.5, 1,204, 3.2e6."""
    v = _real(x)
    if v is None:
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
    v = _real(p)
    if v is None:
        return "-"
    if v < 1e-9:
        return "<1e-9"
    if v < 0.001:
        return f"{v:.0e}"
    return f"{v:.3f}"


def change(x: object) -> str:
    """Relative change as a signed percentage."""
    v = _real(x)
    if v is None:
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


def short_when(ts, tz=None) -> str:
    """Like `when`, without `:00` seconds (deploy times are usually whole minutes)."""
    text = when(ts, tz)
    if len(text) >= 19 and text[16:19] == ":00":
        return text[:16] + text[19:]
    return text


def zone_name(ts, tz=None) -> str:
    """The display zone's name at `ts` (UTC, CET, +0530), for prompts."""
    from triage.timeparse import resolve_tz

    try:
        zone = resolve_tz(tz) if not hasattr(tz, "utcoffset") else tz
        name = ts.astimezone(zone).tzname() if ts is not None else None
    except (TypeError, ValueError, AttributeError):
        name = None
    return name or "UTC"
