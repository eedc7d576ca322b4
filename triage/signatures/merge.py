"""Merge masked templates that differ only where values vary.

Runs on unique masked templates (thousands, not millions of lines).
1. Placeholder types do not split a group: `<HEX>` and `<NUM>` at the same
   place are one variable, and a run of adjacent placeholders (a list of ids
   of any length) is one `<*>`.
2. Among templates with the same number of tokens, a position whose value
   varies across templates that agree everywhere else is a variable, when it
   takes enough distinct values (a few different words in one slot are
   values, e.g. user names; two are more likely two events, e.g.
   "opened"/"closed").
"""

from __future__ import annotations

import os
import re
from collections import Counter, defaultdict

PLACEHOLDER = "<*>"
_TYPED = re.compile(r"<(?:\*|[A-Z]{2,5})>")
# Adjacent placeholders, whatever punctuation sits between them ("<*>:<*>",
# "<*> (<*>)", "<*>, <*>"), are one value; so is a comparison sign before one ("<1 sec").
_RUN = re.compile(r"[<>~]?<\*>(?:[^\w<>\"']*<\*>)+|[<>~]<\*>")
# A one-word note in parentheses right after a value is part of it:
# "from <IP> (host.example.com)", "<SIZE> (<SIZE>)", "<IP> ()".
_ANNOTATION = re.compile(r"<\*>\s*\([^()\s]*\)")
MIN_DISTINCT = 3
"""Distinct values a slot needs before it counts as a variable."""
MANY_DISTINCT = 8
"""Distinct values at one slot (all else equal) that make it a variable whatever its words look like."""
MAX_MERGE_TOKENS = 64
"""Longer templates are only merged on placeholder type (merging is quadratic in length)."""


def normalise(template: str) -> str:
    """Grouping key of a masked template: untyped placeholders, runs collapsed."""
    if "<" not in template:
        return template
    key = _TYPED.sub(PLACEHOLDER, template)
    key = _ANNOTATION.sub(PLACEHOLDER, key)
    return _RUN.sub(PLACEHOLDER, key)


_BARE = re.compile(r"^[^\w<>]*<\*>[^\w<>]*$")  # a placeholder with punctuation around it
_IDENT = re.compile(r"[./:@\\<_]")  # dotted names, paths, host:port, emails, masked parts
_LOWER = re.compile(r"^[a-z]+[^\w<>]?$")  # a plain lower-case word (a user name, a queue name)


# Level names left in a message whose header was not recognised: the same
# event logged at two levels is still one signature (the level is a column).
LEVEL_WORDS = frozenset(
    ["TRACE", "DEBUG", "INFO", "NOTICE", "WARN", "WARNING", "ERROR", "ERR", "SEVERE", "CRITICAL", "CRIT", "FATAL", "ALERT", "EMERG", "PANIC"]
)


def _kind(value: str) -> str:
    if value.strip("[]():<>|").upper() in LEVEL_WORDS:
        return "level"
    if _BARE.match(value):
        return "bare"
    if "/" in value:
        return "path"
    if _IDENT.search(value):
        return "ident"
    if _LOWER.match(value):
        return "lower"
    return "word"  # Capitalised or UPPER words, verbs, states: the event itself


# Nouns after which a plain lower-case word is a value ("for user root",
# "on host web", "queue emails"), not a different event ("talking to redis").
NAMING_NOUNS = frozenset(
    ["user", "username", "login", "account", "owner", "host", "hostname", "node", "server", "client", "peer", "file", "filename", "dir", "directory", "table", "database", "db", "schema", "queue", "topic", "bucket", "job", "task", "pod", "container", "device", "interface", "iface", "domain", "group", "role", "tenant", "project", "branch"]
)


def _names_a_value(tokens: list[str], pos: int) -> bool:
    return pos > 0 and tokens[pos - 1].strip(":=,;()[]'\"").lower() in NAMING_NOUNS


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


def _is_variable(values: set[str], pos: int, tokens: list[str]) -> bool:
    """Do these values at one slot (everything else equal) vary as data does?

    Paths merge from two values. Otherwise the part that varies is judged,
    without what all values share around it ("chdir(" ... ")"): capitalised or
    upper-case words (GET/POST, Started/Stopped) name events and never merge;
    identifiers (host names, dotted names) merge from three values, or two
    when one is already masked; plain
    lower-case words merge from three values only after a noun that names a
    value ("user root"), since elsewhere they usually name the event or the
    dependency ("talking to redis"), which an on-call engineer must see apart.
    """
    n = len(values)
    if any("/" in v for v in values):
        return n >= 2  # paths (a whole value, even where they share a leading "/")
    if all(PLACEHOLDER in v for v in values):
        return n >= MIN_DISTINCT  # partly masked already: identifiers with variable parts
    head, tail = shared_affixes(sorted(values))
    kinds = {_kind(v[len(head): len(v) - len(tail)] or PLACEHOLDER) for v in values}
    if kinds == {"level"}:
        return True
    if n >= MANY_DISTINCT and pos > 0:
        # Many different values in one slot are data, whatever they look like
        # ("Invalid user Admin/oracle/test ..."); the leading word is the
        # message's subject ("cupsd startup succeeded"), kept as it is.
        return True
    if "word" in kinds:
        return False
    if "bare" in kinds:
        return n >= 2
    if "lower" in kinds:
        return n >= MIN_DISTINCT and _names_a_value(tokens, pos)
    return n >= MIN_DISTINCT


def _has_constant(tokens: list[str], pos: int) -> bool:
    """A merge must leave a constant word, or every short message would become `<*>`."""
    return any(PLACEHOLDER not in t for i, t in enumerate(tokens) if i != pos)


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


def _merge_same_length(rows: list[list[str]]) -> None:
    """Replace variable slots by <*> in place, until nothing changes."""
    if len(rows) < 2:
        return
    changed = True
    while changed:
        changed = False
        for pos in range(len(rows[0])):
            for members in _slot_buckets(rows, pos):
                values = {rows[i][pos] for i in members}
                first = rows[members[0]]
                if len(values) > 1 and _has_constant(first, pos) and _is_variable(values, pos, first):
                    for i in members:
                        rows[i][pos] = PLACEHOLDER
                    changed = True


def merge_templates(templates: list[str], counts: list[int] | None = None) -> list[str]:
    """Grouping key for each masked template (same order); equal keys = one signature."""
    keys = [normalise(t) for t in templates]
    uniq = sorted(set(keys))
    by_width: dict[int, list[int]] = defaultdict(list)
    tokens = [k.split() for k in uniq]
    for i, toks in enumerate(tokens):
        if len(toks) <= MAX_MERGE_TOKENS:
            by_width[len(toks)].append(i)
    for idx in by_width.values():
        rows = [tokens[i] for i in idx]
        _merge_same_length(rows)
    merged = {k: _RUN.sub(PLACEHOLDER, " ".join(t)) if len(t) <= MAX_MERGE_TOKENS else k for k, t in zip(uniq, tokens)}
    return [merged[k] for k in keys]
