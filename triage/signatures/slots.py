"""Slot values: what each variable slot of a signature holds, event by event.

A template such as `connect to host=<*> port=<NUM> failed` hides the values an
on-call engineer needs (`host=mock-payments.internal`). This module reads them
back out of the events' messages, so that:

- grouping can show a slot that holds one value in nearly every event as that
  value (`fill_constants`: "Numbers are masked only where they vary");
- the detail pane, the note and the JSON export can list, per variable slot,
  its top values with their shares, before and after the deploy (`summarise`);
- field/value contrast (which value of which slot moved) can reuse the same
  counts (`summarise(...).slots[i].values`, each with before/after counts).

How values are read: the template is turned into one RE2 pattern, literal
text escaped, each placeholder (`<*>`, `<NUM>`, `<IP>` ...) a lazy group,
whitespace runs matching any whitespace, anchored on the message's first line.
pyarrow runs it over the column in C++ (`slot_values`). A message that does
not fit the template (a stack-trace signature's display, a clipped message)
gives nulls for its slots and is counted as `unmatched`.

Nothing here decides grouping or ids: values are read after grouping, so a
template's display may vary with the data while its signature id does not.

Public API (engine only, no Textual):
    slot_pattern(template) -> str | None
    slot_values(messages, template) -> list[pa.Array]      one array per slot
    summarise(messages, template, after=None, top=5) -> SlotReport
    fill_constants(template, messages, share=CONSTANT_SHARE) -> str
    signature_slots(events, signature, deploy=None, top=5) -> SlotReport
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

PLACEHOLDER_RE = re.compile(r"<(?:\*|[A-Z]{2,5})>")
# A stack-trace template: "<introducing message> — <ExcType>[: msg] (at frame)". Only the
# introducing message is on the event's first line, so only its slots are read.
_TRACE_TAIL = re.compile(r"^(?P<head>.+?)(?P<tail> — [\w$.]+(?: <- [\w$.]+)*(?::.*| \(at [^()]+\))?)$", re.S)


def split_trace(template: str) -> tuple[str, str]:
    """(the part read from the first line, the rest kept as it is)."""
    m = _TRACE_TAIL.match(template)
    return (m["head"], m["tail"]) if m else (template, "")
CONSTANT_SHARE = 0.95
"""A slot whose commonest value has at least this share of the events is shown as that value."""
MIN_CONSTANT_EVENTS = 3
"""Fewer events than this say nothing about what varies: their slots stay placeholders."""
MAX_VALUE_CHARS = 200
"""Values are clipped to this many characters for display (the count uses the whole value)."""


@dataclass(frozen=True)
class ValueShare:
    """One value of a slot: how often overall, before and after the deploy."""

    value: str
    count: int
    share: float  # of the slot's matched events
    before: int = 0
    after: int = 0
    before_share: float = 0.0  # of the slot's matched events before the deploy
    after_share: float = 0.0

    @property
    def change(self) -> str:
        """NEW / GONE / UP / DOWN / SAME, judged on the shares (not the counts: windows differ)."""
        if self.before == 0 and self.after > 0:
            return "NEW"
        if self.after == 0 and self.before > 0:
            return "GONE"
        if self.after_share > self.before_share * 1.5 and self.after_share - self.before_share >= 0.05:
            return "UP"
        if self.before_share > self.after_share * 1.5 and self.before_share - self.after_share >= 0.05:
            return "DOWN"
        return "SAME"


@dataclass(frozen=True)
class SlotSummary:
    """One variable slot of a template."""

    index: int  # 0-based, left to right
    placeholder: str  # as in the template: "<*>", "<NUM>", "<IP>" ...
    label: str  # the word before it ("host=", "user"), for people; may be ""
    events: int  # events whose message fits the template
    distinct: int  # distinct values among them
    values: list[ValueShare] = field(default_factory=list)  # commonest first
    other: int = 0  # events holding a value not listed

    @property
    def constant(self) -> str | None:
        """The value when one value holds CONSTANT_SHARE of the events (and there are enough of them)."""
        if self.events >= MIN_CONSTANT_EVENTS and self.values and self.values[0].share >= CONSTANT_SHARE:
            return self.values[0].value
        return None


@dataclass(frozen=True)
class SlotReport:
    template: str
    events: int  # all events given
    unmatched: int  # events whose message does not fit the template
    before: int  # matched events before / after the deploy (0/0 without a split)
    after: int
    slots: list[SlotSummary] = field(default_factory=list)

    def to_dict(self) -> dict:
        """Plain JSON-ready form (used by the note's JSON export)."""
        return {
            "events": self.events, "unmatched": self.unmatched, "before": self.before, "after": self.after,
            "slots": [
                {"index": s.index, "placeholder": s.placeholder, "label": s.label, "events": s.events,
                 "distinct": s.distinct, "other": s.other, "constant": s.constant,
                 "values": [{"value": v.value, "count": v.count, "share": round(v.share, 4),
                             "before": v.before, "after": v.after, "before_share": round(v.before_share, 4),
                             "after_share": round(v.after_share, 4), "change": v.change} for v in s.values]}
                for s in self.slots
            ],
        }


def _literal(text: str) -> str:
    """RE2 pattern for literal template text: escaped, any whitespace run matches any whitespace."""
    parts = re.split(r"\s+", text)
    return r"\s+".join(re.escape(p) for p in parts)


def slot_pattern(template: str) -> str | None:
    """Anchored RE2 pattern with one capture group per placeholder; None when the template has none."""
    pieces = PLACEHOLDER_RE.split(template.strip())
    if len(pieces) < 2:
        return None
    body = "(.*?)".join(_literal(p) for p in pieces)
    return r"^\s*" + body + r"\s*$"


def _first_lines(messages: pa.Array) -> pa.Array:
    arr = pc.replace_substring_regex(messages, r"\n[\s\S]*", "")
    return pc.replace_substring_regex(arr, r"\x1b\[[0-9;?]*[ -/]*[@-~]", "")


def _as_array(messages: Sequence[str] | pd.Series | pa.Array | pa.ChunkedArray) -> pa.Array:
    from triage.signatures.textin import to_string_array

    return to_string_array(messages)


def slot_values(messages: Sequence[str] | pd.Series | pa.Array, template: str) -> list[pa.Array]:
    """Per slot, the value in each message (aligned with `messages`; null where it does not fit)."""
    pattern = slot_pattern(split_trace(template)[0])
    if pattern is None:
        return []
    n = pattern.count("(.*?)")
    arr = _first_lines(_as_array(messages))
    named = pattern
    for i in range(n):
        named = named.replace("(.*?)", f"(?P<s{i}>.*?)", 1)
    try:
        st = pc.extract_regex(arr, named)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return [pa.nulls(len(arr), pa.large_string()) for _ in range(n)]
    ok = pc.is_valid(st)  # the fields of a non-matching row hold "", not null
    none = pa.scalar(None, st.type.field(0).type)
    return [pc.if_else(ok, st.field(i), none) for i in range(n)]


def _label(before_text: str) -> str:
    words = before_text.split()
    return words[-1][-24:] if words else ""


def _counts(values: pa.Array) -> dict[str, int]:
    vc = pc.value_counts(values.drop_null() if values.null_count else values)
    return dict(zip(vc.field("values").to_pylist(), vc.field("counts").to_pylist()))


def _slot(i: int, ph: str, label: str, values: pa.Array, after: np.ndarray | None, top: int) -> SlotSummary:
    total = _counts(values)
    matched = sum(total.values())
    ranked = heapq.nsmallest(top, total, key=lambda v: (-total[v], v))  # = sorted(...)[:top], without sorting them all
    before_c: dict[str, int] = {}
    after_c: dict[str, int] = {}
    if after is not None:
        mask = pa.array(after)
        after_c = _counts(values.filter(mask))
        before_c = _counts(values.filter(pc.invert(mask)))
        # The commonest values overall, plus the commonest after the deploy: a value that
        # appeared with the deploy (a mock host) must show even while it is still rare overall.
        newer = heapq.nsmallest(max(1, top // 2), after_c, key=lambda v: (-after_c[v], v))
        shown = list(dict.fromkeys(ranked[:top] + newer))
    else:
        shown = ranked[:top]
    nb, na = sum(before_c.values()), sum(after_c.values())
    rows = [
        ValueShare(v[:MAX_VALUE_CHARS], total[v], total[v] / matched if matched else 0.0,
                   before_c.get(v, 0), after_c.get(v, 0),
                   before_c.get(v, 0) / nb if nb else 0.0, after_c.get(v, 0) / na if na else 0.0)
        for v in shown
    ]
    return SlotSummary(i, ph, label, matched, len(total), rows, matched - sum(total[v] for v in shown))


def summarise(messages: Sequence[str] | pd.Series | pa.Array, template: str,
              after: np.ndarray | Sequence[bool] | None = None, top: int = 5) -> SlotReport:
    """Top values of every variable slot, with before/after counts when `after` (one bool per message) is given."""
    arr = _as_array(messages)
    cols = slot_values(arr, template)
    head = split_trace(template)[0].strip()
    placeholders = PLACEHOLDER_RE.findall(head)
    pieces = PLACEHOLDER_RE.split(head)
    mask = None if after is None else np.asarray(after, dtype=bool)
    fits = len(arr) if not cols else len(arr) - cols[0].null_count
    slots = [_slot(i, placeholders[i], _label(pieces[i]), col, mask, top) for i, col in enumerate(cols)]
    if mask is not None and cols:
        ok = np.asarray(pc.is_valid(cols[0]).to_numpy(zero_copy_only=False), dtype=bool)
        n_after = int((ok & mask).sum())
        n_before = int(ok.sum()) - n_after
    else:
        n_before = n_after = 0
    return SlotReport(template, len(arr), len(arr) - fits, n_before, n_after, slots)


def fill_constants(template: str, messages: Sequence[str] | pd.Series | pa.Array, share: float = CONSTANT_SHARE) -> str:
    """The template with every slot that holds one value in >= `share` of `messages` replaced by that value."""
    head, tail = split_trace(template)
    pieces = PLACEHOLDER_RE.split(head)
    if len(pieces) < 2:
        return template
    placeholders = PLACEHOLDER_RE.findall(head)
    arr = _as_array(messages)
    if len(arr) < MIN_CONSTANT_EVENTS:
        return template
    out = [pieces[0]]
    for i, col in enumerate(slot_values(arr, template)):
        counts = _counts(col)
        value, n = max(counts.items(), key=lambda kv: (kv[1], kv[0]), default=("", 0))
        keep = n >= share * len(arr) and value.strip() != "" and "\n" not in value
        out.append(value if keep else placeholders[i])
        out.append(pieces[i + 1])
    return "".join(out) + tail


def signature_slots(events: pd.DataFrame, signature: str, deploy=None, top: int = 5) -> SlotReport:
    """`summarise` for one signature of an event table (columns message, signature, template, timestamp).

    `deploy` (a UTC timestamp) splits before/after; events without a time count as before.
    """
    rows = events[events["signature"].astype(object) == signature] if len(events) else events
    template = str(rows["template"].iloc[0]) if len(rows) else ""
    after = None
    if deploy is not None and "timestamp" in rows:
        ts = pd.to_datetime(rows["timestamp"], utc=True)
        after = (ts >= pd.Timestamp(deploy)).fillna(False).to_numpy(dtype=bool)
    return summarise(rows["message"] if len(rows) else [], template, after=after, top=top)
