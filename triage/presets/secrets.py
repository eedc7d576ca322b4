"""Refuse presets that hold credentials: they are committed and shared, so secrets
must be referenced by environment variable name, never written in.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

SECRET_KEY_NAMES = re.compile(
    r"(?i)(^|_)(password|passwd|pwd|secret|token|api_?key|apikey|access_?key|secret_?key|"
    r"session_?token|credentials?|auth|authorization|bearer|private_?key|cookie)($|_)"
)
"""Key names that would hold a secret; allowed only as `<name>_env` references."""

VALUE_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("an AWS access key id", re.compile(r"\b(?:AKIA|ASIA|AROA|AIDA)[0-9A-Z]{16}\b")),
    ("a private key", re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----")),
    ("a JSON web token", re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+")),
    ("a bearer/basic authorization header", re.compile(r"(?i)\b(?:bearer|basic)\s+[A-Za-z0-9._~+/=-]{16,}")),
    ("an inline password, secret or token", re.compile(
        r"(?i)\b(?:password|passwd|pwd|secret|token|api[_-]?key|apikey|access[_-]?key)\s*[=:]\s*[\"']?[^\s\"'&,;]{6,}"
    )),
    ("a GitHub/Slack/Stripe style token", re.compile(
        r"\b(?:gh[pousr]_[A-Za-z0-9]{30,}|xox[abposr]-[A-Za-z0-9-]{10,}|sk_live_[A-Za-z0-9]{16,})\b"
    )),
    ("an AWS secret access key", re.compile(r"(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])")),
]
"""Value shapes that look like a credential wherever they appear (queries included)."""

_URL = re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s\"']+", re.IGNORECASE)


def key_problem(key: str) -> str | None:
    """Why this key name may not hold a literal value, or None."""
    last = key.rsplit(".", 1)[-1]
    if last.endswith("_env"):
        return None
    if SECRET_KEY_NAMES.search(last):
        return f"presets must not hold credentials; reference an environment variable instead ({last}_env = \"NAME\")"
    return None


def value_problem(value: str) -> str | None:
    """What credential this text seems to contain, or None."""
    for url in _URL.findall(value):
        try:
            if urlsplit(url).password:
                return "looks like a URL with a password in it; use connection.url_env = \"NAME\""
        except ValueError:
            continue
    for label, pattern in VALUE_PATTERNS:
        if pattern.search(value) and not _is_aws_false_positive(label, value, pattern):
            return f"looks like {label}; presets must reference credentials by environment variable name"
    return None


def _is_aws_false_positive(label: str, value: str, pattern: re.Pattern[str]) -> bool:
    """40-char runs are also plain words and paths; a real secret key mixes cases and digits."""
    if label != "an AWS secret access key":
        return False
    for m in pattern.finditer(value):
        s = m.group(0)
        if re.search(r"[a-z]", s) and re.search(r"[A-Z]", s) and re.search(r"[0-9]", s):
            return False
    return True


def find_secret(data: object, prefix: str = "") -> tuple[str, str] | None:
    """(dotted key, reason) of the first credential-looking key or value in parsed TOML."""
    if isinstance(data, dict):
        for k, v in data.items():
            key = f"{prefix}.{k}" if prefix else str(k)
            problem = key_problem(key) if not isinstance(v, dict) else None
            if problem:
                return key, problem
            found = find_secret(v, key)
            if found:
                return found
    elif isinstance(data, list):
        for item in data:
            found = find_secret(item, prefix)
            if found:
                return found
    elif isinstance(data, str):
        problem = value_problem(data)
        if problem:
            return prefix, problem
    return None
