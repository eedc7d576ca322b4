"""Merge masked templates that differ only where values vary.

Runs on unique masked templates (thousands, not millions of lines), with the
number of events behind each.
1. Placeholder types do not split a group: `<HEX>` and `<NUM>` at the same
   place are one variable, and a run of adjacent placeholders (a list of ids
   of any length) is one `<*>`.
2. Among templates with the same number of tokens, a position (slot) whose
   value varies across templates that agree everywhere else may be a variable.
   The shape of the values decides first: differently delimited forms of one
   token ("ws=<*>}" / "ws=<*>"), paths, booleans, level names (the shared
   vocabulary of triage.parsing.levels), quoted lower-case words ('currency'),
   masked values next to words and identifiers are data; otherwise Capitalised
   or UPPER words (GET/POST, Started/Stopped, quoted 'FAILED') name events.
   Names with a short number ("eth<*>", the key mask keeps their letters)
   are one event per name; different names are judged as words ("ee<*>" /
   "alt<*>" are two interfaces), unless they share their start or end (hosts
   "eadmin<*>" / "badmin<*>"); beside plain words they are data ("eth<*>" / "lo"),
   and a list of them ("an<*> an<*> an<*>") is one value.
   A value with other punctuation around it ("<*>." / "******<*>") is one
   value; punctuation alone ("****", "-") where others hold a value is a
   missing value (a reading that failed), kept apart; a scoped name
   ("Device::start") is code, so an event.
   Partly masked values are judged by the part that varies: "node-<*>" /
   "disk-<*>" hold ids, "Denied:code:<*>" / "Expired:code:<*>" name events.
   Plain lower-case words are judged by the data: their event counts (a
   dominant value and a tail of rare ones is how names are spread; a few values of comparable counts are separate events,
   "opened"/"closed"), or a word before them that keys a masked value
   elsewhere in the same input ("user=<*>" makes "for user cyrus" a value).
   Many distinct values are data whatever they look like. No word lists.
3. Partly masked tokens that vary together (a file named twice) form no such
   slot; templates equal but for them merge when each varying position would.
"""

from __future__ import annotations

import os
import re
from collections import Counter, defaultdict

from triage.parsing.levels import FAILURE_WORDS, LEVEL_WORDS

PLACEHOLDER = "<*>"
_TYPED = re.compile(r"<(?:\*|[A-Z]{2,5})>")
# Adjacent placeholders, whatever punctuation sits between them ("<*>:<*>",
# "<*> (<*>)", "<*>, <*>", "<*> - <*>"), are one value; so is a comparison sign before one
# ("<1 sec"). A token of punctuation alone between them ("<*> **** <*>") is a missing value: it stays.
# A list of one name with numbers ("an14 an15 an16") is a list of ids: one value, of any length.
_NAMED_RUN = re.compile(r"(?<![\w<>])([A-Za-z]+)<\*>(?:[^\w<>\"']+\1<\*>)+(?![\w<>])")
_RUN = re.compile(r"[<>~]?<\*>(?:[^\w<>\"'\s]*\s*(?:[^\w<>\"'\s]\s+)?[^\w<>\"'\s]*<\*>)+|[<>~]<\*>")
# A one-word note in parentheses right after a value is part of it:
# "from <IP> (host.example.com)", "<SIZE> (<SIZE>)", "<IP> ()".
_ANNOTATION = re.compile(r"<\*>\s*\([^()\s]*\)")
MIN_DISTINCT = 3
"""Distinct values a slot of identifiers or plain words needs before it counts as a variable."""
MANY_DISTINCT = 8
"""Distinct values at one slot (all else equal) that make it a variable whatever their counts."""
TAIL_RATIO = 10
"""A value is rare in its slot when the slot's commonest value is seen this many times as often (an order of magnitude)."""
MAX_MERGE_TOKENS = 64
"""Longer templates are only merged on placeholder type (merging is quadratic in length)."""


def normalise(template: str) -> str:
    """Grouping key of a masked template: untyped placeholders, runs collapsed."""
    if "<" not in template:
        return template
    key = _TYPED.sub(PLACEHOLDER, template)
    key = _ANNOTATION.sub(PLACEHOLDER, key)
    key = _NAMED_RUN.sub(PLACEHOLDER, key)
    return _RUN.sub(PLACEHOLDER, key)


_BARE = re.compile(r"^[^\w<>]*<\*>[^\w<>]*$")  # a placeholder with punctuation around it
_IDENT = re.compile(r"[./:@\\<_]")  # dotted names, paths, host:port, emails, masked parts
_BOOL = re.compile(r"^(?i:true|false)$")  # a literal type, like a number
# The same event logged at two levels is still one signature (the level is a
# column): level names left in a message whose header was not recognised are values.
_LEVEL = re.compile(rf"^(?:{LEVEL_WORDS})$")
_FAILURE = re.compile(FAILURE_WORDS)
_OPENING = "[({'\""  # brackets and quotes before a token
_CLOSING = "])}'\",;:."  # and brackets, quotes, separators after it
_NUMBERED = re.compile(r"^[\[({'\"]*([A-Za-z]+)<\*>[\])}'\",;:.]*$")  # "eth<*>", "(worker<*>),"
_QUOTED = re.compile(r"""^[(\[{]*(['"])[^'"\s]+\1[^\w'"]*$""")  # one quoted word, maybe bracketed


def _kind(value: str) -> str:
    if _LEVEL.match(value.strip("[]():<>|").upper()):
        return "level"
    if _BOOL.match(value):
        return "bool"
    if _BARE.match(value):
        return "bare"
    if _NUMBERED.match(value):
        return "numbered"  # a name with a masked number: "eth<*>" (or a key with its value: "rhost<*>")
    if "/" in value or "\\" in value:
        return "path"
    if "::" in value and PLACEHOLDER not in value:
        return "word"  # a scoped name ("Device::start") is code, the event itself, not data
    if _IDENT.search(value):
        return "ident"
    if not any(c.isalnum() for c in value):
        return "blank"  # no letter, no digit: no value at all ("****", "-")
    if value.islower():
        return "lower"  # a plain lower-case word: a value (user name) or the event (verb, dependency)
    return "word"  # Capitalised or UPPER words (GET/POST, Started/Stopped): the event itself


# A word used as the key of a value somewhere in the input ("user=<*>",
# "queue: <*>"; the key mask keeps no "=": "user<*>") names a value: a plain
# word after it elsewhere is a value too ("session opened for user cyrus").
_KEY_OF_VALUE = re.compile(r"(?<![\w<>])([A-Za-z][A-Za-z_-]*+)(?:=|: ?)?<\*>")


class ValueNames:
    """Lower-cased words that key a masked value in some of these templates; read only when first asked."""

    def __init__(self, keys: list[str]) -> None:
        self._keys = keys
        self._names: frozenset[str] | None = None

    def __contains__(self, word: object) -> bool:
        if self._names is None:
            text = "\n".join(k for k in self._keys if PLACEHOLDER in k)
            self._names = frozenset(m.lower() for m in _KEY_OF_VALUE.findall(text))
        return word in self._names


def _names_a_value(tokens: list[str], pos: int, names: ValueNames) -> bool:
    return pos > 0 and tokens[pos - 1].strip(":=,;()[]'\"").lower() in names


_OPENERS = "=:([{/'\""
_CLOSERS = ")]}'\",;:"


def shared_affixes(values: list[str]) -> tuple[str, str]:
    """Prefix and suffix every value shares, cut at a delimiter ("chdir(" ... ")", "rhost=" ...).

    Cutting at delimiters keeps words whole: "Started"/"Stopped" share nothing.
    """
    prefix = os.path.commonprefix(values)
    cut = max(prefix.rfind(c) for c in _OPENERS)
    head = prefix[: cut + 1] if cut >= 0 else ""
    suffix = os.path.commonprefix([v[len(head):][::-1] for v in values])[::-1]
    tail = suffix[next((i for i, c in enumerate(suffix) if c in _CLOSERS), len(suffix)):]
    return head, tail


def _looks_like_data(counts: list[int]) -> bool:
    """A dominant value and a tail of rare ones, as names are spread ("for root" often, "for admin",
    "for oracle" ... now and then); not a few values of comparable counts, as events are
    ("opened"/"closed", "Started"/"Stopped": each happens about as often as its partner).

    Rare is TAIL_RATIO times less often than the commonest value; the tail must
    hold two values or more and outnumber the values that are not rare. Only
    ratios are used, so the verdict does not depend on how much was loaded.
    """
    top = max(counts)
    tail = sum(1 for c in counts if c * TAIL_RATIO <= top)
    return tail >= 2 and tail > len(counts) - tail


FAMILY = 3
"""Letters numbered names share at their start or end to be one family of hosts ("eadmin1", "badmin2")."""


def _one_family(stems: list[str]) -> bool:
    """Names that differ only in a short part between shared letters are instances of one thing."""
    head = os.path.commonprefix(stems)
    tail = os.path.commonprefix([s[::-1] for s in stems])
    return len(head) >= FAMILY or len(tail) >= FAMILY


def _is_variable(values: dict[str, int], pos: int, tokens: list[str], names: ValueNames) -> bool:
    """Do these values at one slot (everything else equal), with their event counts, vary as data does?

    Structure first: values that differ only in the delimiters around them are
    one token ("ws=<*>}" / "ws=<*>"); paths, booleans, levels, quoted lower-case
    words and masked values beside plain words ("eth0" / "lo") merge from two;
    identifiers (dotted names, host:port) and partly masked values from three,
    unless the part that varies is a word ("Denied:<*>" / "Expired:<*>"). Otherwise
    Capitalised or UPPER words name events (GET/POST). Many distinct values are data whatever they
    look like. Between, plain lower-case words (three or more) are data when
    their counts have a dominant value and a tail of rare ones
    (`_looks_like_data`), or when the word before them keys a masked value
    elsewhere in the input (`ValueNames`); otherwise they are
    separate events ("opened"/"closed"). The leading word is the message's
    subject ("cupsd startup succeeded") and stays as it is.
    """
    n = len(values)
    if len({v.lstrip(_OPENING).rstrip(_CLOSING) for v in values}) == 1:
        return True  # one token, delimited differently: "ws=<*>}" / "ws=<*>", "done." / "done"
    if any("/" in v or "\\" in v for v in values):
        return True  # paths (a whole value, even where they share a leading "/")
    numbered = [_NUMBERED.match(v) for v in values]
    if all(numbered):
        # names with a number ("ee<*>", "alt<*>"): the number is an instance, the names are
        # judged as words ("worker<*>" is one event, "db<*>" and "cache<*>" may be two)
        stems: Counter[str] = Counter()
        for m, c in zip(numbered, values.values()):
            stems[m.group(1)] += c  # type: ignore[union-attr]
        return len(stems) == 1 or _one_family(list(stems)) or _is_variable(stems, pos, tokens, names)
    if all(_BARE.match(v) for v in values):
        return True  # one value with other punctuation around it: "<*>.", "(<*>)", "******<*>"
    if any(_BARE.match(v) for v in values) and all(m or _BARE.match(v) for m, v in zip(numbered, values)):
        return True  # one value masked whole and in part: "u12345" -> "<*>", "u1234" -> "u<*>"
    head, tail = shared_affixes(sorted(values))
    if all(PLACEHOLDER in v for v in values) and any(PLACEHOLDER in v[len(head): len(v) - len(tail)] for v in values):
        return n >= MIN_DISTINCT  # partly masked already: identifiers with variable parts
    kinds = {_kind(v[len(head): len(v) - len(tail)] or PLACEHOLDER) for v in values}
    if "numbered" in kinds:
        # beside plain words a numbered name is data ("eth<*>" / "lo"), unless a word is the same
        # name without its number: then it was a key and its value ("rhost<*>" / "rhost=")
        named = {m.group(1) for m in numbered if m}
        plain = [v.lstrip(_OPENING) for v, m in zip(values, numbered) if not m]
        clash = any(p.startswith(stem) for p in plain for stem in named)
        kinds = (kinds - {"numbered"}) | {"ident" if clash else "bare"}
    if kinds <= {"level", "bool"}:
        return True
    if "blank" in kinds and n < MANY_DISTINCT:
        return False  # "****" / "-" where others hold a value: no value at all (a reading that failed)
    if kinds <= {"lower", "bare", "ident"} and all(_QUOTED.match(v) for v in values):
        return True  # quoted values ("KeyError: 'currency'"); quoted 'Active'/'FAILED' name states: words
    if not kinds & {"word", "lower"}:
        return "bare" in kinds or n >= MIN_DISTINCT  # identifiers
    if pos == 0:
        return False
    if n >= MANY_DISTINCT:
        return True
    if "bare" in kinds:
        return True  # masked values (ids, "eth0") beside words ("lo", "OneStats"): the slot holds data
    if "word" in kinds:
        return False
    if n < MIN_DISTINCT:
        return False
    if any(_FAILURE.search(v) for v in values):
        return False  # "request completed" x1000, "request rejected" x5: the rare one may be the new failure
    return _looks_like_data(list(values.values())) or _names_a_value(tokens, pos, names)


def _has_constant(tokens: list[str], pos: int) -> bool:
    """A merge must leave a constant word, or every short message would become `<*>`.

    The key of a masked value counts ("uid<*>,": "uid=" was masked with its value).
    """
    return any(not _BARE.match(t) for i, t in enumerate(tokens) if i != pos)


def _slot_buckets(rows: list[list[str]], pos: int) -> list[list[int]]:
    """Rows that agree everywhere except at `pos`, in groups of two or more.

    Keys are strings, not tuples: strings are not tracked by the cyclic GC,
    which otherwise rescans every kept tuple and doubles the time on big inputs.
    """
    keys = ["\x1f".join(toks[:pos]) + "\x1e" + "\x1f".join(toks[pos + 1:]) for toks in rows]
    seen = Counter(keys)
    groups: dict[str, list[int]] = defaultdict(list)
    for i, k in enumerate(keys):
        if seen[k] > 1:
            groups[k].append(i)
    return list(groups.values())


def _slot_values(rows: list[list[str]], weights: list[int], members: list[int], pos: int) -> Counter[str]:
    """Events per value at `pos` among the member rows."""
    values: Counter[str] = Counter()
    for i in members:
        values[rows[i][pos]] += weights[i]
    return values


def _merge_same_length(rows: list[list[str]], weights: list[int], names: ValueNames) -> None:
    """Replace variable slots by <*> in place, until nothing changes; `weights`: events per row."""
    if len(rows) < 2:
        return
    changed = True
    while changed:
        changed = False
        for pos in range(len(rows[0])):
            for members in _slot_buckets(rows, pos):
                first = rows[members[0]]
                if not any(rows[i][pos] != first[pos] for i in members) or not _has_constant(first, pos):
                    continue
                if _is_variable(_slot_values(rows, weights, members, pos), pos, first, names):
                    for i in members:
                        rows[i][pos] = PLACEHOLDER
                    changed = True


def _merge_masked_together(rows: list[list[str]], weights: list[int], names: ValueNames) -> None:
    """Partly masked tokens that vary together (a file named twice: "Dir file <*>.xml, Current file <*>.xml")
    form no slot where all else is equal; rows equal but for such tokens merge when each of their
    varying positions would merge on its own."""
    groups: dict[str, list[int]] = defaultdict(list)
    for i, toks in enumerate(rows):
        masked = [PLACEHOLDER if PLACEHOLDER in t else t for t in toks]
        if sum(t != m for t, m in zip(toks, masked)) >= 2:
            groups["\x1f".join(masked)].append(i)
    for members in groups.values():
        if len(members) < 2:
            continue
        first = rows[members[0]]
        varying = [p for p in range(len(first)) if any(rows[i][p] != first[p] for i in members)]
        if len(varying) < 2 or not _has_constant(first, -1):
            continue
        if all(_is_variable(_slot_values(rows, weights, members, p), p, first, names) for p in varying):
            for i in members:
                for p in varying:
                    rows[i][p] = PLACEHOLDER


def merge_templates(templates: list[str], counts: list[int] | None = None) -> list[str]:
    """Grouping key for each masked template (same order); equal keys = one signature.

    `counts`: events per template (1 each when not given); they decide whether
    a slot of plain words holds data or separates events.
    """
    keys = [normalise(t) for t in templates]
    events: Counter[str] = Counter()
    for k, c in zip(keys, counts if counts is not None else [1] * len(keys)):
        events[k] += int(c)
    uniq = sorted(events)
    names = ValueNames(uniq)
    by_width: dict[int, list[int]] = defaultdict(list)
    tokens = [k.split() for k in uniq]
    for i, toks in enumerate(tokens):
        if len(toks) <= MAX_MERGE_TOKENS:
            by_width[len(toks)].append(i)
    for idx in by_width.values():
        rows, weights = [tokens[i] for i in idx], [events[uniq[i]] for i in idx]
        _merge_same_length(rows, weights, names)
        _merge_masked_together(rows, weights, names)
    merged = {k: _RUN.sub(PLACEHOLDER, " ".join(t)) if len(t) <= MAX_MERGE_TOKENS else k for k, t in zip(uniq, tokens)}
    return [merged[k] for k in keys]
