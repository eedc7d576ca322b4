"""Per-signature counts in Logs Insights, for a load that could only fetch a sample.

Each sampled signature becomes an Insights filter on the constant text of its template
(`@message like "..."`, a case-sensitive substring test) with `not (...)` for more specific
signatures it would also take, and one query per signature counts it over the whole window:

    <the load's filters> | filter @message like "refused after" and @message like "retries"
      | stats count(*) as n by bin(60s)

Because `like "text"` is a plain substring test, the sample can check each filter exactly
as the server will run it: a signature is labelled exact when its filter takes every sampled
member and no other sampled event; estimated when it takes only part of them (the count is
divided by that share); sampled when it has no constant text. Each query scans the window
once, so only the MAX_SIGNATURES most frequent sampled signatures are counted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from triage.events import STR, LoadReport, Progress, SignatureCounts

MAX_SIGNATURES = 60
"""Signatures counted per load (each is one Insights query over the window, billed by data scanned)."""
MAX_LITERALS = 4
MIN_CHARS = 4
_PLACEHOLDER = re.compile(r"<(?:\*|[A-Z]{2,6})>")


@dataclass
class InsightsSignature:
    signature: str
    literals: list[str]
    members: int
    excludes: list[int] = field(default_factory=list)  # positions of signatures subtracted with not (...)
    kind: str = "sampled"
    factor: float = 1.0


def literals(template: str, members: list[str]) -> list[str]:
    """Constant runs of the template (longest first) that every member holds verbatim."""
    runs = [r.strip() for r in _PLACEHOLDER.split(template or "")]
    runs = sorted({r for r in runs if len(r) >= MIN_CHARS and all(r in m for m in members)}, key=lambda r: (-len(r), r))
    return runs[:MAX_LITERALS]


def quote(text: str) -> str:
    """An Insights string literal."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _all_of(lits: list[str]) -> str:
    return " and ".join(f"@message like {quote(x)}" for x in lits)


def signature_filter(sig: InsightsSignature, sigs: list[InsightsSignature]) -> str:
    text = _all_of(sig.literals)
    for j in sig.excludes:
        text += f" and not ({_all_of(sigs[j].literals)})"
    return text


def count_query(base: str, sig: InsightsSignature, sigs: list[InsightsSignature], bin_seconds: int) -> str:
    parts = [base] if base else []
    parts += [f"filter {signature_filter(sig, sigs)}", f"stats count(*) as n by bin({bin_seconds}s)"]
    return " | ".join(parts)


def learn(events: pd.DataFrame) -> list[InsightsSignature]:
    """The most frequent sampled signatures, with literals checked against every member's raw text."""
    sig = events["signature"].astype(object).to_numpy()
    tpl = events["template"].astype(object).to_numpy()
    raw = events["raw"].astype(object).fillna("").to_numpy()
    codes, names = pd.factorize(sig)
    sizes = np.bincount(codes, minlength=len(names))
    out = []
    for k in np.argsort(-sizes, kind="stable")[:MAX_SIGNATURES]:
        rows = np.flatnonzero(codes == k)
        out.append(InsightsSignature(str(names[k]), literals(str(tpl[rows[0]] or ""), list(raw[rows])), int(sizes[k])))
    return out


def _matrix(raw: pa.Array, sigs: list[InsightsSignature]) -> np.ndarray:
    m = np.zeros((len(raw), len(sigs)), dtype=bool)
    for j, s in enumerate(sigs):
        if s.literals:
            hit = np.ones(len(raw), dtype=bool)
            for x in s.literals:
                hit &= pc.match_substring(raw, x).to_numpy(zero_copy_only=False)
            m[:, j] = hit
    return m


def label(events: pd.DataFrame, sigs: list[InsightsSignature]) -> None:
    """Exclusions and labels, exactly as Insights' substring filters will behave on the sample."""
    raw = pa.array(events["raw"].astype(object).fillna("").tolist(), pa.large_string())
    codes = pd.Categorical(events["signature"].astype(object), categories=[s.signature for s in sigs]).codes
    member = np.zeros((len(events), len(sigs)), dtype=bool)
    ok = codes >= 0
    member[np.flatnonzero(ok), codes[ok]] = True
    m = _matrix(raw, sigs)
    takes = (m.T.astype(np.float32) @ member.astype(np.float32)).round().astype(np.int64)  # [s, t]: members of t that filter s takes
    for s, sig in enumerate(sigs):
        if not sig.literals:
            continue
        sig.excludes = [int(t) for t in np.flatnonzero(takes[s]) if t != s and takes[t, s] == 0 and sigs[t].literals]
        took = m[:, s] & ~(m[:, sig.excludes].any(axis=1) if sig.excludes else False)
        own = int((took & member[:, s]).sum())
        # every sampled event outside the counted signatures is a possible stray too: raw text decides
        stray = int((took & ~member[:, s]).sum())
        if own == sig.members and stray == 0:
            sig.kind = "exact"
        elif own:
            sig.kind, sig.factor = "estimated", sig.members / (own + stray)
        else:
            sig.kind, sig.excludes = "sampled", []


def counts_table(results: list[tuple[InsightsSignature, dict[int, int]]]) -> pd.DataFrame:
    rows = [(s.signature, t, round(n * s.factor)) for s, got in results for t, n in sorted(got.items()) if n > 0]
    return pd.DataFrame({
        "signature": pd.Series([r[0] for r in rows], dtype=STR),
        "timestamp": pd.to_datetime(pd.Series([r[1] for r in rows], dtype="int64"), unit="ms", utc=True).astype("datetime64[ns, UTC]"),
        "count": pd.Series([r[2] for r in rows], dtype="int64"),
    })


def signature_counts(run_query, base: str, events: pd.DataFrame, bin_seconds: int, progress: Progress,
                     report: LoadReport) -> SignatureCounts:
    """`run_query(query, label)` runs one Insights query over the window and returns its rows."""
    from triage.sources.cloudwatch.insights import parse_counts

    sigs = learn(events)
    label(events, sigs)
    results = []
    counted = [s for s in sigs if s.kind != "sampled"]
    for i, s in enumerate(counted, 1):
        progress.check()
        rows = run_query(count_query(base, s, sigs, bin_seconds), f"Logs Insights: counting signature {i}/{len(counted)}")
        got = parse_counts(rows)
        if got is None:
            s.kind, s.factor = "sampled", 1.0
            continue
        results.append((s, got))
    kinds = {s: "sampled" for s in events["signature"].astype(object).unique()}
    kinds.update({s.signature: s.kind for s in sigs})
    counts = SignatureCounts(table=counts_table(results), kinds=kinds, bucket=pd.Timedelta(seconds=bin_seconds).to_pytimedelta(),
                             requests=len(counted))
    summary = counts.summary()
    report.notes.append("signature counts from Logs Insights: " + ", ".join(f"{n:,} {k}" for k, n in summary.items() if n)
                        + f" ({len(counted)} queries)")
    return counts
