"""Untrusted text (log lines, templates, file names) made safe to display.

Everything shown from the data goes through here and comes out as a `rich.text.Text`,
never as a markup string: `[bold]` or `[@click=app.quit]` stays literal, ESC and other
control characters become visible symbols, and megabyte lines are clipped.
"""

from __future__ import annotations

import re

from rich.text import Text

DISPLAY_LIMIT = 2000
"""Characters of one value shown in a cell or line; the rest is summarised."""

PLACEHOLDER = re.compile(r"<[A-Z][A-Z_]*>|<\*>")


def _control_table() -> dict[int, str]:
    table = {c: chr(0x2400 + c) for c in range(0x20)}  # C0 -> Unicode "control pictures"
    table[0x7F] = "\u2421"
    for c in range(0x80, 0xA0):  # C1 controls (0x9b is a one-byte CSI)
        table[c] = "\ufffd"
    for c in (0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)):  # bidi overrides
        table[c] = "\ufffd"
    return table


_CONTROLS = _control_table()
_CONTROLS_MULTILINE = {**_CONTROLS, 0x0A: "\n"}
_SURROGATES = re.compile("[\ud800-\udfff]")


def clean(value: object, limit: int = DISPLAY_LIMIT, *, multiline: bool = False) -> str:
    """A printable string: controls made visible, tabs expanded, clipped to `limit`."""
    if value is None:
        return ""
    s = value if isinstance(value, str) else str(value)
    clipped = len(s) - limit if limit and len(s) > limit else 0
    if clipped:
        s = s[:limit]
    s = s.replace("\t", "    ").replace("\r\n", "\n")
    s = s.translate(_CONTROLS_MULTILINE if multiline else _CONTROLS)
    s = _SURROGATES.sub("\ufffd", s)
    if clipped:
        s += f" … (+{clipped:,} chars)"
    return s


def inert(value: object, style: str = "", limit: int = DISPLAY_LIMIT, *, multiline: bool = False) -> Text:
    """`clean` text wrapped in a Text; no markup is ever parsed."""
    return Text(clean(value, limit, multiline=multiline), style=style, end="")


def template_text(template: object, limit: int = DISPLAY_LIMIT, placeholder_style: str = "bold italic magenta") -> Text:
    """A signature template with its `<NUM>`, `<IP>`, `<*>` placeholders highlighted."""
    text = inert(template, limit=limit)
    for match in PLACEHOLDER.finditer(text.plain):
        text.stylize(placeholder_style, match.start(), match.end())
    return text


def first_line(value: object, limit: int = DISPLAY_LIMIT) -> str:
    """The first line of a (possibly multi-line) message, marking that more follows."""
    s = "" if value is None else str(value)
    head, sep, rest = s.partition("\n")
    more = f"  (+{rest.count(chr(10)) + 1} lines)" if sep else ""
    return clean(head, limit) + more
