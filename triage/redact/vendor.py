"""Loading the vendored gitleaks rules (data/gitleaks.toml, MIT) as `Rule`s.

The rules are written for Go's RE2. Python's `re` differs in three ways that occur in
them, and `go_to_python` rewrites each: a flag group such as `(?i)` in the middle of a
pattern (Go: applies to the rest of the enclosing group; Python 3.11 refuses it), POSIX
classes such as `[[:alnum:]]`, and `\\z` (end of text, `\\Z` in Python). A rule that still
does not compile is left out and reported by `load_vendor_rules(strict=True)`.
"""

from __future__ import annotations

import re
import tomllib
import warnings
from pathlib import Path

from triage.redact.engine import Rule

DATA = Path(__file__).with_name("data") / "gitleaks.toml"

_POSIX = {
    "[:alnum:]": "a-zA-Z0-9", "[:alpha:]": "a-zA-Z", "[:digit:]": "0-9", "[:xdigit:]": "0-9a-fA-F",
    "[:upper:]": "A-Z", "[:lower:]": "a-z", "[:space:]": r" \t\r\n\v\f", "[:word:]": r"\w",
    "[:punct:]": r"!-/:-@\[-`{-~",
}
_MID_FLAGS = re.compile(r"\(\?([imsx]+)\)")
_LEAD = re.compile(r"^((?:\(\?i\)|\(\?i:)?)\[\\w\.-\]\{0,50\}\?")


def drop_lazy_prefix(rx: str) -> str:
    """Drop the leading `[\\w.-]{0,50}?` of gitleaks' keyword rules (sometimes two, nested).

    It may match nothing, so the secret group finds the same secrets without it; in a
    backtracking engine the nested pair costs 50x50 attempts at every position.
    """
    while True:
        new = _LEAD.sub(r"\1", rx)
        if new == rx:
            return rx
        rx = new


def go_to_python(rx: str) -> str:
    """An RE2 pattern rewritten for Python's `re` (same language of matches)."""
    rx = rx.replace(r"\z", r"\Z")
    for posix, chars in _POSIX.items():
        rx = rx.replace(posix, chars)
    while True:
        m = next((m for m in _MID_FLAGS.finditer(rx) if m.start() > 0), None)
        if m is None:
            return rx
        end = _group_end(rx, m.end())
        rx = rx[: m.start()] + f"(?{m.group(1)}:" + rx[m.end() : end] + ")" + rx[end:]


def _group_end(rx: str, i: int) -> int:
    """Index of the `)` closing the group that contains position `i` (or len(rx))."""
    depth = 0
    in_class = False
    while i < len(rx):
        c = rx[i]
        if c == "\\":
            i += 2
            continue
        if in_class:
            if c == "]":
                in_class = False
        elif c == "[":
            in_class = True
            if rx[i + 1 : i + 2] == "^":
                i += 1
            if rx[i + 1 : i + 2] == "]":
                i += 1  # a leading `]` is literal
        elif c == "(":
            depth += 1
        elif c == ")":
            if depth == 0:
                return i
            depth -= 1
        i += 1
    return len(rx)


def load_vendor_rules(path: Path = DATA, *, strict: bool = False) -> list[Rule]:
    """Every vendored rule that compiles, in file order."""
    with open(path, "rb") as fh:
        data = tomllib.load(fh)
    rules, failed = [], []
    for item in data.get("rules", []):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", FutureWarning)
                regex = re.compile(drop_lazy_prefix(go_to_python(item["regex"])))
        except re.error as exc:
            failed.append(f"{item['id']}: {exc}")
            continue
        rules.append(Rule(
            id=item["id"],
            regex=regex,
            keywords=tuple(k.lower() for k in item.get("keywords", ())),
            entropy=float(item.get("entropy", 0.0)),
            group=item.get("secretGroup"),
        ))
    if strict and failed:
        raise ValueError("vendored rules that do not compile: " + "; ".join(failed))
    return rules
