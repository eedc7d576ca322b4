"""Config/env suspects: lines that first appear around the deploy and name a missing or
defaulted setting, a fallback, a mock/stub/staging/localhost endpoint, a feature flag
or a missing secret. One such WARN per pod at start-up is often the root cause of
thousands of downstream errors, so volume does not matter here; the words do.
"""

from __future__ import annotations

import re

import numpy as np

STRONG = re.compile(
    r"(?i)\b(?:not set|unset|is missing|missing (?:env(?:ironment)?|config(?:uration)?|setting|secret|key|variable|value|credential)s?"
    r"|not configured|not defined|undefined (?:env|variable|setting|config)|no value for|empty (?:secret|password|token|api[ _-]?key)"
    r"|fall(?:ing)?[ -]?back|fallback|localhost|127\.0\.0\.1|0\.0\.0\.0|mock|stub(?:bed)?|fake|dummy|sandbox|staging"
    r"|test[-_ ]?mode|(?:could not|cannot|failed to) (?:read|load|find) (?:secret|config|env)"
    r"|(?:secret|token|password|credential|api[ _-]?key)s?\b[^.\n]{0,40}?\b(?:missing|not found|empty|absent|unset)"
    r"|continuing without|running without)\b"
)
"""Cues that name a wrong or missing setting outright."""
WEAK = re.compile(r"(?i)\b(?:default(?:s|ing)?(?: to| value)?|feature[-_ ]?flags?|flag \S+ (?:enabled|disabled|on|off)|override)\b")
"""Cues that may be harmless start-up chatter ('using default pool size 10')."""

LEAD_WINDOW_S = 15 * 60  # a suspect first seen this close around the deploy (capped at half a window)


def cue_strength(text: str) -> int:
    """2 strong cue, 1 weak cue, 0 none."""
    if STRONG.search(text or ""):
        return 2
    return 1 if WEAK.search(text or "") else 0


def candidates(first_ns: np.ndarray, before_count: np.ndarray, deploy_ns: int, before_s: float, after_s: float,
               start_ns: int) -> np.ndarray:
    """Codes of signatures new around the deploy: first seen within the lead window, absent
    from the first half of the before window (so not a line that was always there)."""
    lo = deploy_ns - min(LEAD_WINDOW_S, before_s / 2) * 1e9
    hi = deploy_ns + min(LEAD_WINDOW_S, after_s / 2) * 1e9
    new_here = (first_ns >= lo) & (first_ns <= hi) & (first_ns >= start_ns + before_s * 0.5e9)
    return np.flatnonzero(new_here)


def first_messages(codes: np.ndarray, rows_codes: np.ndarray, rows_pos: np.ndarray, messages) -> dict[int, str]:
    """The first message (in row order) of each code, for the cue check: templates mask URLs."""
    lut = np.zeros(int(max(codes.max(), rows_codes.max(initial=0))) + 2, dtype=bool)
    lut[codes] = True
    want = lut[rows_codes]
    if not want.any():
        return {}
    sub_codes, sub_pos = rows_codes[want], rows_pos[want]
    uniq, first = np.unique(sub_codes, return_index=True)
    texts = messages.iloc[sub_pos[first]].astype(object).tolist()
    return {int(c): (t if isinstance(t, str) else "") for c, t in zip(uniq, texts)}
