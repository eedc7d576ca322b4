"""Redaction of secrets in anything we export.

PATTERNS is data: (name, compiled regex, replacement). Add a row to extend it. Order
matters: whole blocks (private keys, JWTs) go before the generic key=value rule so the
more specific label wins.
"""

from __future__ import annotations

import re

MASK = "[REDACTED]"

_KEY_WORDS = (
    r"password|passwd|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|auth[_-]?token|"
    r"client[_-]?secret|private[_-]?key|session[_-]?id|credentials?"
)

PATTERNS: list[tuple[str, re.Pattern[str], str]] = [
    (
        "private key block",
        re.compile(
            r"-----BEGIN ((?:[A-Z0-9]+ )*PRIVATE KEY)-----.*?(?:-----END \1-----|\Z)",
            re.DOTALL,
        ),
        r"-----BEGIN \1-----" + MASK + r"-----END \1-----",
    ),
    (
        "JWT",
        re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}"),
        "[REDACTED-JWT]",
    ),
    (
        "AWS access key id",
        re.compile(r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}\b"),
        "[REDACTED-AWS-KEY]",
    ),
    (
        "AWS secret access key",
        re.compile(
            r"(?i)(aws_?secret_?access_?key|aws_?secret|secret_?access_?key)"
            r"(\"?\s*[:=]\s*\"?)[A-Za-z0-9/+=]{40}\b"
        ),
        r"\1\2" + MASK,
    ),
    (
        "bearer token",
        re.compile(r"(?i)(\bbearer\s+|\bauthorization:\s*token\s+)(?!token\b)[A-Za-z0-9._~+/=-]{8,}"),
        r"\1" + MASK,
    ),
    (
        "basic auth header",
        re.compile(r"(?i)\b(authorization:\s*basic\s+)[A-Za-z0-9+/=]{8,}"),
        r"\1" + MASK,
    ),
    (
        "password in URL",
        re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^\s:/@]+:)[^\s@/]+(@)"),
        r"\1" + MASK + r"\2",
    ),
    (
        "vendor API token",
        re.compile(
            r"\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,}|xox[abposr]-[A-Za-z0-9-]{10,}"
            r"|sk_(?:live|test)_[A-Za-z0-9]{16,}|sk-[A-Za-z0-9_-]{20,}|AIza[0-9A-Za-z_-]{35}|glpat-[A-Za-z0-9_-]{20,})"
        ),
        "[REDACTED-TOKEN]",
    ),
    (
        "quoted secret value",
        # "password": "two words" / password='x y': the whole quoted value
        re.compile(
            r"(?i)(?<![A-Za-z0-9])((?:[A-Za-z0-9]+[_-])*(?:" + _KEY_WORDS + r")(?:[_-][A-Za-z0-9]+)*)"
            r"((?:\"|')?\s*[:=]\s*)(\"|')(?!\[REDACTED)[^\"'\n]*\3"
        ),
        r"\1\2\3" + MASK + r"\3",
    ),
    (
        "key=value secret",
        # password=..., "api_key": "...", secret: ..., X-Api-Key: ... (value up to a delimiter)
        re.compile(
            r"(?i)(?<![A-Za-z0-9])((?:[A-Za-z0-9]+[_-])*(?:" + _KEY_WORDS + r")(?:[_-][A-Za-z0-9]+)*)"
            r"(\"?'?\s*[:=]\s*\"?'?)(?!\[REDACTED)([^\s\"',;&}<>)\]]+)"
        ),
        r"\1\2" + MASK,
    ),
]


def redact(text: str) -> str:
    """Mask every secret PATTERNS recognises; everything else is left byte-for-byte alone."""
    if not text:
        return text
    for _name, pattern, repl in PATTERNS:
        text = pattern.sub(repl, text)
    return text


def redact_obj(value):
    """Redact every string inside a JSON-like structure (dicts, lists, scalars)."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {redact_obj(k) if isinstance(k, str) else k: redact_obj(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact_obj(v) for v in value]
    return value
