"""Severity classes for changes: the order in which a broken production must be read.

0 error: NEW/SPIKE of error or fatal lines (the failure itself);
1 5xx: NEW/SPIKE of access/edge lines with a 5xx status (what users saw; usually a symptom);
2 warn: NEW/SPIKE of warnings and 4xx;
3 info: info/debug changes and traffic drops (DROP/GONE of non-error lines);
4 better: errors, 5xx and warnings that fell or went away (good news, still worth a line).
"""

from __future__ import annotations

import numpy as np

SEVERITIES = ("error", "5xx", "warn", "info", "better")
RISING = ("NEW", "SPIKE")
FALLING = ("DROP", "GONE")


def severity_classes(status: np.ndarray, level: np.ndarray, is_access: np.ndarray, share_5xx: np.ndarray) -> np.ndarray:
    """Class index per signature (for STEADY rows: the class they would have if rising)."""
    status = np.asarray(status, dtype=object)
    lvl = np.array([str(v).lower() if isinstance(v, str) else "" for v in level], dtype=object)
    bad_level = np.isin(lvl, ["error", "fatal"])
    warn = lvl == "warn"
    five = is_access & (share_5xx > 0.5)
    rising_class = np.where(five, 1, np.where(bad_level, 0, np.where(warn, 2, 3)))
    falling = np.isin(status, FALLING)
    falling_class = np.where(five | bad_level | warn, 4, 3)
    return np.where(falling, falling_class, rising_class).astype(np.int64)
