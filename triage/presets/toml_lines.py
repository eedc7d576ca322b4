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
    open_string: str | None = None  # the delimiter of a multi-line string still open
    for number, line in enumerate(text.splitlines(), start=1):
        if open_string:
            end = _close(line, 0, open_string)
            if end is None:
                continue
            open_string = _open_string_at_end(line, end)
            continue
        m = _TABLE.match(line)
        if m:
            table = _split(m.group(1))
            lines.setdefault(".".join(table), number)
            continue
        _scan_assignments(line, table, number, lines)
        open_string = _open_string_at_end(line, 0)
    return lines


def _close(line: str, pos: int, delim: str) -> int | None:
    """Index just past the closing `delim` at or after `pos`, or None (escapes honoured in basic strings)."""
    escapes = delim[0] == '"'
    while pos < len(line):
        if escapes and line[pos] == "\\":
            pos += 2
            continue
        if line.startswith(delim, pos):
            return pos + len(delim)
        pos += 1
    return None


def _open_string_at_end(line: str, pos: int) -> str | None:
    """Walk the rest of a line through strings and comments; the multi-line delimiter left open, if any."""
    while pos < len(line):
        ch = line[pos]
        if ch == "#":
            return None
        if ch in "\"'":
            delim = ch * 3 if line.startswith(ch * 3, pos) else ch
            end = _close(line, pos + len(delim), delim)
            if end is None:
                return delim if len(delim) == 3 else None
            pos = end
            continue
        pos += 1
    return None


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
