"""The post-deploy gate: does this deploy add (or multiply) error groups past the team's thresholds?

Engine only. `triage gate` loads an incident as `triage report` does, runs the same
`analyze()`, and hands the signature table to `evaluate()`. Only NEW/SPIKE groups of
error-like level can fail it (a DROP or GONE never blocks a deploy), and only when they
pass every threshold from the preset's `[gate]` table, so one stray event does not page
anyone. A known-signatures file (stable ids from triage.signatures.ids) accepts noise
the team already lives with.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, fields
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

GATE_SCHEMA = "triage.gate/1"
KNOWN_HEADER = (
    "# triage known signatures: groups accepted as existing noise by `triage gate`.\n"
    "# One signature id per line; the rest of the line after '#' is a comment.\n"
)
_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{3,127}$")
MAX_KNOWN_BYTES = 5_000_000


@dataclass(frozen=True)
class GateRules:
    """Thresholds a NEW/SPIKE group must all pass to fail the gate (preset `[gate]` table)."""

    statuses: tuple[str, ...] = ("NEW", "SPIKE")
    levels: tuple[str, ...] = ("error", "fatal")
    min_after: int = 5  # events after the deploy
    min_rate: float = 0.0  # events per minute after the deploy
    min_ratio: float = 2.0  # SPIKE only: after rate / before rate
    max_groups: int = 0  # failing groups tolerated
    known: str | None = None  # path of the known-signatures file

    @classmethod
    def from_values(cls, values: dict) -> GateRules:
        """From a preset's validated values (keys `gate.*`); absent keys keep the defaults."""
        kwargs: dict[str, Any] = {}
        for f in fields(cls):
            key = f"gate.{f.name}"
            if key in values:
                v = values[key]
                kwargs[f.name] = tuple(v) if isinstance(v, list) else v
        return cls(**kwargs)

    def to_dict(self) -> dict:
        return {f.name: (list(v) if isinstance(v := getattr(self, f.name), tuple) else v) for f in fields(self)}


@dataclass
class Verdict:
    """One NEW/SPIKE group of a gated level, and what the gate made of it."""

    signature: str
    template: str
    status: str
    level: str
    before: int
    after: int
    rate_before: float
    rate_after: float
    ratio: float
    q: float
    top_service: str | None
    outcome: str  # "fail" | "known" | "below"
    reason: str


@dataclass
class GateResult:
    result: str  # "pass" | "fail" | "inconclusive"
    rules: GateRules
    deploy: datetime
    before_minutes: float
    after_minutes: float
    verdicts: list[Verdict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    reason: str = ""

    @property
    def failures(self) -> list[Verdict]:
        return [v for v in self.verdicts if v.outcome == "fail"]

    @property
    def known(self) -> list[Verdict]:
        return [v for v in self.verdicts if v.outcome == "known"]


class KnownFileError(ValueError):
    """A known-signatures file the user must fix; the message names file and line."""


def read_known(path: str | Path) -> set[str]:
    """Signature ids from a known-signatures file (one per line, '#' starts a comment)."""
    path = Path(path)
    try:
        if path.stat().st_size > MAX_KNOWN_BYTES:
            raise KnownFileError(f"{path}: too large for a known-signatures file")
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise KnownFileError(f"{path}: known-signatures file not found") from None
    except UnicodeDecodeError as exc:
        raise KnownFileError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise KnownFileError(f"{path}: cannot read: {exc.strerror or exc}") from None
    ids: set[str] = set()
    for n, line in enumerate(text.splitlines(), 1):
        token = line.split("#", 1)[0].strip()
        if not token:
            continue
        token = token.split()[0]
        if not _ID_RE.match(token):
            raise KnownFileError(f"{path}:{n}: {token[:40]!r} is not a signature id (see `triage group` or gate's JSON)")
        ids.add(token)
    return ids


def known_lines(verdicts: list[Verdict], existing: set[str]) -> str:
    """Lines to append for groups not yet known: id, then status and template as a comment."""
    from triage.note import inert
    from triage.redact import redact

    out = []
    for v in verdicts:
        if v.signature in existing:
            continue
        existing.add(v.signature)
        template = redact(inert(v.template)).replace("\n", " ⏎ ")
        out.append(f"{v.signature}  # {v.status} {template[:120]}\n")
    return "".join(out)


def evaluate(analysis, rules: GateRules, known: set[str] | None = None) -> GateResult:
    """Judge the analysis' signature table against the rules; never raises on odd data."""
    known = known or set()
    result = GateResult("pass", rules, analysis.deploy, analysis.before.total_seconds() / 60,
                        analysis.after.total_seconds() / 60, warnings=list(analysis.warnings))
    if any("before window is empty" in w or "after window is empty" in w for w in analysis.warnings):
        result.result = "inconclusive"
        result.reason = "no data on one side of the deploy, so nothing can be called NEW or SPIKE"
        return result
    sigs = analysis.signatures
    gated = sigs[sigs["status"].isin(rules.statuses) & sigs["level"].isin(rules.levels)]
    for row in gated.itertuples(index=False):
        result.verdicts.append(_verdict(row, rules, known))
    fails = len(result.failures)
    if fails > rules.max_groups:
        result.result = "fail"
        result.reason = (f"{fails} NEW/SPIKE error group(s) passed the thresholds"
                         + (f" (at most {rules.max_groups} tolerated)" if rules.max_groups else ""))
    else:
        result.reason = (f"{fails} failing group(s), {rules.max_groups} tolerated" if fails
                         else "no NEW or SPIKE error group passed the thresholds")
    return result


def _verdict(row, rules: GateRules, known: set[str]) -> Verdict:
    ratio = float(row.ratio) if row.ratio is not None and not pd.isna(row.ratio) else math.nan
    outcome, reason = "fail", _describe(row, ratio)
    if row.signature in known:
        outcome, reason = "known", "accepted in the known-signatures file"
    elif row.after < rules.min_after:
        outcome, reason = "below", f"{int(row.after)} events after the deploy (< min_after {rules.min_after})"
    elif row.rate_after < rules.min_rate:
        outcome, reason = "below", f"{row.rate_after:.2f}/min after the deploy (< min_rate {rules.min_rate:g})"
    elif row.status == "SPIKE" and not ratio >= rules.min_ratio:
        outcome, reason = "below", f"rate x{ratio:.2f} (< min_ratio {rules.min_ratio:g})"
    top = row.top_service if isinstance(row.top_service, str) else None
    return Verdict(str(row.signature), str(row.template), str(row.status), str(row.level), int(row.before),
                   int(row.after), float(row.rate_before), float(row.rate_after), ratio, float(row.q), top,
                   outcome, reason)


def _describe(row, ratio: float) -> str:
    if row.status == "NEW":
        return f"NEW: {int(row.after)} events after the deploy, none in the before window"
    return f"SPIKE: {int(row.before)} -> {int(row.after)} events, rate x{ratio:.1f}"
