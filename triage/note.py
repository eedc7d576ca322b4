"""The incident note: findings the engineer pinned, rendered as redacted Markdown or JSON."""

from __future__ import annotations

import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

FINDING_KINDS = ("signature", "metric", "dimension")


@dataclass
class Finding:
    kind: str  # "signature" | "metric" | "dimension"
    key: str  # signature id, metric name, or "service:checkout" / "host:pay-2"
    comment: str = ""


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
    def from_dict(cls, data: dict) -> "NoteDraft":
        findings = [
            Finding(str(f.get("kind", "")), str(f.get("key", "")), str(f.get("comment", "")))
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


def auto_findings(analysis, limit: int = 5) -> list[Finding]:
    return []


def render_markdown(incident, analysis, draft: NoteDraft) -> str:
    return ""


def render_json(incident, analysis, draft: NoteDraft) -> dict:
    return {}


def write_note(path, text: str, *, force: bool = False) -> Path:
    """Write atomically (temp file + fsync + rename); refuse to overwrite unless `force`."""
    target = Path(path)
    if target.exists() and not force:
        raise FileExistsError(f"{target} exists (use --force to overwrite)")
    directory = target.parent if str(target.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        if not force:
            # link() fails if the target appeared meanwhile, unlike replace().
            try:
                os.link(tmp, target)
            except FileExistsError:
                raise FileExistsError(f"{target} exists (use --force to overwrite)") from None
            except OSError:
                os.replace(tmp, target)
        else:
            os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return target
