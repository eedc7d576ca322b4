"""One parser for every time a user types: absolute, epoch, or relative to now.

Everything returned is an aware UTC datetime. Naive input is read in the user's
zone (`--tz`, default UTC) so "10:02" means what the on-call engineer sees.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone, tzinfo

from dateutil import parser as dateparser
from dateutil import tz as dateutil_tz

EARLIEST = datetime(1678, 1, 1, tzinfo=timezone.utc)  # event times are datetime64[ns]: about 1677..2262
LATEST = datetime(2262, 1, 1, tzinfo=timezone.utc)

_UNITS = {
    "ms": timedelta(milliseconds=1),
    "s": timedelta(seconds=1),
    "sec": timedelta(seconds=1),
    "m": timedelta(minutes=1),
    "min": timedelta(minutes=1),
    "h": timedelta(hours=1),
    "d": timedelta(days=1),
    "w": timedelta(weeks=1),
}
_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|sec|min|s|m|h|d|w)", re.IGNORECASE)
_DURATION = re.compile(r"^(?:\d+(?:\.\d+)?\s*(?:ms|sec|min|s|m|h|d|w)\s*)+$", re.IGNORECASE)
_RELATIVE = re.compile(r"^(now)?\s*(?:([+-])\s*(.+))?$", re.IGNORECASE)
_EPOCH = re.compile(r"^\d{9,19}(?:\.\d+)?$")
_APACHE = re.compile(r"^\[?(\d{1,2}/[A-Za-z]{3}/\d{4}):(\d)")  # 26/Nov/2026:10:00:00 +0000


def resolve_tz(name: str | tzinfo | None) -> tzinfo:
    """`None`/"UTC"/"Z" -> UTC, "local" -> the machine's zone, else an IANA name like Europe/Berlin."""
    if isinstance(name, tzinfo):
        return name
    if name is None or name.strip().upper() in ("", "UTC", "Z", "GMT"):
        return timezone.utc
    if name.strip().lower() == "local":
        return dateutil_tz.tzlocal()
    zone = dateutil_tz.gettz(name.strip())
    if zone is None:
        raise ValueError(f"unknown time zone {name!r} (use UTC, local, or an IANA name like Europe/Berlin)")
    return zone


def parse_duration(text: str) -> timedelta:
    """`90s`, `15m`, `2h`, `1d`, `1h30m`; a bare number means minutes."""
    s = str(text).strip()
    if re.fullmatch(r"\d+(?:\.\d+)?", s):
        try:
            return timedelta(minutes=float(s))
        except OverflowError:
            raise ValueError(f"duration {text!r} is too long") from None
    if not s or not _DURATION.match(s):
        raise ValueError(f"cannot read duration {text!r} (try 90s, 15m, 2h, 1d or 1h30m)")
    total = timedelta()
    try:
        for number, unit in _PART.findall(s):
            total += float(number) * _UNITS[unit.lower()]
    except OverflowError:
        raise ValueError(f"duration {text!r} is too long") from None
    return total


def _epoch(s: str) -> datetime:
    value = float(s)
    digits = len(s.split(".")[0])
    if digits >= 17:
        value /= 1e9  # nanoseconds
    elif digits >= 14:
        value /= 1e6  # microseconds
    elif digits >= 12:
        value /= 1e3  # milliseconds
    return datetime.fromtimestamp(value, tz=timezone.utc)


def _now(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(timezone.utc)
    return now if now.tzinfo else now.replace(tzinfo=timezone.utc)


def parse_time(text: str, *, now: datetime | None = None, tz: tzinfo | str | None = None) -> datetime:
    """Aware UTC datetime from ISO/RFC/free-form text, epoch s/ms, or `now`, `now-45m`, `-2h`, `now+1h`."""
    if isinstance(text, datetime):
        dt = text if text.tzinfo else text.replace(tzinfo=resolve_tz(tz))
        return dt.astimezone(timezone.utc)
    s = str(text).strip()
    if not s:
        raise ValueError("empty time (try 2026-11-26T14:02:00Z, 14:02, now-45m or an epoch)")
    rel = _RELATIVE.match(s)
    if rel and (rel.group(1) or rel.group(2)):
        base = _now(now)
        if not rel.group(2):
            return base
        try:
            delta = parse_duration(rel.group(3))
        except ValueError:
            delta = None
        if delta is not None:
            try:
                return base + delta if rel.group(2) == "+" else base - delta
            except OverflowError:
                raise ValueError(f"time {text!r} is out of range") from None
    if _EPOCH.match(s):
        try:
            return _epoch(s)
        except (OverflowError, ValueError, OSError):
            raise ValueError(f"epoch time {text!r} is out of range") from None
    if s.isdigit() and len(s) != 8:
        # '1', '12' or '2026' would be read by dateutil as a day or a year of the current month; an
        # epoch has 9+ digits and a compact date exactly 8 (20261126). Say so instead of guessing.
        raise ValueError(
            f"ambiguous time {text!r}: give epoch seconds (10 digits), epoch ms (13), or a date like 2026-11-26T14:02Z"
        )
    s = _APACHE.sub(r"\1 \2", s).rstrip("]")
    zone = resolve_tz(tz)
    default = _now(now).astimezone(zone).replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=None)
    try:
        dt = dateparser.parse(s, default=default)
    except (ValueError, OverflowError, TypeError) as exc:
        raise ValueError(
            f"cannot read time {text!r} (try 2026-11-26T14:02:00Z, '2026-11-26 14:02', now-45m or an epoch)"
        ) from exc
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=zone)
    return dt.astimezone(timezone.utc)


def format_time(dt: datetime, tz: tzinfo | str | None = None) -> str:
    """`2026-11-26 14:02:00Z` in UTC, `2026-11-26 15:02:00+01:00` elsewhere (seconds precision)."""
    if dt is None:
        return "-"
    if hasattr(dt, "to_pydatetime"):
        dt = dt.to_pydatetime()
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    zone = resolve_tz(tz)
    local = dt.astimezone(zone)
    base = local.strftime("%Y-%m-%d %H:%M:%S")
    offset = local.utcoffset() or timedelta()
    if offset == timedelta() and (tz is None or zone is timezone.utc):
        return base + "Z"
    total = int(offset.total_seconds())
    sign = "+" if total >= 0 else "-"
    total = abs(total)
    return f"{base}{sign}{total // 3600:02d}:{total % 3600 // 60:02d}"
