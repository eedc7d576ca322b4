"""Mask the variable parts of log messages, a whole column at a time.

Every rule is an RE2 pattern run by `pyarrow.compute.replace_substring_regex`
(C++, no Python loop per message). Rules run in order: specific shapes first
(timestamps, UUIDs, IPs, ...) so they get a readable placeholder, then the
catch-all that turns any remaining token holding a digit into `<*>`.
The rules are data: add a (name, pattern, replacement) triple to extend them.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

# Characters that end a token. A leading delimiter is captured as \1 and put
# back, because RE2 has no look-behind.
_D = r"""\s,;:=()\[\]{}"'<>|/@#&?*"""
_LEAD = rf"(^|[{_D}])"

_MON = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*"
_DAY = r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*"
_TOK = rf"[^{_D}.]"  # inside a token a dot separates parts: core.1234 -> core.<*>

MASK_RULES: list[tuple[str, str, str]] = [
    # Date-times: ISO-8601-like, syslog/ctime-like with month names, bare times of day.
    ("TS", r"\d{4}-\d{2}-\d{2}[T _-]\d{2}[:.]\d{2}[:.]\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?\b", "<TS>"),
    ("TS", rf"\b(?:{_DAY},?\s+)?{_MON}\s+\d{{1,2}},?\s+(?:\d{{4}}\s+)?\d{{1,2}}:\d{{2}}(?::\d{{2}})?(?:[.,]\d+)?(?:\s+\d{{4}})?\b", "<TS>"),
    ("TS", r"\b\d{1,2}:\d{2}:\d{2}(?:[.,:]\d+)?\b", "<TS>"),
    ("URL", r"\b[a-zA-Z][\w+.-]*://[^\s\"'<>]*", "<URL>"),
    ("UUID", r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b", "<UUID>"),
    ("EMAIL", r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b", "<EMAIL>"),
    ("IP", r"\b(?:\d{1,3}\.){3}\d{1,3}(?::\d{1,5})?\b", "<IP>"),
    ("HEX", r"\b(?:[0-9a-fA-F]{2}[:-]){5}[0-9a-fA-F]{2}\b", "<HEX>"),  # MAC addresses, before IPv6 claims them
    ("IP", r"\b(?:[0-9a-fA-F]{1,4}:){3,7}[0-9a-fA-F]{1,4}\b", "<IP>"),
    # Paths that hold an id anywhere (a path without digits is a constant and stays).
    ("PATH", rf"(^|[\s=:,(\[\"'])(?:~|\.{{1,2}})?/[^\s,;:\"'()\[\]]*\d[^\s,;:\"'()\[\]]*", r"\1<PATH>"),
    ("HEX", r"\b0[xX][0-9a-fA-F]+\b", "<HEX>"),
    ("DUR", _LEAD + r"[-+]?\d+(?:\.\d+)?\s?(?:ms|us|µs|ns|s|sec|secs|min|mins|h|hrs)\b", r"\1<DUR>"),
    ("SIZE", _LEAD + r"\d+(?:\.\d+)?\s?(?:[kKMGTP]i?[bB]|B|bytes|[kKMG])\b", r"\1<SIZE>"),
    ("NUM", _LEAD + r"[-+]?\d+(?:\.\d+)?\b", r"\1<NUM>"),
    # Hex ids made only of hex letters and digits, at least one of each.
    ("HEX", _LEAD + r"[0-9a-f]*[0-9][0-9a-f]*[a-f][0-9a-f]*\b", r"\1<HEX>"),
    ("HEX", _LEAD + r"[0-9a-f]*[a-f][0-9a-f]*[0-9][0-9a-f]*\b", r"\1<HEX>"),
    # key=value and single-word quoted values are data, whatever they look like.
    ("KV", r"\b([A-Za-z_][\w.-]*)=(?:<[A-Z]{2,5}>)*[^\s,;&\"')\]}<][^\s,;&\"')\]}]*", r"\1=<*>"),
    ("QUOTED", r"'[^'\s<]+'", "'<*>'"),
    ("QUOTED", r'"[^"\s<]+"', '"<*>"'),
    # Anything else that still holds a digit is an id of some kind.
    ("ANY", rf"{_TOK}*[0-9]{_TOK}*", "<*>"),
]

MAX_MASK_CHARS = 2000
"""Only the first this-many characters of a line decide its template."""


def mask_array(messages: pa.Array) -> pa.Array:
    """Masked first line of every message (multi-line tails are fingerprinted separately)."""
    arr = messages
    arr = pc.replace_substring_regex(arr, r"\n[\s\S]*", "")
    arr = pc.utf8_slice_codeunits(arr, 0, MAX_MASK_CHARS)
    # Colour codes and control characters never decide (or reach) a template.
    arr = pc.replace_substring_regex(arr, r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[@-Z\\-_]", "")
    arr = pc.replace_substring_regex(arr, r"[\x00-\x08\x0b-\x1f\x7f]+", " ")
    for _name, pattern, repl in MASK_RULES:
        arr = pc.replace_substring_regex(arr, pattern, repl)
    arr = pc.utf8_trim_whitespace(arr)
    return arr


def mask_text(text: str) -> str:
    """Mask one message (same rules as the column form)."""
    return mask_array(pa.array([text], pa.large_string()))[0].as_py()
