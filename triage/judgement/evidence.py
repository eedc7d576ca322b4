"""Window-independent, general evidence per signature: is it an access/edge line, a trace, 5xx?

Computed once per incident (cached on the prepared arrays). Names of services or
files never enter: only the shape of the lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

TRACE = re.compile(r"[A-Z][A-Za-z0-9]*(?:Exception|Error|Fault)\b|Traceback|\bpanic:|\(at [^()]+\)\s*$")
"""An exception type name, a traceback, a Go panic, or a fingerprinted call site."""
REQUEST = re.compile(r"\b(?:GET|POST|PUT|DELETE|PATCH|HEAD|OPTIONS)\b|<PATH>|\s/[\w.-]")
"""A request line: HTTP method or a path. With a status on most events, an access/edge line."""


@dataclass
class Evidence:
    is_access: np.ndarray  # bool per signature
    share_5xx: np.ndarray
    has_trace: np.ndarray


def evidence(prep) -> Evidence:
    cached = prep.cache.get("evidence")
    if cached is not None:
        return cached
    k = len(prep.signatures)
    codes = prep.sig_codes
    ok = codes >= 0
    n = np.maximum(np.bincount(codes[ok], minlength=k)[:k], 1).astype(float)
    share_status = np.bincount(codes[ok], weights=prep.has_status[ok], minlength=k)[:k] / n
    share_5xx = np.bincount(codes[ok], weights=prep.is_5xx[ok], minlength=k)[:k] / n
    templates = prep.signatures["template"].tolist()
    request = np.array([bool(REQUEST.search(t)) for t in templates], dtype=bool)
    trace = np.array([bool(TRACE.search(t)) for t in templates], dtype=bool)
    out = Evidence(is_access=(share_status > 0.5) & request, share_5xx=share_5xx, has_trace=trace)
    prep.cache["evidence"] = out
    return out
