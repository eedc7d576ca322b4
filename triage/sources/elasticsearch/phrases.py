"""The constant words of a signature, as phrases a cluster can match.

A signature's template keeps the constant text of its messages and puts placeholders
(`<NUM>`, `<*>` ...) where values vary. Each literal run between placeholders becomes
one `match_phrase`; a document holding all of them, in any order, is a candidate member.
Words are cut the way Lucene's standard tokenizer roughly cuts them (letters and digits,
joined across `.` and `'` inside a word), and a phrase survives only if every sampled
member holds it as consecutive words, so a template quirk never makes a query stricter
than its sample. Whether the phrases really single out the signature is checked on the
sample afterwards (see counting.py); nothing here needs to be perfect, only honest.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from difflib import SequenceMatcher

_PLACEHOLDER = re.compile(r"<(?:\*|[A-Z]{2,6})>")
_WORD = re.compile(r"\w+(?:['.’]\w+)*")
_DIGIT = re.compile(r"\d")
MAX_PHRASES = 6
"""Longest phrases kept per signature: enough to single it out, small enough for a cheap query."""
MIN_CHARS = 3
"""A phrase of only a couple of characters matches almost anything: not worth a clause."""


def words(text: str) -> list[str]:
    """Lower-cased word tokens, close to the standard analyzer's."""
    return [w.lower() for w in _WORD.findall(text or "")]


def _literal_runs(template: str) -> list[str]:
    """Template text between placeholders, without the part-words glued to a placeholder.

    "rhost=ab<*>" keeps "rhost=" only: "ab" is the start of a value, not a word of its own.
    """
    parts = _PLACEHOLDER.split(template)
    runs = []
    for i, part in enumerate(parts):
        if i > 0 and part[:1].isalnum():
            part = re.sub(r"^\w+", "", part)
        if i < len(parts) - 1 and part[-1:].isalnum():
            part = re.sub(r"\w+$", "", part)
        runs.append(part)
    return runs


def _held_by_all(run: list[str], members: Sequence[list[str]]) -> bool:
    n = len(run)
    return all(any(m[i:i + n] == run for i in range(len(m) - n + 1)) for m in members)


def _constant(run: list[str]) -> list[list[str]]:
    """Split a word run at words holding digits (values the template did not mask)."""
    out: list[list[str]] = []
    cur: list[str] = []
    for w in run:
        if _DIGIT.search(w):
            if cur:
                out.append(cur)
            cur = []
        else:
            cur.append(w)
    if cur:
        out.append(cur)
    return out


def _common_runs(members: Sequence[list[str]]) -> list[list[str]]:
    """Word runs every member shares, in order (for templates that are not message text, e.g. traces)."""
    common = [w for w in members[0] if not _DIGIT.search(w)]
    runs = [common]
    for other in members[1:]:
        nxt: list[list[str]] = []
        for run in runs:
            sm = SequenceMatcher(None, run, other, autojunk=False)
            nxt.extend(run[b.a:b.a + b.size] for b in sm.get_matching_blocks() if b.size)
        runs = nxt
    return runs


def _best(runs: list[list[str]]) -> list[str]:
    good = [r for r in runs if len(" ".join(r)) >= MIN_CHARS]
    good.sort(key=lambda r: (-len(" ".join(r)), r))
    out: list[str] = []
    for r in good:
        text = " ".join(r)
        if text not in out:
            out.append(text)
    return out[:MAX_PHRASES]


def phrases(template: str, members: Sequence[str]) -> list[str]:
    """Phrases (space-joined words) that every member holds: from the template, else from the members."""
    toks = [words(m) for m in members if m]
    if not toks:
        return []
    runs = [c for run in _literal_runs(template or "") for c in _constant(words(run))]
    found = _best([r for r in runs if _held_by_all(r, toks)])
    if found:
        return found
    return _best(_common_runs(toks))
