"""Mutations of real log lines that have crashed log tools: the fuzz test and benchmarks/fuzz_files.py share them.

Each mutation is a plain function of (random.Random, bytes) -> bytes, so a failing case is
reproduced from its seed alone. They target the classes users' logs really contain: times
outside pandas' nanosecond range, non-string or non-finite level values, lone surrogate
escapes, absurdly deep JSON, invalid UTF-8, control characters, truncation and huge lines.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable

Mutation = Callable[[random.Random, bytes], bytes]

_YEAR = re.compile(rb"\b(19|20)\d\d(?=[-/]\d\d[-/]\d\d)")
_DATE_SEP = re.compile(rb"(?<=\d{4})-(\d\d)-(?=\d\d)")
_LEVEL_VALUE = re.compile(rb'("(?:level|severity|lvl|levelname|log\.level)"\s*:\s*)("[^"]*"|-?\d+(?:\.\d+)?)')
_TIME_VALUE = re.compile(rb'("(?:@timestamp|timestamp|time|ts|t|date)"\s*:\s*)("[^"]*"|-?\d+(?:\.\d+)?)')
_JSON_STRING_END = re.compile(rb'(?<=[^\\])"(?=\s*[,}])')

ODD_YEARS = (b"0001", b"0000", b"9999", b"1677", b"2262", b"2263", b"1066", b"3000")
ODD_LEVELS = (b"NaN", b"Infinity", b"-Infinity", b"1e309", b"-1", b"true", b"null", b"[]", b"{}", b"99999999999999999999", b"0.5")
ODD_TIMES = (b"99999999999999", b"-99999999999", b"1e300", b"253402300800", b'"9999-12-31T23:59:59Z"', b'"0001-01-01T00:00:00Z"',
             b'"0000-00-00"', b"NaN", b"Infinity", b"true", b'"now"', b'""', b"[1,2]")
ODD_STRINGS = (rb"\ud800", rb"\udfff", rb"\ud83d", rb"\u0000", rb"\u202e", rb"\u001b[31m", rb"\x", rb"\u12")


def _lines(data: bytes) -> list[bytes]:
    return data.split(b"\n")


def _pick_line(rng: random.Random, data: bytes, fn: Callable[[bytes], bytes]) -> bytes:
    lines = _lines(data)
    i = rng.randrange(len(lines))
    lines[i] = fn(lines[i])
    return b"\n".join(lines)


def odd_year(rng: random.Random, data: bytes) -> bytes:
    year = rng.choice(ODD_YEARS)
    return _pick_line(rng, data, lambda line: _YEAR.sub(year, line, count=1))


def slash_dates(rng: random.Random, data: bytes) -> bytes:
    return _DATE_SEP.sub(rb"/\1/", data, count=rng.randint(1, 50))


def odd_level(rng: random.Random, data: bytes) -> bytes:
    value = rng.choice(ODD_LEVELS)
    return _pick_line(rng, data, lambda line: _LEVEL_VALUE.sub(lambda m: m.group(1) + value, line, count=1))


def odd_time(rng: random.Random, data: bytes) -> bytes:
    value = rng.choice(ODD_TIMES)
    return _pick_line(rng, data, lambda line: _TIME_VALUE.sub(lambda m: m.group(1) + value, line, count=1))


def odd_escape(rng: random.Random, data: bytes) -> bytes:
    esc = rng.choice(ODD_STRINGS)
    return _pick_line(rng, data, lambda line: _JSON_STRING_END.sub(lambda m: esc + b'"', line, count=1))


def deep_json(rng: random.Random, data: bytes) -> bytes:
    depth = rng.choice((100, 1000, 5000, 10000, 50000))
    opener, closer = rng.choice(((b'{"a":', b"}"), (b"[", b"]"), (b'[{"a":', b"}]")))
    nested = opener * depth + b"1" + closer * depth

    def put(line: bytes) -> bytes:
        if line.rstrip().endswith(b"}"):
            body = line.rstrip()[:-1]
            return body + (b',"deep":' if body.strip() != b"{" else b'"deep":') + nested + b"}"
        return nested
    return _pick_line(rng, data, put)


def invalid_utf8(rng: random.Random, data: bytes) -> bytes:
    junk = bytes(rng.choice((0x80, 0xC0, 0xC3, 0xED, 0xF0, 0xFF, 0xFE)) for _ in range(rng.randint(1, 6)))
    at = rng.randrange(len(data) + 1)
    return data[:at] + junk + data[at:]


def control_chars(rng: random.Random, data: bytes) -> bytes:
    junk = rng.choice((b"\x00", b"\x1b[2J", b"\r", b"\x0b\x0c", b"\xe2\x80\xae", b"\x1b]52;c;aGk=\x07", b"\x7f"))
    at = rng.randrange(len(data) + 1)
    return data[:at] + junk + data[at:]


def truncate(rng: random.Random, data: bytes) -> bytes:
    return data[: rng.randrange(len(data) + 1)]


def byte_flip(rng: random.Random, data: bytes) -> bytes:
    buf = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        if buf:
            buf[rng.randrange(len(buf))] = rng.randrange(256)
    return bytes(buf)


def huge_line(rng: random.Random, data: bytes) -> bytes:
    size = rng.choice((70_000, 1_100_000))
    return _pick_line(rng, data, lambda line: line + b"x" * size)


def duplicate_lines(rng: random.Random, data: bytes) -> bytes:
    lines = _lines(data)
    i = rng.randrange(len(lines))
    return b"\n".join(lines[: i + 1] + [lines[i]] * rng.randint(1, 50) + lines[i + 1 :])


def empty_like(rng: random.Random, data: bytes) -> bytes:
    return rng.choice((b"", b"\n\n\n", b"   \t\n", b"\x00" * 64, b"{}", b"[]", b"{"))


MUTATIONS: dict[str, Mutation] = {
    f.__name__: f
    for f in (odd_year, slash_dates, odd_level, odd_time, odd_escape, deep_json, invalid_utf8, control_chars,
              truncate, byte_flip, huge_line, duplicate_lines, empty_like)
}


def mutate(seed: int, data: bytes, rounds: int = 3) -> tuple[bytes, list[str]]:
    """Apply `rounds` mutations chosen by `seed`; returns the bytes and the names applied."""
    rng = random.Random(seed)
    names = []
    for _ in range(rng.randint(1, rounds)):
        name = rng.choice(sorted(MUTATIONS))
        data = MUTATIONS[name](rng, data) if data or name == "empty_like" else data
        names.append(name)
    return data, names
