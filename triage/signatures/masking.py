"""Mask the variable parts of log messages, a whole column at a time.

Rules are RE2 patterns run by pyarrow.compute (C++, no Python loop per
message). Every rule starts at a token boundary: the delimiter before it is
captured and put back, because RE2 has no look-behind. Two uses of the same
rules:

- `key_mask_array`: one capture-free pass (KEY_PATTERN), every match
  becomes `<*>`. This is what groups, and it is fast (split over the cores).
- `typed_mask_array`: the rules one after another with readable placeholders
  (`<NUM>`, `<IP>`, `<UUID>` ...), for the templates people read. Run only on
  a few representative messages per signature.

Order matters: specific shapes first, then the catch-all that turns any
token still holding a digit into `<*>`. The rules are data: add a
(name, pattern) pair to extend them.
"""

from __future__ import annotations

import os
import re
from concurrent.futures import ThreadPoolExecutor

import pyarrow as pa
import pyarrow.compute as pc

# Characters that end a token. Inside a token a dot separates parts too, so
# "core.1234" -> "core.<*>" and "instruction......0" -> "instruction......<*>".
_D = r"""\s,;:=()\[\]{}"'<>|/@#&?*"""
_LEAD = rf"(^|[{_D}.])"
_TOK = rf"[^{_D}.]"
_MON = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*"
_DAY = r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*"

MASK_RULES: list[tuple[str, str]] = [
    # Date-times: ISO-8601-like, syslog/ctime-like with month names, bare times of day.
    ("TS", r"\d{4}-\d{2}-\d{2}[T _-]\d{2}[:.]\d{2}[:.]\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?\b"),
    ("TS", rf"(?:{_DAY},?\s+)?{_MON}\s+\d{{1,2}},?\s+(?:\d{{4}}\s+)?\d{{1,2}}:\d{{2}}(?::\d{{2}})?(?:[.,]\d+)?(?:\s+\d{{4}})?\b"),
    ("TS", r"\d{1,2}:\d{2}:\d{2}(?:[.,:]\d+)?\b"),
    ("URL", r"[a-zA-Z][\w+.-]*://[^\s\"'<>]*"),
    ("UUID", r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"),
    ("EMAIL", r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b"),
    ("IP", r"(?:\d{1,3}\.){3}\d{1,3}(?::\d{1,5})?\b"),
    ("HEX", r"(?:[0-9a-fA-F]{2}[:-]){4,}[0-9a-fA-F]{2}\b"),  # MAC/WWN-like byte strings, before IPv6 claims them
    ("IP", r"(?:[0-9a-fA-F]{1,4}:){3,7}[0-9a-fA-F]{1,4}\b"),
    ("HEX", r"0[xX][0-9a-fA-F]+\b"),
    # Paths that hold an id anywhere (a path without digits is a constant and stays).
    ("PATH", r"(?:~|\.{1,2})?/[^\s,;:\"'()\[\]]*\d[^\s,;:\"'()\[\]]*"),
    ("PATH", r"(?:[A-Za-z]:)?\\[^\s,;:\"'()\[\]]*\d[^\s,;:\"'()\[\]]*"),  # Windows paths with an id
    ("DUR", r"[-+]?\d+(?:\.\d+)?\s?(?:ms|us|µs|ns|s|sec|secs|min|mins|h|hrs)\b"),
    ("SIZE", r"\d+(?:\.\d+)?\s?(?:[kKMGTP]i?[bB]|B|bytes|[kKMG])\b"),
    ("NUM", r"[-+]?\d+(?:\.\d+)?\b"),
    # A name with a short number keeps its name, as in the key: "eth0" -> "eth<NUM>".
    ("NAMED", r"([A-Za-z]+)[0-9]{1,4}\b"),
    # Hex ids made only of hex letters and digits, at least one of each.
    ("HEX", r"[0-9a-f]*[0-9][0-9a-f]*[a-f][0-9a-f]*\b"),
    ("HEX", r"[0-9a-f]*[a-f][0-9a-f]*[0-9][0-9a-f]*\b"),
    # key=value values, quoted or not, are data whatever they look like.
    ("KV", r"([A-Za-z_][\w.-]*=)(?:<[A-Z]{2,5}>)*[^\s,;&\"')\]}<][^\s,;&\"')\]}]*"),
    ("SQUOTE", r"([A-Za-z_][\w.-]*=)'[^'\s<>]*'"),
    ("DQUOTE", r'([A-Za-z_][\w.-]*=)"[^"\s<>]*"'),
    # Other quoted words are values unless they read as a state ('FAILED', 'Active'), as in the key.
    ("QUOTED", r"'[^'\sA-Z<>][^'\s<>]*'"),
    ("DQUOTED", r'"[^"\sA-Z<>][^"\s<>]*"'),
    # Anything else that still holds a digit is an id of some kind.
    ("ANY", rf"{_TOK}*[0-9]{_TOK}*"),
]

MAX_MASK_CHARS = 2000
"""Only this many characters (the first and last halves) of a message decide its key."""

_REWRITE = {"NAMED": r"\1\2<NUM>", "KV": r"\1\2<*>", "SQUOTE": r"\1\2'<*>'", "DQUOTE": r'\1\2"<*>"',
            "QUOTED": r"\1'<*>'", "DQUOTED": r'\1"<*>"'}

# The grouping key needs far fewer rules than the readable form: a token
# with a digit becomes <*> anyway, and runs like "<*>.<*>:<*>" collapse later,
# so IPs, UUIDs, ISO times, hex and numbers need no rule of their own. What
# needs one: values with spaces, values without digits, and paths (their depth
# varies). No capture groups, so RE2 stays on its fast DFA; the leftmost match
# of a token pattern starts at the token start, so no look-behind is needed.
_KEY_SPECIAL = (
    # Values with spaces (ctime-like dates, "1.5 s", "12 KB"); URLs, paths with an id (also
    # Windows ones), emails, key=value values, quoted ones too, and quoted words (no digit needed),
    # each per event so ids never depend on what else was loaded; a quoted word that reads as a
    # state ('FAILED', 'Active': it starts with a capital) is left to the merge, which keeps states apart.
    rf"\b(?:(?:{_DAY},?\s+)?{_MON}\s+\d{{1,2}},?\s+(?:\d{{4}}\s+)?\d{{1,2}}:\d{{2}}(?::\d{{2}})?(?:[.,]\d+)?(?:\s+\d{{4}})?"
    r"|\d+(?:\.\d+)?\s(?:ms|us|µs|ns|s|sec|secs|min|mins|h|hrs|[kKMGTP]i?[bB]|B|bytes)\b)"
    r"""|\b[a-zA-Z][\w+.-]*://[^\s"'<>]*|(?:~|\.{1,2})?/[^\s,;:"'()\[\]]*\d[^\s,;:"'()\[\]]*|(?:\b[A-Za-z]:)?\\[^\s,;:"'()\[\]]*\d[^\s,;:"'()\[\]]*"""
    r"""|[\w.+-]+@[\w-]+(?:\.[\w-]+)+|=[^\s,;&"')\]}<=][^\s,;&"')\]}]*|='[^'\s<]*'|="[^"\s<]*\"|'[^'\sA-Z<][^'\s<]*'|"[^"\sA-Z<][^"\s<]*\""""
    # Byte strings like MACs (their letter-only pairs have no digit to catch).
    r"|\b(?:[0-9a-fA-F]{2}[:-]){4,}[0-9a-fA-F]{2}\b"
)
_OTHER = rf"[^{_D}.A-Za-z0-9]"  # a token character that is neither letter nor digit
# A token holding a digit, except a name with a short number on its end ("eth0", "worker17",
# "IPV6"): only that number goes ("eth<*>"), the name stays for the merge to judge. Five digits
# or more are an id ("tc19060", hex "e6200003"). No look-around in RE2: no alternative starts
# inside such a name, so the match begins at its number.
_DIGIT_TOKEN = (
    rf"[0-9]{_TOK}*|{_OTHER}{_TOK}*[0-9]{_TOK}*"
    rf"|[A-Za-z]+{_OTHER}{_TOK}*[0-9]{_TOK}*|[A-Za-z]+[0-9]+[^{_D}.0-9]{_TOK}*|[A-Za-z]+[0-9]{{5,}}"
)
KEY_PATTERN = _KEY_SPECIAL + "|" + _DIGIT_TOKEN
"""One pass: the special shapes first (leftmost-first alternation), then any token holding a digit.
pyarrow's regex replace costs mostly per string that matches, so one pass beats several."""
_CHUNK = 65536
_THREADS = max(1, min(8, os.cpu_count() or 1))
_ANSI = r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[@-Z\\-_]"
_CONTROL = re.compile(r"\x1b\[(?:<\*>|[0-9;?])*[ -/]*[@-~]|\x1b[@-Z\\-_]|[\x00-\x08\x0b-\x1f\x7f]+")


def _clip(arr: pa.Array) -> pa.Array:
    """Messages over MAX_MASK_CHARS are cut at a token boundary; multi-line ones keep head and tail.

    The tail matters for stack traces: Python prints the innermost frames and
    the exception last, so two bugs under the same deep call stack differ only there.
    Only the (rare) long rows are touched.
    """
    if len(arr) == 0:
        return arr
    long = pc.greater(pc.binary_length(arr), MAX_MASK_CHARS)
    if not pc.any(long).as_py():
        return arr
    rows = arr.filter(long)
    half = MAX_MASK_CHARS // 2
    single = pc.replace_substring_regex(pc.utf8_slice_codeunits(rows, 0, MAX_MASK_CHARS), r"\s\S*$", "")
    head = pc.replace_substring_regex(pc.utf8_slice_codeunits(rows, 0, half), r"\s\S*$", "")
    tail = pc.replace_substring_regex(pc.utf8_slice_codeunits(rows, -half), r"^\S*\s", "")
    both = pc.binary_join_element_wise(head, tail, pa.scalar("\n…\n", arr.type))
    clipped = pc.if_else(pc.match_substring(rows, "\n"), both, single)
    return pc.replace_with_mask(arr, long, clipped)


def _key_pass(arr: pa.Array) -> pa.Array:
    if pc.any(pc.match_substring(arr, "\x1b")).as_py():
        arr = pc.replace_substring_regex(arr, _ANSI, "")  # colour codes must not split a group
    return pc.replace_substring_regex(arr, KEY_PATTERN, "<*>")


def key_mask_array(messages: pa.Array) -> pa.Array:
    """Every variable part -> `<*>`: one regex pass, chunks in parallel threads.

    Multi-line messages keep their tail here (their first line is cut later,
    on unique values only); control characters are cleaned by `clean_key` likewise.
    """
    arr = _clip(messages)
    if len(arr) <= _CHUNK or _THREADS == 1:
        return _key_pass(arr)
    parts = [arr.slice(i, _CHUNK) for i in range(0, len(arr), _CHUNK)]
    with ThreadPoolExecutor(_THREADS) as pool:
        return pa.concat_arrays(list(pool.map(_key_pass, parts)))


def key_mask_block(messages: pa.Array) -> pa.Array:
    """key_mask_array for one block on the calling thread (the file reader's parse threads call it)."""
    return _key_pass(_clip(messages))


def clean_key(text: str) -> str:
    """First line, without colour codes or control characters, trimmed."""
    if "\n" in text:
        text = text.split("\n", 1)[0]
    if not text.isprintable():
        text = _CONTROL.sub(" ", text)
    return text.strip()


def typed_mask_array(messages: pa.Array) -> pa.Array:
    """Readable masking for display: `<NUM>`, `<IP>`, `<TS>` ... (several passes; use on few rows)."""
    arr = pc.replace_substring_regex(_clip(messages), r"\n[\s\S]*", "")
    arr = pc.replace_substring_regex(arr, _ANSI, "")
    arr = pc.replace_substring_regex(arr, _CONTROL.pattern, " ")
    for name, body in MASK_RULES:
        placeholder = "*" if name == "ANY" else name
        repl = _REWRITE.get(name, r"\1<{name}>").format(name=placeholder)
        arr = pc.replace_substring_regex(arr, _LEAD + body, repl)
    return pc.utf8_trim_whitespace(arr)


def mask_text(text: str) -> str:
    """Readable masked form of one message."""
    return typed_mask_array(pa.array([text], pa.large_string()))[0].as_py()
