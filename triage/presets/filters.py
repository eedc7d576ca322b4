"""A preset's local selection: signature include/exclude regexes and HTTP statuses.

Applied after grouping, so it works the same for every source (a files preset has no
server-side query; a remote preset can still narrow what the server returned).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from triage.presets.model import Preset


def _status_ranges(specs: list[str]) -> list[tuple[int, int]]:
    ranges = []
    for spec in specs:
        if spec.endswith("xx"):
            base = int(spec[0]) * 100
            ranges.append((base, base + 99))
        elif "-" in spec:
            lo, hi = spec.split("-")
            ranges.append((int(lo), int(hi)))
        else:
            ranges.append((int(spec), int(spec)))
    return ranges


def _matching(templates: pd.Series, patterns: list[str]) -> pd.Series:
    """Boolean per row: template matches any pattern (Python `re`, as validated)."""
    if not patterns:
        return pd.Series(False, index=templates.index)
    compiled = [re.compile(p) for p in patterns]
    unique = templates.dropna().unique()  # few distinct templates even for millions of events
    hits = [t for t in unique if any(c.search(str(t)) for c in compiled)]
    return templates.isin(hits).fillna(False).astype(bool)


def filter_signatures(events: pd.DataFrame, preset: Preset | None) -> pd.DataFrame:
    """Rows of `events` the preset selects.

    Kept: events whose `template` (`message` with `signatures.match = "message"`, or
    before grouping) matches any
    `signatures.include` regex or whose `http_status` is in `signatures.http_status`
    (everything when neither is set); then those matching `signatures.exclude` are dropped.
    """
    if preset is None or not (preset.include or preset.exclude or preset.http_status):
        return events
    column = "template" if "template" in events.columns and preset.match == "template" else "message"
    text = events[column]
    if preset.include or preset.http_status:
        keep = _matching(text, preset.include)
        if preset.http_status and "http_status" in events.columns:
            status = events["http_status"].astype("float64").to_numpy(na_value=np.nan)
            for lo, hi in _status_ranges(preset.http_status):
                keep |= pd.Series((status >= lo) & (status <= hi), index=events.index)
    else:
        keep = pd.Series(True, index=events.index)
    if preset.exclude:
        keep &= ~_matching(text, preset.exclude)
    return events[keep.to_numpy()]


def filter_incident(incident, preset: Preset | None):
    """Apply `filter_signatures` to a loaded Incident in place and say so in its LoadReport,
    so headers and notes show that the event count is a preset's selection."""
    if preset is None:
        return incident
    total = len(incident.events)
    incident.events = filter_signatures(incident.events, preset)
    if len(incident.events) != total:
        incident.report.notes.append(
            f"preset '{preset.name}' kept {len(incident.events):,} of {total:,} events (signature filters)"
        )
    return incident
