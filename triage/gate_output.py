"""The gate's result for machines (JSON, JUnit XML) and one line per group for the CI log.

Everything here is redacted and inert: templates are log text, and CI systems render
JUnit messages as HTML or in a terminal.
"""

from __future__ import annotations

import json
import math
import re
import xml.etree.ElementTree as ET

import pandas as pd

from triage import __version__
from triage.gate import GATE_SCHEMA, GateResult, Verdict
from triage.redact import redact, redact_obj

_XML_BAD = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
TEMPLATE_CHARS = 200


def _clean(text) -> str:
    """Inert, redacted, and legal in XML 1.0."""
    from triage.note import inert

    return _XML_BAD.sub("\ufffd", redact(inert(text)))


def _num(v: float):
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    if isinstance(v, float) and math.isinf(v):
        return "inf"
    return v


def _iso(dt) -> str:
    return pd.Timestamp(dt).tz_convert("UTC").isoformat().replace("+00:00", "Z")


def verdict_dict(v: Verdict) -> dict:
    return {
        "signature": v.signature, "template": v.template, "status": v.status, "level": v.level,
        "before": v.before, "after": v.after, "rate_before": _num(v.rate_before), "rate_after": _num(v.rate_after),
        "ratio": _num(v.ratio), "q": _num(v.q), "top_service": v.top_service, "outcome": v.outcome, "reason": v.reason,
    }


def render_json(result: GateResult, incident=None) -> dict:
    doc = {
        "schema": GATE_SCHEMA,
        "generator": f"triage {__version__}",
        "result": result.result,
        "reason": result.reason,
        "deploy": _iso(result.deploy),
        "version": getattr(incident, "version", None),
        "windows": {"before_minutes": result.before_minutes, "after_minutes": result.after_minutes},
        "sources": list(getattr(incident, "sources", []) or []),
        "events": int(len(incident.events)) if incident is not None else None,
        "rules": result.rules.to_dict(),
        "failures": [verdict_dict(v) for v in result.failures],
        "known": [verdict_dict(v) for v in result.known],
        "below_threshold": [verdict_dict(v) for v in result.verdicts if v.outcome == "below"],
        "warnings": list(result.warnings),
    }
    return redact_obj(doc)


def dumps_json(doc: dict) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def render_junit(result: GateResult, incident=None) -> str:
    """One test suite; a test case per gated group (failure / skipped when known / pass when below).

    With no gated group there is one passing case, so CI shows the gate ran; an
    inconclusive gate is one case in <error>.
    """
    suite = ET.Element("testsuite", name="triage gate", timestamp=_iso(result.deploy).removesuffix("Z"))
    cases = 0
    if result.result == "inconclusive":
        case = ET.SubElement(suite, "testcase", classname="triage.gate", name="gate ran on both windows")
        ET.SubElement(case, "error", message=_clean(result.reason), type="inconclusive").text = _clean(
            "\n".join(result.warnings))
        cases = 1
    for v in result.verdicts:
        template = _clean(v.template).replace("\n", " ⏎ ")
        if len(template) > TEMPLATE_CHARS:
            template = template[: TEMPLATE_CHARS - 1] + "…"
        case = ET.SubElement(suite, "testcase", classname=f"triage.gate.{v.status}", name=f"{v.signature} {template}")
        cases += 1
        detail = _clean(f"{v.reason}\nsignature {v.signature}, level {v.level}, top service {v.top_service or '-'}\n"
                        f"before {v.before}, after {v.after}, q {v.q:.3g}\ntemplate: {v.template}")
        if v.outcome == "fail":
            ET.SubElement(case, "failure", message=_clean(v.reason), type=v.status).text = detail
        elif v.outcome == "known":
            ET.SubElement(case, "skipped", message=_clean(v.reason))
        else:
            ET.SubElement(case, "system-out").text = detail
    if cases == 0:
        ET.SubElement(suite, "testcase", classname="triage.gate", name="no NEW or SPIKE error group")
        cases = 1
    failures = len(result.failures)
    suite.set("tests", str(cases))
    suite.set("failures", str(failures))
    suite.set("errors", "1" if result.result == "inconclusive" else "0")
    suite.set("skipped", str(len(result.known)))
    props = ET.Element("properties")
    for name, value in (("result", result.result), ("deploy", _iso(result.deploy)),
                        ("version", getattr(incident, "version", None) or ""),
                        ("thresholds", json.dumps(result.rules.to_dict(), sort_keys=True))):
        ET.SubElement(props, "property", name=name, value=_clean(value))
    suite.insert(0, props)
    root = ET.Element("testsuites", name="triage", tests=suite.get("tests", "0"), failures=suite.get("failures", "0"),
                      errors=suite.get("errors", "0"))
    root.append(suite)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def summary_lines(result: GateResult, tz=None) -> list[str]:
    """Short lines for the CI log (stderr): verdict first, then one line per gated group."""
    from triage.timeparse import format_time

    head = {"pass": "PASS", "fail": "FAIL", "inconclusive": "INCONCLUSIVE"}[result.result]
    lines = [f"triage gate: {head}: {result.reason} (deploy {format_time(pd.Timestamp(result.deploy), tz)}, "
             f"before {result.before_minutes:g} min, after {result.after_minutes:g} min)"]
    mark = {"fail": "FAIL ", "known": "known", "below": "below"}
    for v in sorted(result.verdicts, key=lambda v: ("fail", "below", "known").index(v.outcome)):
        template = _clean(v.template).replace("\n", " ⏎ ")[:100]
        lines.append(f"  {mark[v.outcome]} {v.status:<5} {v.signature}  {v.before}->{v.after}  {template}  ({_clean(v.reason)})")
    return lines
