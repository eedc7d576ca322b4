"""What a note is: the findings the engineer pinned and the text around them, plus the defaults."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

FINDING_KINDS = ("signature", "metric", "dimension", "parity")
SAMPLES_PER_FINDING = 3
SAMPLE_CHARS = 2000  # per sample line shown in the note
SAMPLE_LINES = 30  # lines per multi-line sample (stack traces)
CELL_CHARS = 90
METRIC_ROWS = 30  # changed series come first, so the cut only drops the quietest
METRIC_FINDING_ROWS = 5  # series listed under one metric finding
JSON_SCHEMA = "triage.note/1"


@dataclass
class Finding:
    kind: str  # "signature" | "metric" | "dimension" | "parity"
    key: str  # signature id, metric name, "service:checkout" / "host:pay-2", or "staging → production"
    comment: str = ""
    data: dict | None = None  # parity: the ParityReport.to_dict() it shows (not in the analysis, so kept here)


@dataclass
class NoteDraft:
    title: str = ""
    summary: str = ""
    impact: str = ""
    actions: str = ""
    findings: list[Finding] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> NoteDraft:
        findings = [
            Finding(str(f.get("kind", "")), str(f.get("key", "")), str(f.get("comment", "") or ""),
                    f.get("data") if isinstance(f.get("data"), dict) else None)
            for f in data.get("findings", []) or []
            if isinstance(f, dict)
        ]
        return cls(
            title=str(data.get("title", "") or ""),
            summary=str(data.get("summary", "") or ""),
            impact=str(data.get("impact", "") or ""),
            actions=str(data.get("actions", "") or ""),
            findings=findings,
        )


CHECKLIST = [
    ("rollback", "Rollback candidate: redeploy the last good version{prev} if the impact is user-facing; fix forward only after the root cause is known."),
    ("parity", "Env/config parity: diff production against staging (env vars, Helm values, config maps); look for staging-only settings such as `USE_MOCK_SERVICE=true`."),
    ("flags", "Feature flags: list the flags flipped with this release and their production values."),
    ("secrets", "Secrets and integrations: API keys, DB credentials and third-party tokens present in prod, not rotated or expired."),
    ("artifact", "Artifact identity: the image/package digest promoted to prod is the one tested in staging."),
    ("infra", "Infrastructure differences: namespace, load balancer, Terraform state, AMI, security groups."),
    ("smoke", "Prevention: a post-deploy smoke test or canary that would have caught this."),
]
_STAGING_HINTS = re.compile(r"(?i)\b(mock|stub|fake|sandbox|staging|localhost|127\.0\.0\.1|test[-_]?mode)\b")


def auto_findings(analysis, limit: int = 5) -> list[Finding]:
    """The top `limit` stories' causes (and their leading change when a config suspect is the cause),
    then outlier services/hosts, then shifted metrics."""
    out = _story_findings(analysis, limit)
    dims = analysis.dimensions
    if len(dims):
        outl = dims[dims["outlier"].astype(bool) & (dims["dimension"] != "overall")]
        seen: set[str] = set()
        for _, row in outl.sort_values("after", ascending=False).iterrows():
            key = f"{row['dimension']}:{row['key']}"
            if key not in seen and len(seen) < 3:
                seen.add(key)
                out.append(Finding("dimension", key))
    mets = analysis.metrics
    if len(mets):
        for name in mets[mets["status"] != "STEADY"]["metric"].drop_duplicates().head(3):
            out.append(Finding("metric", str(name)))
    return out


def _story_findings(analysis, limit: int) -> list[Finding]:
    stories = getattr(analysis, "stories", None)
    sigs = analysis.signatures
    if not stories:  # an analysis without judgement: the top changed signatures by rank
        return [Finding("signature", str(s)) for s in sigs[sigs["status"] != "STEADY"].head(limit)["signature"]]
    keys: list[str] = []
    for st in stories[:limit]:
        for key in (st.cause, st.lead):
            if key not in keys:
                keys.append(key)
    return [Finding("signature", k) for k in keys]
