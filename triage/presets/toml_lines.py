"""Line numbers for TOML keys, so validation errors can point at the line.

tomllib reports lines only for syntax errors; for a wrong type or an unknown key we
scan the text ourselves. The scan understands tables, dotted keys, quoted keys,
inline tables and multi-line strings, which is all a preset uses.
"""

from __future__ import annotations

import re

_BARE = r"[A-Za-z0-9_-]+"
_QUOTED = r'"(?:[^"\\]|\\.)*"|\'[^\']*\''
_KEY_PART = rf"(?:{_BARE}|{_QUOTED})"
_DOTTED = rf"{_KEY_PART}(?:\s*\.\s*{_KEY_PART})*"
_TABLE = re.compile(rf"^\s*\[\[?\s*({_DOTTED})\s*\]\]?\s*(?:#.*)?$")
_ASSIGN = re.compile(rf"\s*({_DOTTED})\s*=")
_PART = re.compile(_KEY_PART)


def _split(dotted: str) -> list[str]:
    parts = []
    for m in _PART.finditer(dotted):
        part = m.group(0)
        if part[0] in "\"'":
            part = part[1:-1]
        parts.append(part)
    return parts


def key_lines(text: str) -> dict[str, int]:
    """Map every dotted key path ("query.index") to its 1-based line."""
    lines: dict[str, int] = {}
    table: list[str] = []
    in_string: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if in_string:
            if line.count(in_string) % 2 == 1:
                in_string = None
            continue
        m = _TABLE.match(line)
        if m:
            table = _split(m.group(1))
            lines.setdefault(".".join(table), number)
            continue
        _scan_assignments(line, table, number, lines)
        for quote in ('"""', "'''"):
            if line.count(quote) % 2 == 1:
                in_string = quote
    return lines


def _scan_assignments(line: str, table: list[str], number: int, lines: dict[str, int]) -> None:
    """Record `key = ...` at the start of the line and keys inside an inline table on it."""
    m = _ASSIGN.match(line)
    if not m:
        return
    path = table + _split(m.group(1))
    lines.setdefault(".".join(path), number)
    rest = line[m.end():].lstrip()
    if rest.startswith("{"):
        for inner in re.finditer(rf"[{{,]\s*({_DOTTED})\s*=", rest):
            lines.setdefault(".".join(path + _split(inner.group(1))), number)


def line_of(lines: dict[str, int], key: str) -> int | None:
    """Line of `key`, else of its nearest enclosing table or key."""
    parts = key.split(".") if key else []
    while parts:
        found = lines.get(".".join(parts))
        if found is not None:
            return found
        parts.pop()
    return None
