"""Every logger's severity spelling mapped onto debug/info/warn/error/fatal."""

from __future__ import annotations

import math

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from triage.events import STR

_NAMES = {
    "debug": ("TRACE", "DEBUG", "DBG", "FINE", "FINER", "FINEST", "VERBOSE", "D", "T", "V", "TRC", "CONFIG"),
    "info": ("INFO", "INF", "NOTICE", "INFORMATION", "I", "N"),
    "warn": ("WARN", "WARNING", "WRN", "W"),
    "error": ("ERROR", "ERR", "SEVERE", "E", "FAIL", "FAILURE"),
    "fatal": ("FATAL", "CRITICAL", "CRIT", "ALERT", "EMERG", "EMERGENCY", "PANIC", "F", "C", "DPANIC"),
}
LEVEL_MAP = {name: level for level, names in _NAMES.items() for name in names}

_SYSLOG = {0: "fatal", 1: "fatal", 2: "fatal", 3: "error", 4: "warn", 5: "info", 6: "info", 7: "debug"}

LEVEL_WORDS = "TRACE|DEBUG|INFO|NOTICE|WARN|WARNING|ERROR|SEVERE|FATAL|CRITICAL|CRIT|ALERT|EMERG|PANIC|FINE|FINER|FINEST|DBG|INF|WRN|ERR"
"""Regex alternation of level words worth recognising inside free text (longest first not needed: \\b bounds them)."""

ERROR_WORDS = r"(?i)\b(?:error|errors|fatal|fail|failed|failure|exception|traceback|panic|critical|severe)\b|\w(?:Exception|Error):"
"""Words that say something went wrong: a timed line holding one is not given a default level."""
FAILURE_WORDS = (ERROR_WORDS + r"|\b(?:fails|abort|aborted|aborting|timeout|timed|refused|denied|rejected|"
                 r"unavailable|unreachable|invalid|cannot|unable|crash|crashed|killed|lost|dropped|exceeded|expired|"
                 r"unauthori[sz]ed|forbidden|missing|broken|corrupt|corrupted|overflow|exhausted)\b")
"""ERROR_WORDS and outcomes that name a failure: a slot value holding one is never merged into a
signature by its counts alone (`request completed` x1000 / `request rejected` x5: the rare one may be the new failure)."""


def level_of(value) -> str | None:
    """One value (string or pino/bunyan number) to a normalised level."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None  # `"level": NaN` / `Infinity`: Python's JSON reader accepts both
    if isinstance(value, (int, float)):
        n = int(value)
        if n >= 10:  # pino/bunyan: 10 trace .. 60 fatal
            return ("debug", "debug", "info", "warn", "error", "fatal")[min(max(n // 10 - 1, 0), 5)]
        return _SYSLOG.get(n)
    s = str(value).strip().strip("[]<>():").upper()
    if s.isdigit():
        return level_of(int(s))
    return LEVEL_MAP.get(s)


def normalise_levels(values: pa.Array | pd.Series) -> pd.Series:
    """Vectorised: map the few distinct spellings, broadcast back through a dictionary encoding."""
    arr = values if isinstance(values, (pa.Array, pa.ChunkedArray)) else pa.array(values, pa.string(), from_pandas=True)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if len(arr) == 0:
        return pd.Series([], dtype=STR)
    encoded = pc.dictionary_encode(arr)
    mapped = pa.array([level_of(v) for v in encoded.dictionary.to_pylist()], pa.string())
    result = pc.take(mapped, encoded.indices)
    return pd.Series(result, dtype=STR)
