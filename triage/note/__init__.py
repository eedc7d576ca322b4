"""The incident note: findings the engineer pinned, rendered as redacted Markdown or JSON.

`model` is what a note is, `format` makes untrusted text and numbers safe to show,
`resolve` finds a pinned finding in the analysis, `markdown` and `jsondoc` render it.
Everything leaving this package has been through triage.redact.
"""

from __future__ import annotations

from pathlib import Path

from triage.atomic import write_text
from triage.note.format import clip_sample, fence, inert, short_template
from triage.note.jsondoc import dumps_json, render_json
from triage.note.markdown import render_markdown
from triage.note.model import Finding, NoteDraft, auto_findings

__all__ = [
    "Finding", "NoteDraft", "auto_findings", "clip_sample", "dumps_json", "fence", "inert",
    "render_json", "render_markdown", "short_template", "write_note",
]


def write_note(path, text: str, *, force: bool = False) -> Path:
    """Write atomically; refuse to overwrite an existing file unless `force`."""
    target = Path(path)
    return write_text(target, text, overwrite=force, exists_message=f"{target} exists (use --force to overwrite)")
