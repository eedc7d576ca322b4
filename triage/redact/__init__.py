"""Redaction of secrets in anything that leaves triage (notes, `triage group`, clipboard, errors).

Two rule sets, both data (`Rule`s): the gitleaks rules vendored in data/gitleaks.toml
(vendor-prefixed tokens such as `ghp_`, `sk_live_`, `xoxb-`, MIT, see LICENSE-gitleaks.txt)
and triage's own context rules in `generic` (passwords, `key=`/`token:` assignments gated
by how random the value looks, headers, cookies, DSNs, private keys, card numbers).
They are compiled once, on first use. A secret becomes `[REDACTED]` (named assignments)
or `[REDACTED:rule-id]` (everything else), so the reader still sees what kind of secret
was there; running `redact` again changes nothing.
"""

from __future__ import annotations

from functools import lru_cache

from triage.redact.engine import Rule, Scanner, Span, apply

MASK = "[REDACTED]"
_PLAIN_MASK = {"generic-secret", "xml-secret", "cli-secret"}

__all__ = ["MASK", "Rule", "find_secrets", "redact", "redact_cached", "redact_many", "redact_obj", "rules", "scanner"]


@lru_cache(maxsize=1)
def scanner() -> Scanner:
    """Every rule, compiled once: triage's own first (their spans are the tighter ones), then gitleaks'."""
    from triage.redact.generic import generic_rules
    from triage.redact.vendor import load_vendor_rules

    return Scanner(generic_rules() + load_vendor_rules())


def rules() -> list[Rule]:
    return scanner().rules


def _label(rule_id: str) -> str:
    return MASK if rule_id in _PLAIN_MASK else f"[REDACTED:{rule_id}]"


def find_secrets(text: str) -> list[Span]:
    """(start, end, rule id) of every secret in `text`, sorted and non-overlapping."""
    return scanner().spans(text) if text else []


def redact(text: str) -> str:
    """`text` with every secret masked; everything else is left character-for-character alone."""
    if not text or not isinstance(text, str):
        return text
    return apply(text, scanner().spans(text), _label)


@lru_cache(maxsize=4096)
def _redact_short(text: str) -> str:
    return apply(text, scanner().spans(text), _label)


def redact_cached(text: str) -> str:
    """`redact`, remembering recent strings: a note repeats the same template, sample, service and host many times."""
    if not text or not isinstance(text, str):
        return text
    if len(text) <= 65536:
        return _redact_short(text)
    return redact(text)


def redact_many(values: list[str]) -> list[str]:
    """`redact` of each string, scanned as one text so the keyword pre-filter pays once, not per string."""
    if len(values) < 8:
        return [redact(v) for v in values]
    joined = "\n".join(values)
    spans = scanner().spans(joined)
    if not spans:
        return list(values)
    out, pos, k = [], 0, 0
    for v in values:
        end = pos + len(v)
        mine: list[Span] = []
        while k < len(spans) and spans[k][0] < end:
            s, e, rid = spans[k]
            if e > pos:
                mine.append((max(s, pos) - pos, min(e, end) - pos, rid))
            if e > end + 1:
                break  # a block running into the next string: it is clipped there too
            k += 1
        out.append(apply(v, mine, _label))
        pos = end + 1
    return out


def redact_obj(value):
    """Every string inside a JSON-like structure (dicts, lists, scalars) redacted; the shape is kept."""
    strings: list[str] = []
    _collect(value, strings)
    done = iter(redact_many(strings))
    return _rebuild(value, done)


def _collect(value, out: list[str]) -> None:
    if isinstance(value, str):
        out.append(value)
    elif isinstance(value, dict):
        for k, v in value.items():
            _collect(k, out)
            _collect(v, out)
    elif isinstance(value, (list, tuple)):
        for v in value:
            _collect(v, out)


def _rebuild(value, done):
    if isinstance(value, str):
        return next(done)
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            key = _rebuild(k, done)
            out[key] = _rebuild(v, done)
        return out
    if isinstance(value, (list, tuple)):
        return [_rebuild(v, done) for v in value]
    return value
