"""The scanning machinery: rules as data, a keyword pre-filter, and non-overlapping spans.

A rule runs only on the lines that contain one of its keywords (the lowercased text is
searched once per keyword, with `str.find`, which is fast C). That keeps a few hundred
rules affordable on a megabyte note: most rules never run at all. Rules without keywords
(or marked `whole`) run on the whole text; they must be cheap to scan (anchored on a
rare literal such as `-----BEGIN`).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

Span = tuple[int, int, str]
"""(start, end, rule id): text[start:end] is a secret."""


@dataclass(frozen=True)
class Rule:
    id: str
    regex: re.Pattern[str]
    keywords: tuple[str, ...] = ()
    entropy: float = 0.0
    group: int | str | None = None  # None: the first group that matched, else the whole match
    whole: bool = False  # scan the whole text (multi-line secrets) instead of keyword lines
    extract: Callable | None = None  # match -> iterable of (start, end) spans, for rules with their own logic
    locate: Callable | None = None  # long text -> (start, end) ranges worth scanning, for `whole` rules without keywords


def shannon(text: str) -> float:
    """Bits per character; random base62 of length 32 scores about 4.5, English words about 3."""
    if not text:
        return 0.0
    n = len(text)
    return -sum(c / n * math.log2(c / n) for c in Counter(text).values())


def _secret_span(rule: Rule, m) -> tuple[int, int] | None:
    if rule.group is not None:
        return m.span(rule.group) if m.group(rule.group) else None
    for i in range(1, (m.re.groups or 0) + 1):
        if m.group(i):
            return m.span(i)
    return m.span()


def _matches(rule: Rule, text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    for m in rule.regex.finditer(text, start, end):
        if rule.extract is not None:
            yield from rule.extract(m)
            continue
        span = _secret_span(rule, m)
        if span is None or span[0] == span[1]:
            continue
        secret = text[span[0] : span[1]]
        if secret.startswith("[REDACTED") or (rule.entropy and shannon(secret) < rule.entropy):
            continue
        yield span


class Scanner:
    """Rules compiled once; `spans(text)` finds every secret."""

    def __init__(self, rules: Iterable[Rule]):
        self.rules = list(rules)
        self.keywords = sorted({k for r in self.rules for k in r.keywords})
        self._by_keyword: dict[str, list[int]] = {}
        for i, r in enumerate(self.rules):
            for k in r.keywords:
                self._by_keyword.setdefault(k, []).append(i)
        self._always = [i for i, r in enumerate(self.rules) if not r.keywords]
        self._grams: list | None = None  # (keyword, trigram codes), built on the first long text (numpy)

    @property
    def _trigrams(self) -> list:
        if self._grams is None:
            self._grams = [(k, _trigrams(k)) for k in self.keywords]
        return self._grams

    def spans(self, text: str) -> list[Span]:
        if not text:
            return []
        low = _lower(text)
        index = _LongText(low) if len(low) >= TRIGRAM_MIN else None
        if index is None:
            present = [k for k in self.keywords if k in low]
        else:  # a necessary condition; a keyword that is not there has no windows below
            present = [k for k, grams in self._trigrams if index.may_hold(grams)]
        todo = set(self._always)
        for k in present:
            todo.update(self._by_keyword[k])
        windows: dict[str, list[tuple[int, int]]] = {}
        found: list[Span] = []
        for i in sorted(todo):  # rule order: triage's own rules first
            rule = self.rules[i]
            if rule.whole or not rule.keywords:
                ranges: Iterable[tuple[int, int]] = ((0, len(text)),)
                if rule.locate is not None and index is not None:
                    ranges = rule.locate(text)
            else:
                lines: list[tuple[int, int]] = []
                for k in rule.keywords:
                    if k in windows or k in present:
                        if k not in windows:
                            windows[k] = index.windows(k) if index is not None else _lines_with(text, low, k)
                        lines += windows[k]
                ranges = _coalesce(sorted(lines), gap=0 if index is None else GAP)
            for start, end in ranges:
                found.extend((s, e, rule.id) for s, e in _matches(rule, text, start, end))
        return merge(found) if found else found


class _LongText:
    """Vectorised look-ups for a long text (numpy, one pass each): which trigrams occur, where
    lines start and end, where a keyword occurs. Two hundred `str.find` scans of a megabyte
    note are most of a second; these are a few milliseconds each."""

    def __init__(self, low: str):
        import numpy as np

        self.np = np
        self.n = len(low)
        a = np.frombuffer(low.encode("ascii", "replace"), dtype=np.uint8)
        self.newlines = np.flatnonzero(a == 10)
        wide = a.astype(np.int32)
        self.codes = (wide[:-2] << 16) | (wide[1:-1] << 8) | wide[2:]
        self.seen = np.zeros(1 << 24, dtype=bool)
        self.seen[self.codes] = True
        self.low = low

    def may_hold(self, grams) -> bool:
        return grams is None or bool(self.seen[grams].all())

    def windows(self, keyword: str) -> list[tuple[int, int]]:
        """Like `_lines_with`, from every occurrence at once (coalesced, GAP apart at most)."""
        np = self.np
        if len(keyword) >= 3 and keyword.isascii():
            grams = _trigrams(keyword)
            pos = np.flatnonzero(self.codes == grams[0])
            for i in range(1, len(grams)):  # consecutive trigrams spell the whole keyword
                pos = pos[pos + i < len(self.codes)]
                pos = pos[self.codes[pos + i] == grams[i]]
        else:
            pos = np.array([m.start() for m in re.finditer(re.escape(keyword), self.low)], dtype=np.int64)
        if not len(pos):
            return []
        bounds = np.concatenate(([-1], self.newlines, [self.n]))  # a keyword never holds a newline
        k = np.searchsorted(bounds, pos, side="right")
        starts, ends = bounds[k - 1] + 1, bounds[k]
        long = (ends - starts) > LONG_LINE
        starts = np.where(long, np.maximum(starts, pos - BEFORE), starts)
        ends = np.where(long, np.minimum(ends, pos + len(keyword) + AFTER), ends)
        order = np.argsort(starts, kind="stable")
        starts, ends = starts[order], np.maximum.accumulate(ends[order])
        new = np.concatenate(([True], starts[1:] > ends[:-1] + 1 + GAP))
        first = np.flatnonzero(new)
        last = np.concatenate((first[1:] - 1, [len(starts) - 1]))
        return list(zip(starts[first].tolist(), ends[last].tolist()))


TRIGRAM_MIN = 32768


def _trigrams(keyword: str):
    """The keyword's ASCII trigram codes (None: too short or not ASCII, always checked with `in`)."""
    if len(keyword) < 3 or not keyword.isascii():
        return None
    import numpy as np

    b = keyword.encode()
    return np.array([(b[i] << 16) | (b[i + 1] << 8) | b[i + 2] for i in range(len(b) - 2)], dtype=np.int64)


def _lower(text: str) -> str:
    """Lowercase with the same length (a few characters such as 'İ' lowercase to two)."""
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


LONG_LINE = 4096
"""Lines longer than this are scanned only around each keyword (BEFORE/AFTER characters), not whole:
some vendored rules cost quadratic time on a megabyte one-line JSON document."""
BEFORE, AFTER = 256, 2048


def _lines_with(text: str, low: str, keyword: str) -> list[tuple[int, int]]:
    """The (start, end) of each line holding `keyword`; for a long line, a window around each occurrence."""
    out = []
    pos = low.find(keyword)
    while pos >= 0:
        start = text.rfind("\n", 0, pos) + 1
        end = text.find("\n", pos)
        end = len(text) if end < 0 else end
        if end - start <= LONG_LINE:
            out.append((start, end))
            pos = low.find(keyword, end)
            continue
        out.append((max(start, pos - BEFORE), min(end, pos + len(keyword) + AFTER)))
        pos = low.find(keyword, pos + AFTER // 2)
    return out


GAP = 256
"""In a long text, ranges this close are scanned as one: fewer, longer regex scans are faster."""


def _coalesce(lines: list[tuple[int, int]], gap: int = 0) -> list[tuple[int, int]]:
    """Adjacent lines as one range: one regex scan over a run of lines instead of one per line."""
    out: list[tuple[int, int]] = []
    for start, end in lines:
        if out and start <= out[-1][1] + 1 + gap:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def merge(spans: list[Span]) -> list[Span]:
    """Sorted, non-overlapping spans; overlapping ones are joined under the first (longest) rule."""
    out: list[Span] = []
    for s, e, rid in sorted(spans, key=lambda x: (x[0], -x[1])):
        if out and s < out[-1][1]:
            ps, pe, prid = out[-1]
            out[-1] = (ps, max(pe, e), prid)
        else:
            out.append((s, e, rid))
    return out


def apply(text: str, spans: list[Span], label: Callable[[str], str]) -> str:
    if not spans:
        return text
    parts, last = [], 0
    for s, e, rid in spans:
        parts.append(text[last:s])
        parts.append(label(rid))
        last = e
    parts.append(text[last:])
    return "".join(parts)
