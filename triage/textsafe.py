"""Untrusted text made safe to show: the one place that says which characters are dangerous.

Log lines, templates, file names and preset values can carry characters that drive a
terminal or hide what a reader sees: C0/C1 controls (ESC starts ANSI sequences, 0x9b is a
one-byte CSI), DEL, line/paragraph separators, bidi overrides and isolates (U+202E makes
`txt.exe` read as `exe.txt`), and invisible formatting characters. Every exit uses
`UNSAFE` through one of two spellings:

* `escape`: visible escapes (`\\x1b`, `\\u202e`), for text that may be copied back
  (notes, `triage group`, error messages);
* `pictures`: one-cell stand-ins (U+241B for ESC, U+FFFD for the rest), for the screen,
  where columns must line up;
* `blank`: spaces, for a progress line redrawn in place.

Lone surrogates (text decoded with `surrogateescape`) become U+FFFD in both.
"""

from __future__ import annotations

import re

_BIDI = (0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A))
_INVISIBLE = (0x200B, 0x2060, 0x2061, 0x2062, 0x2063, 0x2064, 0xFEFF, 0xFFF9, 0xFFFA, 0xFFFB)
UNSAFE: frozenset[int] = frozenset(
    [c for c in range(0x20) if c not in (0x09, 0x0A)] + [0x7F, *range(0x80, 0xA0), 0x2028, 0x2029, *_BIDI, *_INVISIBLE]
)
"""Code points never passed through as themselves (TAB and LF are decided by the caller)."""

_CLASS = "".join(f"\\u{c:04x}" for c in sorted(UNSAFE))
UNSAFE_RE = re.compile(f"[{_CLASS}\ud800-\udfff]")
UNSAFE_OR_NEWLINE_RE = re.compile(f"[{_CLASS}\ud800-\udfff\n\t]")


def _escape_one(m: re.Match) -> str:
    c = ord(m.group())
    if 0xD800 <= c <= 0xDFFF:
        return "\ufffd"
    return f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}"


def escape(value: object, *, newlines: bool = True) -> str:
    """`value` as text with every unsafe character spelled as an escape; LF and TAB kept unless `newlines=False`."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    pattern = UNSAFE_RE if newlines else UNSAFE_OR_NEWLINE_RE
    return pattern.sub(_escape_one, text)


def blank(value: object) -> str:
    """`value` on one line with every unsafe character (and LF, TAB) as a space: for a status line
    that is redrawn in place, where escapes would only make it jump."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    return UNSAFE_OR_NEWLINE_RE.sub(" ", text)


def _picture_table() -> dict[int, str]:
    table = {c: "\ufffd" for c in UNSAFE}
    table.update({c: chr(0x2400 + c) for c in range(0x20) if c in UNSAFE})  # C0 -> "control pictures"
    table[0x7F] = "\u2421"
    table[0x09] = "\u2409"
    table[0x0A] = "\u240a"
    return table


PICTURES = _picture_table()
PICTURES_MULTILINE = {**PICTURES, 0x0A: "\n"}
_SURROGATES = re.compile("[\ud800-\udfff]")


def pictures(text: str, *, multiline: bool = False) -> str:
    """`text` for one screen cell per character: unsafe characters become visible symbols."""
    text = text.translate(PICTURES_MULTILINE if multiline else PICTURES)
    return _SURROGATES.sub("\ufffd", text)


def repair_utf8(text: str) -> str:
    """Text that encodes as UTF-8: lone surrogates (from undecodable bytes) become U+FFFD."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


def is_safe(text: str) -> bool:
    """True when `text` has nothing `escape` would change (LF/TAB allowed)."""
    return UNSAFE_RE.search(text) is None
