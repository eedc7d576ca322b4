"""Diffing two environments' settings: what a staging-green, production-red deploy usually hides.

`A` is the reference (usually staging, where it worked), `B` the environment to check
(usually production). Findings, most severe first:

- high: a staging-only value in B (`USE_MOCK_SERVICE=true`, a mock/stub/fake/sandbox
  flag, a localhost/staging/mock host, a value like `sandbox` or `development`), a debug
  flag in B, a secret set in A but missing in B;
- medium: a key set in A but missing in B, a secret with the same value in both
  (a shared credential);
- low: a key only in B, a value that differs (expected for hosts, listed for the reader;
  secret values are compared but never shown).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

from triage.parity.loaders import Setting, Settings

SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2}
VALUE_CHARS = 80

_SECRET_KEY = re.compile(
    r"(?i)(passw(or)?d|passwd|pwd|secret|token|api[_.-]?key|apikey|private[_.-]?key|credential|"
    r"access[_.-]?key|client[_.-]?secret|signing[_.-]?key|encryption[_.-]?key|dsn|conn(ection)?[_.-]?string|cert(ificate)?[_.-]?key)"
)
_TRUE = {"true", "1", "yes", "on", "y", "enabled", "enable"}
_MOCK_KEY = re.compile(r"(?i)(^|[_.-])(use[_.-]?)?(mock|mocks|mocked|stub|stubs|fake|fakes|sandbox|dummy|test[_.-]?mode|dry[_.-]?run|simulat\w*)($|[_.-])")
_DEBUG_KEY = re.compile(r"(?i)(^|[_.-])debug($|[_.-])")
_LOG_LEVEL_KEY = re.compile(r"(?i)(^|[_.-])log[_.-]?level$|(^|[_.])loglevel$")
_STAGING_VALUES = {"staging", "stage", "stg", "sandbox", "mock", "stub", "fake", "dummy", "test", "testing",
                   "development", "dev", "local", "qa", "uat"}
_HOST = re.compile(r"(?i)(?:[a-z][a-z0-9+.-]*://)?(?:[^\s/@:]+(?::[^\s/@]*)?@)?((?:[a-z0-9-]+\.)*[a-z0-9-]+|\[[0-9a-f:]+\])(?::\d+)?")
_LOCAL_HOSTS = {"localhost", "127.0.0.1", "0.0.0.0", "[::1]", "host.docker.internal"}
_STAGING_HOST_WORDS = {"staging", "stage", "stg", "sandbox", "mock", "mocks", "stub", "fake", "dummy", "test", "dev", "qa", "uat"}


@dataclass
class ParityItem:
    key: str
    kind: str  # staging_value | debug | secret_missing | missing | shared_secret | only_in_b | differs
    severity: str  # high | medium | low
    a: str | None  # display values (secrets never shown); None when not set
    b: str | None
    message: str
    origin_a: str = ""
    origin_b: str = ""


@dataclass
class ParityReport:
    a_name: str
    b_name: str
    a_paths: list[str]
    b_paths: list[str]
    items: list[ParityItem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    compared: int = 0

    def counts(self) -> dict[str, int]:
        out = {"high": 0, "medium": 0, "low": 0}
        for i in self.items:
            out[i.severity] += 1
        return out

    def to_dict(self) -> dict:
        """JSON shape (schema triage.parity/1); values are display values, already safe to print."""
        from triage.redact import redact_obj

        return redact_obj({
            "schema": "triage.parity/1",
            "a": {"name": self.a_name, "paths": list(self.a_paths)},
            "b": {"name": self.b_name, "paths": list(self.b_paths)},
            "compared": self.compared,
            "counts": self.counts(),
            "items": [asdict(i) for i in self.items],
            "notes": list(self.notes),
        })

    @classmethod
    def from_dict(cls, data: dict) -> ParityReport:
        """Back from `to_dict` (a pinned note finding keeps this shape)."""
        names = {f for f in ParityItem.__dataclass_fields__}
        items = [ParityItem(**{k: v for k, v in i.items() if k in names}) for i in data.get("items", []) if isinstance(i, dict)]
        a, b = data.get("a") or {}, data.get("b") or {}
        return cls(str(a.get("name", "A")), str(b.get("name", "B")), list(a.get("paths", [])), list(b.get("paths", [])),
                   items, list(data.get("notes", [])), int(data.get("compared", 0) or 0))


def is_secret(s: Setting) -> bool:
    """A credential: a Secret's key, a credential-like name, a secretKeyRef, or a value that looks like one."""
    return (s.secret or bool(_SECRET_KEY.search(s.key)) or s.value.startswith("secretKeyRef ")
            or _looks_like_credential(s.value))


def hidden(s: Setting) -> bool:
    """Is the value unprintable? References (secretKeyRef name/key) are printable names."""
    return is_secret(s) and not s.ref


def _looks_like_credential(value: str) -> bool:
    from triage.redact import redact

    return bool(value) and redact(value) != value


def display(s: Setting | None) -> str | None:
    """What may be printed for a setting: never a secret's value."""
    if s is None:
        return None
    if hidden(s):
        return "(secret, empty)" if not s.value else "(secret, set)"
    from triage.note import inert

    text = inert(s.value).replace("\n", "⏎")
    return text if len(text) <= VALUE_CHARS else text[: VALUE_CHARS - 1] + "…"


def staging_hint(key: str, value: str) -> str | None:
    """Why a production value looks like it belongs to staging, or None."""
    v = value.strip()
    low = v.lower()
    if _MOCK_KEY.search(key) and low in _TRUE:
        return f"{key} is on: a mock/stub/sandbox switch"
    if low in _STAGING_VALUES:
        return f"value {v!r} names a non-production environment or mode"
    for m in _HOST.finditer(v):
        host = m.group(1).lower()
        if host in _LOCAL_HOSTS or host.endswith(".localhost") or host.endswith(".local"):
            return f"points at {host}: a local address"
        if "." in host or "://" in m.group(0):
            words = set(re.split(r"[.-]", host))
            hit = sorted(words & _STAGING_HOST_WORDS)
            if hit:
                return f"host {host} looks like a {hit[0]} host"
    return None


def debug_hint(key: str, value: str) -> str | None:
    low = value.strip().lower()
    if _DEBUG_KEY.search(key) and low in _TRUE:
        return f"{key} is on: debug mode"
    if _LOG_LEVEL_KEY.search(key) and low in ("debug", "trace", "all"):
        return f"log level {low}: debug logging"
    return None


def compare_settings(a: Settings, b: Settings) -> ParityReport:
    report = ParityReport(a.name, b.name, a.paths, b.paths, notes=[*a.notes, *b.notes])
    pairs = _pair_keys(a.values, b.values, report.notes)
    report.compared = len(pairs)
    for key, sa, sb in pairs:
        report.items += _judge(key, sa, sb, a.name, b.name)
    report.items.sort(key=lambda i: (SEVERITY_ORDER[i.severity], i.kind, i.key))
    return report


def _pair_keys(av: dict, bv: dict, notes: list[str]) -> list[tuple[str, Setting | None, Setting | None]]:
    """Same key on both sides, else the same last name segment when it is unique on both (env.X vs X)."""
    pairs = [(k, av[k], bv[k]) for k in av if k in bv]
    only_a = [k for k in av if k not in bv]
    only_b = {k for k in bv if k not in av}

    def leaf(k: str) -> str:
        return k.rsplit(".", 1)[-1].lower()

    by_leaf_b: dict[str, list[str]] = {}
    for k in only_b:
        by_leaf_b.setdefault(leaf(k), []).append(k)
    leaf_count_a: dict[str, int] = {}
    for k in only_a:
        leaf_count_a[leaf(k)] = leaf_count_a.get(leaf(k), 0) + 1
    for k in only_a:
        cands = by_leaf_b.get(leaf(k), [])
        if len(cands) == 1 and leaf_count_a[leaf(k)] == 1 and cands[0] in only_b:
            other = cands[0]
            only_b.discard(other)
            notes.append(f"compared {k} with {other} (same name, different nesting)")
            pairs.append((k, av[k], bv[other]))
        else:
            pairs.append((k, av[k], None))
    pairs += [(k, None, bv[k]) for k in sorted(only_b)]
    return pairs


def _judge(key: str, sa: Setting | None, sb: Setting | None, a_name: str, b_name: str) -> list[ParityItem]:
    def item(kind, severity, message):
        return ParityItem(key, kind, severity, display(sa), display(sb), message,
                          sa.origin if sa else "", sb.origin if sb else "")

    out = []
    if sb is not None and not hidden(sb):
        hint = staging_hint(sb.key, sb.value)
        if hint:
            out.append(item("staging_value", "high", f"{b_name}: {hint}"))
        dbg = debug_hint(sb.key, sb.value)
        if dbg:
            out.append(item("debug", "high", f"{b_name}: {dbg}"))
    if sb is None:
        if is_secret(sa):  # type: ignore[arg-type]
            out.append(item("secret_missing", "high", f"secret set in {a_name}, missing in {b_name}"))
        else:
            out.append(item("missing", "medium", f"set in {a_name}, missing in {b_name}"))
        return out
    if sa is None:
        if not out:
            label = "secret " if is_secret(sb) else ""
            out.append(item("only_in_b", "low", f"{label}set only in {b_name}"))
        return out
    secret = hidden(sa) or hidden(sb)
    if secret and sa.value == sb.value and sa.value:
        out.append(item("shared_secret", "medium", f"the same secret value in {a_name} and {b_name} (values hidden)"))
    elif sa.value != sb.value and not out:
        what = "values differ (hidden)" if secret else "values differ"
        out.append(item("differs", "low", what))
    return out
