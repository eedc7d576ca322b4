"""Redaction of secrets in anything we export: patterns are data, easy to extend."""

from __future__ import annotations

import re

PATTERNS: list[tuple[str, re.Pattern[str], str]] = []


def redact(text: str) -> str:
    for _name, pattern, repl in PATTERNS:
        text = pattern.sub(repl, text)
    return text
