"""The note as JSON (schema triage.note/1): the note plus the full analysis for scripts; redacted.

Additions since the first /1 documents (only new keys, so readers of /1 keep working):
`stories` (judgement: cause, lead, members, symptoms, suspects, onset, contrast) and the
signature columns `phi`, `story`, `role`, `severity`, `onset`, `onset_s`, `pre_deploy`.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd

from triage import __version__
from triage.note.markdown import _detail, note_warnings
from triage.note.model import CHECKLIST, JSON_SCHEMA, NoteDraft
from triage.note.resolve import (
    _dimension_rows,
    _metric_rows,
    _signature_row,
    default_title,
)
from triage.redact import redact_obj


def _json_value(v):
    if v is None:
        return None
    if isinstance(v, (pd.Timestamp, np.datetime64)):
        return None if pd.isna(v) else pd.Timestamp(v).tz_convert("UTC").isoformat().replace("+00:00", "Z") if pd.Timestamp(v).tzinfo else pd.Timestamp(v).isoformat() + "Z"
    if isinstance(v, (np.bool_, bool)):
        return bool(v)
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        f = float(v)
        if math.isnan(f):
            return None
        if math.isinf(f):
            return "inf" if f > 0 else "-inf"
        return f
    if isinstance(v, str):
        return v
    try:
        if pd.isna(v):
            return None
    except (TypeError, ValueError):
        pass
    return v


JSON_SAMPLE_CHARS = 8192


def _clip_json(v):
    if isinstance(v, str) and len(v) > JSON_SAMPLE_CHARS:
        return v[:JSON_SAMPLE_CHARS] + f" … ({len(v) - JSON_SAMPLE_CHARS:,} more chars)"
    return v


def _records(frame: pd.DataFrame) -> list[dict]:
    if frame is None or frame.empty:
        return []
    cols = list(frame.columns)
    return [{c: _json_value(v) for c, v in zip(cols, row)} for row in frame.itertuples(index=False, name=None)]


def render_json(incident, analysis, draft: NoteDraft) -> dict:
    """The note plus the full analysis for scripts; redacted. NaN -> null, infinity -> "inf"."""
    findings = []
    for f in draft.findings:
        item: dict[str, object] = {"kind": f.kind, "key": f.key, "comment": f.comment}
        if f.kind == "signature":
            row = _signature_row(analysis, f.key)
            item["data"] = _records(row.to_frame().T)[0] if row is not None else None
            det = _detail(incident, analysis, f.key, row)
            item["samples"] = [{k: _json_value(_clip_json(v)) for k, v in s.items()} for s in det.samples]
            item["by_service"], item["by_host"] = det.by_service[:10], det.by_host[:10]
            item["slots"] = det.slots.to_dict()["slots"] if det.slots is not None else []
        elif f.kind == "metric":
            item["data"] = _records(_metric_rows(analysis, f.key))
        elif f.kind == "parity":
            item["data"] = f.data
        else:
            item["data"] = _records(_dimension_rows(analysis, f.key))
        findings.append(item)
    doc = {
        "schema": JSON_SCHEMA,
        "generator": f"triage {__version__}",
        "title": draft.title or incident.title or default_title(incident, analysis),
        "summary": draft.summary,
        "impact": draft.impact,
        "actions": draft.actions,
        "deploy": _json_value(pd.Timestamp(analysis.deploy)),
        "version": incident.version,
        "windows": {"before_minutes": analysis.before.total_seconds() / 60, "after_minutes": analysis.after.total_seconds() / 60},
        "sources": list(incident.sources),
        "queries": list(incident.queries),
        "events": int(len(incident.events)),
        "estimated": bool(analysis.estimated),
        "count_kinds": dict(getattr(analysis, "count_kinds", {}) or {}),  # signatures per exact/estimated/sampled
        "warnings": note_warnings(incident, analysis),
        "load_report": {"skipped": dict(incident.report.skipped), "notes": list(incident.report.notes),
                        "partial": incident.report.partial, "estimated": incident.report.estimated,
                        "scale": incident.report.scale},
        "findings": findings,
        "stories": _stories(incident, analysis),
        "signatures": _records(analysis.signatures),
        "dimensions": _records(analysis.dimensions),
        "metrics": _records(analysis.metrics),
        "checklist": [text.format(prev="") for _, text in CHECKLIST],
    }
    return redact_obj(doc)


MAX_JSON_STORIES = 20


def _stories(incident, analysis) -> list[dict]:
    """Each story with its cause's template and the field/value contrast of its leading change."""
    from triage.judgement import story_contrast

    templates = dict(zip(analysis.signatures["signature"], analysis.signatures["template"]))
    out = []
    for i, st in enumerate(getattr(analysis, "stories", [])[:MAX_JSON_STORIES]):
        item = st.to_dict()
        item["cause_template"] = templates.get(st.cause)
        item["lead_template"] = templates.get(st.lead)
        item["contrast"] = [c.to_dict() for c in story_contrast(incident, analysis, st)] if i < 10 else []
        out.append({k: _json_value(v) if not isinstance(v, (list, dict)) else v for k, v in item.items()})
    return out


def dumps_json(doc: dict) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
