"""Field/value contrast for a story, in the style of significant-terms analysis.

Foreground: the story's events in the window that shows the change (after the deploy
for a rise, before it for a fall). Background: the same signatures in the other window
when they have enough events there, else the same services' events before the deploy.
A value whose share is much larger in the foreground is reported: "94% of the after
events have path=/api/v2/charge, 0% before"; for a traffic drop, the value that vanished.
Fields: service, host, HTTP status, request path, structured `fields` keys, key=value
pairs in the message and template slot values (read by triage.signatures.slots).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass

import numpy as np
import pandas as pd

SAMPLE = 2000  # events per side read for the contrast (evenly spaced)
MIN_BACKGROUND = 20
MIN_SHARE = 0.2
MIN_DIFF = 0.2
MIN_COUNT = 3
TOP = 5
MAX_VALUE_CHARS = 120
_KV = re.compile(r"(?<![\w.])([A-Za-z_][\w.-]{0,40})=(\"[^\"]{0,80}\"|'[^']{0,80}'|[^\s,;)\]}]{1,80})")
_REQUEST = re.compile(r"\b(?:GET|POST|PUT|DELETE|PATCH|HEAD|OPTIONS)\s+(/[^\s?\"]*)")
_SLOT = re.compile(r"<[A-Z*]+>")


@dataclass
class Contrast:
    field: str
    value: str
    share_fg: float
    share_bg: float
    count_fg: int
    count_bg: int
    fg: str  # "after" or "before": which window the foreground is

    def text(self) -> str:
        bg = "before" if self.fg == "after" else "after"
        return (f"{self.share_fg:.0%} of the {self.fg}-window events have {self.field}={self.value}, "
                f"{self.share_bg:.0%} {bg}")

    def to_dict(self) -> dict:
        return {"field": self.field, "value": self.value, "share_fg": self.share_fg, "share_bg": self.share_bg,
                "count_fg": self.count_fg, "count_bg": self.count_bg, "foreground": self.fg, "text": self.text()}


def member_rows(prep, w, codes: np.ndarray, *, side: int | None = None, limit: int = SAMPLE) -> np.ndarray:
    """Event positions of window rows whose signature is in `codes` (optionally one side), evenly thinned."""
    k = len(prep.signatures)
    lut = np.zeros(k + 1, dtype=bool)
    lut[codes] = True
    mask = lut[prep.sig_codes[w.rows]]  # -1 (no signature) reads the spare last slot
    if side is not None:
        mask &= w.side == side
    rows = w.rows[mask]
    return _thin(rows, limit)


def rows_by_code(prep, w, codes: np.ndarray, *, limit: int = SAMPLE) -> dict[int, np.ndarray]:
    """Window-row event positions per code in `codes`, evenly thinned: one pass over the rows."""
    k = len(prep.signatures)
    lut = np.zeros(k + 1, dtype=bool)
    lut[codes] = True
    rc = prep.sig_codes[w.rows]
    hit = np.flatnonzero(lut[rc])
    sub = rc[hit]
    order = np.argsort(sub, kind="stable")
    sub, pos = sub[order], w.rows[hit][order]
    bounds = np.searchsorted(sub, codes), np.searchsorted(sub, codes, side="right")
    return {int(c): _thin(pos[a:b], limit) for c, a, b in zip(codes, *bounds)}


def _thin(rows: np.ndarray, limit: int) -> np.ndarray:
    if rows.size <= limit:
        return rows
    return rows[np.linspace(0, rows.size - 1, limit).astype(np.int64)]


def story_contrast(incident, analysis, story) -> list[Contrast]:
    """Contrast of the story's leading change (its members mix shapes, so their slots would not align)."""
    return signature_contrast(incident, analysis, story.lead)


def signature_contrast(incident, analysis, signature: str) -> list[Contrast]:
    """Top over-represented field values for one signature (bounded work: a few thousand events)."""
    from triage.analysis import prepare, windows_for

    prep = prepare(incident)
    w = windows_for(prep, analysis.deploy, analysis.before, analysis.after)
    codes = np.array([prep.code_of(signature)], dtype=np.int64)
    codes = codes[codes >= 0]
    if codes.size == 0:
        return []
    sigs = analysis.signatures.set_index("signature")
    lead_status = sigs["status"].get(signature, "STEADY")
    fg_side = 0 if lead_status in ("DROP", "GONE") else 1
    fg = member_rows(prep, w, codes, side=fg_side)
    bg = member_rows(prep, w, codes, side=1 - fg_side)
    fallback = bg.size < MIN_BACKGROUND
    if fallback:
        services = {prep.services[s] for s in prep.service_codes[fg] if s >= 0}
        svc_codes = np.array([i for i, s in enumerate(prep.services) if s in services], dtype=np.int64)
        side_rows = w.rows[w.side == 1 - fg_side]
        bg = _thin(side_rows[np.isin(prep.service_codes[side_rows], svc_codes)] if svc_codes.size else side_rows, SAMPLE)
    if fg.size == 0 or bg.size == 0:
        return []
    ev = incident.events
    fc, bc = _features(ev, fg), _features(ev, bg)
    template = str(sigs["template"].get(signature, ""))
    fc.update(_slot_counts(ev, fg, template))
    if not fallback:  # slots of other templates do not align: only the same signature's background
        bc.update(_slot_counts(ev, bg, template))
    return _significant(fc, bc, fg.size, bg.size, "after" if fg_side == 1 else "before")


def _features(ev, rows: np.ndarray) -> Counter:
    counts: Counter = Counter()
    n = len(rows)
    none = [None] * n
    cols = {c: (ev[c].iloc[rows].astype(object).tolist() if c in ev.columns else none)  # the five columns only
            for c in ("service", "host", "http_status", "fields", "message")}
    plain = [("service", cols["service"]), ("host", cols["host"]), ("status", cols["http_status"])]
    for i in range(n):
        seen = set()
        for name, values in plain:
            v = values[i]
            if v is not None and (isinstance(v, str) or not pd.isna(v)):
                seen.add((name, str(v)))
        msg = cols["message"][i]
        if isinstance(msg, str):
            first = msg.split("\n", 1)[0][:2000]
            lines = msg[:8000].split("\n")
            whole = first + ("\n" + lines[-1][:2000] if len(lines) > 1 else "")  # header and exception line, not code
            for k, v in _KV.findall(whole):
                seen.add((k, v.strip("\"'")))
            m = _REQUEST.search(whole)
            if m:
                seen.add(("path", m.group(1)))
        f = cols["fields"][i]
        if isinstance(f, str) and f.startswith("{"):
            try:
                obj = json.loads(f)
            except ValueError:
                obj = {}
            for k, v in obj.items() if isinstance(obj, dict) else ():
                if isinstance(v, (str, int, float, bool)) and len(str(v)) <= MAX_VALUE_CHARS:
                    seen.add((str(k), str(v)))
        counts.update(seen)
    return counts


def _slot_counts(ev, rows: np.ndarray, template: str) -> Counter:
    """Events per (slot, value) of the template's variable slots, read by triage.signatures.slots."""
    from triage.signatures.slots import PLACEHOLDER_RE, _label, slot_values

    if rows.size == 0 or not template:
        return Counter()
    pieces = PLACEHOLDER_RE.split(template.strip())
    out: Counter = Counter()
    for i, col in enumerate(slot_values(ev["message"].iloc[rows], template)):
        label = _label(pieces[i]).strip("=:,;()[]'\"") or str(i + 1)
        for value, n in zip(*_value_counts(col)):
            if value is not None and value.strip() and len(value) <= MAX_VALUE_CHARS:  # a megabyte slot is no "value"
                out[(f"slot {label}", value.strip("'\""))] += n
    return out


def _value_counts(col):
    import pyarrow.compute as pc

    vc = pc.value_counts(col)
    return vc.field("values").to_pylist(), vc.field("counts").to_pylist()


def _significant(fc: Counter, bc: Counter, nf: int, nb: int, fg: str) -> list[Contrast]:
    out = []
    for (field_, value), cf in fc.items():
        sf = cf / nf
        if cf < MIN_COUNT or sf < MIN_SHARE:
            continue
        cb = bc.get((field_, value), 0)
        sb = cb / nb
        if sf - sb >= MIN_DIFF and not _secret(field_, value):
            out.append(Contrast(field_, value, sf, sb, cf, cb, fg))
    out.sort(key=lambda c: (-(c.share_fg - c.share_bg), c.field, c.value))
    return _dedupe(out)[:TOP]


def _secret(field_: str, value: str) -> bool:
    """A pair the redactor would touch (password=..., a token as a slot value) is never shown."""
    from triage.redact import redact

    pair = f"{field_}={value}"
    return redact(pair) != pair or redact(value) != value


def _dedupe(items: list[Contrast]) -> list[Contrast]:
    """One row per field (its strongest value) so a single field does not fill the list."""
    seen, out = set(), []
    for c in items:
        if c.field not in seen:
            seen.add(c.field)
            out.append(c)
    return out
