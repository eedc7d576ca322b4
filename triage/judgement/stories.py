"""Stories: clusters of changed signatures that move together, led by their likeliest cause.

Two changes are linked when their onsets are close AND
- both rise and their after-deploy per-bin curves correlate (one produces the other:
  an exception in a backend and the 502 lines at the edge), or
- one rises as an error/5xx while the other (same service) falls (failures replacing
  successes), or both fall together in the same service (one traffic drop).
Connected components are stories. The lead is chosen by general evidence classes,
never by names: not an access/edge line, has an exception/trace, error level, clearly
earliest onset. A config/env suspect that precedes a story in one of its services is
attached to it and, when its cue is strong or it is a warning or worse, named the cause.
Stories rank by severity class, then effect size (largest |rate change| per minute).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from triage.judgement import suspects as sus
from triage.judgement.evidence import evidence
from triage.judgement.onset import onsets
from triage.judgement.severity import RISING, SEVERITIES, severity_classes

MAX_STORY_SIGNATURES = 300  # changed signatures considered for clustering (by severity, then effect)
CORR_MIN = 0.5  # after-deploy curves must correlate at least this much to be one story
MIN_CURVE_EVENTS = 8  # fewer events after the deploy: too sparse to correlate
ONSET_TOL_S = 120.0  # onsets this close (or two bins) count as "the same time"
EARLIEST_BY_S = 30.0  # a member this much earlier than all others has the earliest-onset evidence
SUSPECT_BEFORE_S = 60.0  # a suspect may appear this long after the story's onset and still precede it
SUSPECT_AHEAD_S = 600.0  # ... and at most this long before it
PRE_DEPLOY_S = 60.0  # an onset earlier than this before the deploy is flagged
ROLE_ORDER = {"cause": 0, "lead": 1, "symptom": 2, "suspect": 3, "": 4}
_REQUEST = re.compile(r"\b(GET|POST|PUT|DELETE|PATCH|HEAD|OPTIONS)\s+(/[^\s?\"]*)")


@dataclass
class Story:
    id: int  # 1-based rank
    severity: str
    cause: str  # signature id named as the likeliest cause
    lead: str  # the leading change (differs from cause when a config suspect is the cause)
    members: list[str]  # changed signatures, lead first
    suspects: list[str] = field(default_factory=list)
    onset_s: float = float("nan")  # earliest change, seconds relative to the deploy
    pre_deploy: bool = False
    explains: list[str] = field(default_factory=list)
    effect: float = 0.0

    @property
    def symptoms(self) -> list[str]:
        return [m for m in self.members if m != self.cause and m != self.lead]

    def to_dict(self) -> dict:
        return {"id": self.id, "severity": self.severity, "cause": self.cause, "lead": self.lead,
                "members": list(self.members), "symptoms": self.symptoms, "suspects": list(self.suspects),
                "onset_s": None if not np.isfinite(self.onset_s) else float(self.onset_s),
                "pre_deploy": bool(self.pre_deploy), "explains": list(self.explains), "effect": float(self.effect)}


class _Union:
    def __init__(self, n: int):
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def join(self, i: int, j: int) -> None:
        a, b = self.find(i), self.find(j)
        if a != b:
            self.parent[max(a, b)] = min(a, b)


@dataclass
class _Ctx:
    """Per-code arrays the steps share (codes index prep.signatures)."""

    status: np.ndarray
    level: np.ndarray
    service: np.ndarray
    effect: np.ndarray
    sev: np.ndarray
    onset: np.ndarray  # ns per code (only meaningful for changed and suspects)
    is_access: np.ndarray
    has_trace: np.ndarray
    rising: np.ndarray
    tol_ns: float
    template: np.ndarray
    prep: object


def judge(prep, w, binning, table: pd.DataFrame, events: pd.DataFrame) -> tuple[dict, list[Story]]:
    """Story columns per signature (aligned with `table`, which is in prep code order) and the stories."""
    k = len(table)
    ev = evidence(prep)
    status = table["status"].to_numpy(dtype=object)
    effect = np.abs(table["rate_after"].to_numpy(float) - table["rate_before"].to_numpy(float))
    sev = severity_classes(status, table["level"].to_numpy(dtype=object), ev.is_access, ev.share_5xx)
    rows_codes = prep.sig_codes[w.rows]
    rows_ts = prep.ts[w.rows]
    deploy = int(w.deploy.value)
    first_ns = prep.signatures["first_seen"].to_numpy(dtype="datetime64[ns]").view(np.int64)  # over the loaded data
    changed = _changed_codes(status, sev, effect)
    suspect_codes, strength = _suspects(prep, w, table, first_ns, rows_codes, events)
    rising = np.isin(status, RISING)
    rising[suspect_codes] = True
    tracked = np.union1d(changed, suspect_codes).astype(np.int64)
    onset = np.full(k, deploy, dtype=np.int64)
    if tracked.size and w.comparable:
        onset[tracked] = onsets(binning, tracked, rising[tracked], rows_codes, rows_ts, deploy)
    quiet = np.setdiff1d(suspect_codes, changed)
    onset[quiet] = first_ns[quiet]
    tol = max(ONSET_TOL_S * 1e9, 2.0 * binning.width_ns)
    ctx = _Ctx(status, table["level"].to_numpy(dtype=object), table["top_service"].to_numpy(dtype=object),
               effect, sev, onset, ev.is_access, ev.has_trace, rising, tol,
               table["template"].to_numpy(dtype=object), prep)
    pool = changed  # a changed suspect stays a member of its story (a mock endpoint in an exception)
    groups = _cluster(pool, binning, ctx) if w.comparable else [[int(c)] for c in pool]
    stories = _stories(groups, suspect_codes, strength, ctx, table, deploy, binning)
    stories.sort(key=lambda s: (SEVERITIES.index(s.severity), -s.effect, s.onset_s))
    code_of = {sig: i for i, sig in enumerate(table["signature"])}
    for rank, st in enumerate(stories, 1):
        st.id = rank
        st.explains = _explains(st, code_of, ctx, events, w)
    return _columns(stories, code_of, ctx, k, deploy, binning), stories


def _changed_codes(status, sev, effect) -> np.ndarray:
    idx = np.flatnonzero(status != "STEADY")
    if idx.size > MAX_STORY_SIGNATURES:
        order = np.lexsort((-effect[idx], sev[idx]))
        idx = np.sort(idx[order[:MAX_STORY_SIGNATURES]])
    return idx


def _suspects(prep, w, table, first_ns, rows_codes, events) -> tuple[np.ndarray, dict[int, int]]:
    if not w.comparable or "message" not in events.columns:
        return np.zeros(0, dtype=np.int64), {}
    cand = sus.candidates(first_ns, table["before"].to_numpy(), int(w.deploy.value), w.before_minutes * 60,
                          w.after_minutes * 60, int(w.start.value))
    cand = cand[np.isin(table["status"].to_numpy(dtype=object)[cand], ["NEW", "STEADY", "SPIKE"])]
    if cand.size == 0:
        return cand.astype(np.int64), {}
    texts = sus.first_messages(cand, rows_codes, w.rows, events["message"])
    templates = table["template"].to_numpy(dtype=object)
    strength = {int(c): max(sus.cue_strength(texts.get(int(c), "")), sus.cue_strength(str(templates[c]))) for c in cand}
    keep = np.array([c for c in cand if strength[int(c)] > 0], dtype=np.int64)
    return keep, {int(c): strength[int(c)] for c in keep}


def _cluster(pool: np.ndarray, binning, ctx: _Ctx) -> list[list[int]]:
    n = pool.size
    if n == 0:
        return []
    cols = np.flatnonzero(binning.covered[binning.n_before:]) + binning.n_before
    curves = binning.counts[pool][:, cols].astype(float) if cols.size else np.zeros((n, 0))
    dense = curves.sum(axis=1) >= MIN_CURVE_EVENTS
    corr = _corr(curves)
    on = ctx.onset[pool].astype(float)
    near = np.abs(on[:, None] - on[None, :]) <= ctx.tol_ns
    rise = ctx.rising[pool]
    svc = ctx.service[pool]
    same_svc = np.array([[a is not None and a == b for b in svc] for a in svc], dtype=bool) if n <= 400 else np.zeros((n, n), bool)
    bad = ctx.sev[pool] <= 1
    plain = ctx.sev[pool] == 3  # a falling info/traffic line (a fixed error going away is not a symptom)
    both_up = rise[:, None] & rise[None, :] & dense[:, None] & dense[None, :] & (corr >= CORR_MIN)
    swap = same_svc & ((rise[:, None] & bad[:, None] & ~rise[None, :] & plain[None, :])
                       | (~rise[:, None] & plain[:, None] & rise[None, :] & bad[None, :]))
    both_down = same_svc & ~rise[:, None] & ~rise[None, :]
    link = near & (both_up | swap | both_down)
    uf = _Union(n)
    for i, j in zip(*np.nonzero(np.triu(link, 1))):
        uf.join(int(i), int(j))
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(uf.find(i), []).append(int(pool[i]))
    return list(groups.values())


def _corr(curves: np.ndarray) -> np.ndarray:
    if curves.shape[1] < 3:
        return np.zeros((curves.shape[0],) * 2)
    x = curves - curves.mean(axis=1, keepdims=True)
    norm = np.sqrt((x * x).sum(axis=1))
    with np.errstate(divide="ignore", invalid="ignore"):
        c = (x @ x.T) / (norm[:, None] * norm[None, :])
    return np.nan_to_num(c, nan=0.0)


def _lead_score(members: list[int], ctx: _Ctx) -> dict[int, tuple]:
    """Evidence per member, compared as a tuple (larger is a likelier cause); a rise leads a fall."""
    on = {m: ctx.onset[m] for m in members}
    out = {}
    for m in members:
        others = [on[o] for o in members if o != m]
        earliest = bool(others) and all(on[m] < o - EARLIEST_BY_S * 1e9 for o in others)
        lvl = str(ctx.level[m]).lower() if isinstance(ctx.level[m], str) else ""
        level_pts = 1.0 if lvl in ("error", "fatal") else 0.5 if lvl == "warn" else 0.0
        evidence_pts = 3.0 * (not ctx.is_access[m]) + 2.0 * bool(ctx.has_trace[m]) + level_pts + 1.5 * earliest
        out[m] = (bool(ctx.rising[m]), evidence_pts, -int(ctx.sev[m]), ctx.effect[m], -on[m])
    return out


def _stories(groups, suspect_codes, strength, ctx: _Ctx, table, deploy, binning) -> list[Story]:
    sigs = table["signature"].to_numpy(dtype=object)
    stories: list[tuple[Story, list[int]]] = []
    for g in groups:
        score = _lead_score(g, ctx)
        lead = max(g, key=lambda m: score[m])
        rest = sorted((m for m in g if m != lead), key=lambda m: (ctx.sev[m], -ctx.effect[m], m))
        members = [lead] + rest
        onset_ns = min(ctx.onset[m] for m in g)
        st = Story(0, SEVERITIES[int(min(ctx.sev[m] for m in g))], sigs[lead], sigs[lead], [sigs[m] for m in members],
                   onset_s=(onset_ns - deploy) / 1e9, effect=float(max(ctx.effect[m] for m in g)))
        stories.append((st, g))
    pre = max(PRE_DEPLOY_S, binning.width_ns / 1e9)
    for st, g in stories:
        rises = [ctx.onset[m] for m in g if ctx.rising[m]]  # a fall's "onset" is its last event: no flag
        st.pre_deploy = bool(rises) and (min(rises) - deploy) / 1e9 < -pre
    loose = _attach(suspect_codes, strength, stories, ctx, sigs)
    for s in loose:
        sev = SEVERITIES[int(min(ctx.sev[s], 3))]
        stories.append((Story(0, sev, sigs[s], sigs[s], [], suspects=[sigs[s]], onset_s=(ctx.onset[s] - deploy) / 1e9,
                              effect=float(ctx.effect[s])), [s]))
    return [st for st, _ in stories]


def _attach(suspect_codes, strength, stories, ctx: _Ctx, sigs) -> list[int]:
    """Attach each suspect to its own story, or to the story it precedes in one of its services.

    Returns the unattached ones. Each story's cause becomes its best named suspect: the
    strongest cue, then a plain line over a trace (a start-up config line explains the
    exception that mentions the same endpoint), then the earliest.
    """
    loose = []
    member_of = {m: (st, g) for st, g in stories for m in g}
    attached: dict[int, list[int]] = {}
    for s in suspect_codes:
        s = int(s)
        if s in member_of:
            attached.setdefault(id(member_of[s][0]), []).append(s)
            continue
        best = None
        for st, g in stories:
            gap = (min(ctx.onset[m] for m in g) - ctx.onset[s]) / 1e9
            if not -SUSPECT_BEFORE_S <= gap <= SUSPECT_AHEAD_S:
                continue
            if ctx.service[s] is not None and ctx.service[s] not in {ctx.service[m] for m in g}:
                continue
            key = (SEVERITIES.index(st.severity), abs(gap))
            if best is None or key < best[0]:
                best = (key, st)
        if best is None:
            loose.append(s)
        else:
            attached.setdefault(id(best[1]), []).append(s)
    for st, _ in stories:
        mine = attached.get(id(st), [])
        if not mine:
            continue
        mine.sort(key=lambda c: (-strength[c], bool(ctx.has_trace[c]), ctx.onset[c]))
        st.suspects = [sigs[c] for c in mine]
        named = [c for c in mine if strength[c] >= 2 or _level(ctx, c) in ("warn", "error", "fatal")]
        if named:
            st.cause = sigs[named[0]]
    return loose


def _level(ctx: _Ctx, c: int) -> str:
    return str(ctx.level[c]).lower() if isinstance(ctx.level[c], str) else ""


def _explains(st: Story, code_of, ctx: _Ctx, events, w) -> list[str]:
    """Short phrases for what the cause explains: '502 at gateway POST /api/pay', 'charge ok … GONE'."""
    others = st.symptoms
    if not others:
        return []
    codes = np.array([code_of[m] for m in others], dtype=np.int64)
    info = _status_and_path(codes, w, events, ctx.prep)
    out = []
    for c in codes:
        svc = ctx.service[c] if ctx.service[c] is not None else "?"
        status, path = info.get(int(c), (None, None))
        if ctx.is_access[c] and status is not None:
            text = f"{status} at {svc}" + (f" {path}" if path else "")
        else:
            lvl = str(ctx.level[c]).upper() + " " if isinstance(ctx.level[c], str) else ""
            text = f"{lvl}{_clip(ctx.template[c])} at {svc}"
        if ctx.status[c] in ("DROP", "GONE"):
            text += f" ({ctx.status[c]})"
        out.append(text)
    return out


def _clip(text: str, n: int = 60) -> str:
    one = " ".join(str(text).split())
    return one if len(one) <= n else one[: n - 1] + "…"


def _status_and_path(codes: np.ndarray, w, events, prep) -> dict[int, tuple]:
    """Most common HTTP status and request path per code, from a bounded sample of window rows."""
    from triage.judgement.contrast import rows_by_code

    out = {}
    for c, rows in rows_by_code(prep, w, codes, limit=200).items():
        if rows.size == 0:
            continue
        statuses, messages = events["http_status"], events["message"]  # two columns, not every column of the rows
        st = statuses.iloc[rows].dropna()
        status = int(st.mode().iloc[0]) if len(st) else None
        paths = [m.group(1) + " " + _path(m.group(2)) for m in (_REQUEST.search(str(t)) for t in messages.iloc[rows].tolist()) if m]
        path = pd.Series(paths).mode().iloc[0] if paths else None
        out[int(c)] = (status, path)
    return out


def _path(p: str) -> str:
    """Keep a path up to its first segment that looks like an id."""
    keep = []
    for seg in p.split("/"):
        if any(ch.isdigit() for ch in seg) and len(seg) > 2:
            keep.append("<id>")
            break
        keep.append(seg)
    return "/".join(keep)


def _columns(stories: list[Story], code_of, ctx: _Ctx, k: int, deploy: int, binning) -> dict:
    story = np.zeros(k, dtype=np.int64)
    role = np.full(k, "", dtype=object)
    tracked = np.zeros(k, dtype=bool)
    for st in stories:
        for m in st.members + st.suspects:
            c = code_of[m]
            story[c] = st.id
            tracked[c] = True
            role[c] = "symptom" if m in st.members else "suspect"
        code_of_lead = code_of[st.lead]
        role[code_of_lead] = "lead" if st.cause != st.lead else "cause"
        role[code_of[st.cause]] = "cause"
    onset_s = np.where(tracked, (ctx.onset - deploy) / 1e9, np.nan)
    pre = max(PRE_DEPLOY_S, binning.width_ns / 1e9)
    severity = np.array([SEVERITIES[int(s)] if t else "" for s, t in zip(ctx.sev, tracked)], dtype=object)
    onset = pd.to_datetime(np.where(tracked, ctx.onset, np.iinfo(np.int64).min), utc=True)
    return {"story": story, "role": role, "severity": severity, "onset": onset, "onset_s": onset_s,
            "pre_deploy": tracked & ctx.rising & (onset_s < -pre)}
