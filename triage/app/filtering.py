"""The filter bar's little language, applied to the per-signature analysis frame (never to raw events).

`timeout level:warn service:checkout host:pay-2 status:new,spike sig:3fa9` — free words must all
appear in the template (case-insensitive); `level:` keeps that level and worse.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from triage.events import LEVEL_RANK

KEYS = ("level", "service", "host", "status", "sig")


@dataclass
class Filter:
    words: list[str] = field(default_factory=list)
    level: str | None = None
    service: str | None = None
    host: str | None = None
    statuses: set[str] = field(default_factory=set)
    sig: str | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.words or self.level or self.service or self.host or self.statuses or self.sig)


def parse_filter(text: str) -> Filter:
    f = Filter()
    for token in text.split():
        key, sep, value = token.partition(":")
        key = key.lower()
        if not sep or key not in KEYS or not value:
            f.words.append(token.lower())
        elif key == "level":
            level = {"warning": "warn", "err": "error", "critical": "fatal"}.get(value.lower(), value.lower())
            if level in LEVEL_RANK:
                f.level = level
            else:
                f.problems.append(f"unknown level {value!r}")
        elif key == "status":
            f.statuses |= {s.upper() for s in value.split(",") if s}
        else:
            setattr(f, key, value)
    return f


def _membership(pairs: pd.DataFrame | None, column: str, value: str) -> set[str]:
    if pairs is None or not len(pairs):
        return set()
    mask = pairs[column].astype(object).fillna("").str.lower() == value.lower()
    return set(pairs.loc[mask, "signature"].astype(object))


def apply_filter(rows: pd.DataFrame, f: Filter, by_service: pd.DataFrame | None = None,
                 by_host: pd.DataFrame | None = None) -> pd.DataFrame:
    """Rows of `analysis.signatures` matching the filter. `by_service`/`by_host` hold
    (signature, service|host) pairs so a signature matches if *any* of its events did."""
    if f.empty or not len(rows):
        return rows
    keep = pd.Series(True, index=rows.index)
    if f.words:
        templates = rows["template"].astype(object).fillna("").str.lower()
        sigs = rows["signature"].astype(object).fillna("")
        for w in f.words:
            keep &= templates.str.contains(w, regex=False) | sigs.str.startswith(w)
    if f.level:
        floor = LEVEL_RANK[f.level]
        keep &= rows["level"].astype(object).map(lambda lv: LEVEL_RANK.get(str(lv).lower(), -1) >= floor)
    if f.statuses:
        keep &= rows["status"].astype(object).isin(f.statuses)
    if f.sig:
        keep &= rows["signature"].astype(object).fillna("").str.startswith(f.sig)
    if f.service:
        keep &= rows["signature"].astype(object).isin(_membership(by_service, "service", f.service))
    if f.host:
        keep &= rows["signature"].astype(object).isin(_membership(by_host, "host", f.host))
    return rows[keep.to_numpy(dtype=bool)]


SORTS = {
    "rank": ("rank", False),
    "status": ("status", False),
    "level": ("level", True),
    "before": ("before", True),
    "after": ("after", True),
    "rate": ("rate_after", True),
    "ratio": ("ratio", True),
    "q": ("q", False),
    "template": ("template", False),
}
"""Column key -> (frame column, descending by default)."""


def sort_rows(rows: pd.DataFrame, key: str, reverse: bool = False) -> pd.DataFrame:
    column, descending = SORTS.get(key, ("rank", False))
    if column not in rows.columns or not len(rows):
        return rows
    if column == "level":
        values = rows["level"].astype(object).map(lambda lv: LEVEL_RANK.get(str(lv).lower(), -1))
    elif column == "status":
        order = {s: i for i, s in enumerate(("NEW", "SPIKE", "GONE", "DROP", "STEADY"))}
        values = rows["status"].astype(object).map(lambda s: order.get(s, 9))
    elif column == "template":
        values = rows["template"].astype(object).fillna("").str.lower()
    else:
        values = pd.to_numeric(rows[column], errors="coerce")
    ascending = not descending
    if reverse:
        ascending = not ascending
    order_idx = values.reset_index(drop=True).sort_values(ascending=ascending, kind="stable", na_position="last").index
    return rows.iloc[order_idx.to_numpy()]
