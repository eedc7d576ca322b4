"""The one sparkline engine: counts or gauge values scaled to Unicode blocks, deploy and rollback marked.

The note (plain text) and the app (Rich text, in `triage.app.spark`) both draw with it, so a
timeline looks the same in the terminal and in the exported Markdown.
"""

from __future__ import annotations

import numpy as np

BLOCKS = "▁▂▃▄▅▆▇█"
DEPLOY_MARK = "│"
ROLLBACK_MARK = "↩"
_BLOCK_ARRAY = np.array(list(" " + BLOCKS))  # index 0: empty bin


def levels(values, steps: int = len(BLOCKS), zero_based: bool = True) -> np.ndarray:
    """Scale finite values to 0..steps-1 (-1 where empty/NaN).

    Counts scale from zero and round up, so any non-zero bin stands visibly above an empty
    one; gauges (zero_based=False) scale from their minimum so small shifts stay visible.
    """
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


def blocks(values, *, zero_based: bool = True) -> str:
    """One block per value; NaN (no data) is a space."""
    return "".join(_BLOCK_ARRAY[levels(values, len(BLOCKS), zero_based) + 1])


def deploy_cut(length: int, deploy_index: int | None) -> int | None:
    """Where the deploy mark goes in a line of `length` blocks (clamped), or None for no mark."""
    if deploy_index is None:
        return None
    return max(0, min(length, deploy_index))


def marked(chars: str, marks: list[tuple[int | None, str]]) -> list[tuple[str, str | None]]:
    """`chars` cut into runs with each (index, mark) inserted before that bin: [(text, mark or None)].

    Marks at the same bin keep their order (the deploy before a rollback right after it).
    """
    cuts = sorted((deploy_cut(len(chars), i), n, mark) for n, (i, mark) in enumerate(marks) if i is not None)
    out: list[tuple[str, str | None]] = []
    at = 0
    for cut, _, mark in cuts:
        assert cut is not None
        if cut > at:
            out.append((chars[at:cut], None))
            at = cut
        out.append((mark, mark))
    if at < len(chars) or not out:
        out.append((chars[at:], None))
    return out


def sparkline(values, deploy_index: int | None = None, *, zero_based: bool = True,
              rollback_index: int | None = None) -> str:
    """Blocks with `│` inserted before bin `deploy_index` (and `↩` before `rollback_index`)."""
    chars = blocks(values, zero_based=zero_based)
    return "".join(text for text, _ in marked(chars, [(deploy_index, DEPLOY_MARK), (rollback_index, ROLLBACK_MARK)]))
