"""Untrusted text (log lines, templates, file names) made safe to display.

Everything shown from the data goes through here and comes out as a `rich.text.Text`,
never as a markup string: `[bold]` or `[@click=app.quit]` stays literal, ESC, bidi
overrides and other unsafe characters become visible symbols (triage.textsafe), secrets
are masked while screen redaction is on (triage.redact; the default), and megabyte lines
are clipped.
"""

from __future__ import annotations

import re

from rich.text import Text

from triage.redact import redact_cached
from triage.textsafe import pictures

DISPLAY_LIMIT = 2000
"""Characters of one value shown in a cell or line; the rest is summarised."""

PLACEHOLDER = re.compile(r"<[A-Z][A-Z_]*>|<\*>")


_SCREEN = {"redact": True}
REDACT_MARGIN = 4096
"""Characters past the display limit still redacted, so a secret cut by the clip is not half shown."""


def screen_redaction() -> bool:
    """Whether log text on screen has its secrets masked (the default; exports are always masked)."""
    return _SCREEN["redact"]


def set_screen_redaction(on: bool) -> None:
    """Switch masking of on-screen log text; the caller redraws what is shown."""
    _SCREEN["redact"] = bool(on)


def clean(value: object, limit: int = DISPLAY_LIMIT, *, multiline: bool = False) -> str:
    """A printable string: secrets masked (unless switched off), controls made visible, tabs expanded, clipped to `limit`."""
    if value is None:
        return ""
    s = value if isinstance(value, str) else str(value)
    dropped = 0
    if _SCREEN["redact"] and s:
        if limit and len(s) > limit + REDACT_MARGIN:
            dropped = len(s) - limit - REDACT_MARGIN
            s = s[: limit + REDACT_MARGIN]
        s = redact_cached(s)
    clipped = len(s) - limit if limit and len(s) > limit else 0
    if clipped:
        s = s[:limit]
    s = s.replace("\t", "    ").replace("\r\n", "\n")
    s = pictures(s, multiline=multiline)
    if clipped or dropped:
        s += f" … (+{clipped + dropped:,} chars)"
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
