"""Config parity: diff two environments' settings (staging vs production) and say what looks wrong.

Engine only (no Textual). `load_settings(path)` reads .env / JSON / TOML / Helm values /
Kubernetes YAML into flat settings; `compare_settings(a, b)` judges them; `render_text`
and `markdown_lines` show the result; `ParityReport.to_dict()` is the JSON (and what a
pinned note finding stores). Secret values are never shown anywhere.
"""

from triage.parity.compare import ParityItem, ParityReport, compare_settings, debug_hint, staging_hint
from triage.parity.loaders import ParityError, Setting, Settings, load_settings
from triage.parity.render import markdown_lines, render_text


def parity(a_path, b_path, a_name=None, b_name=None) -> ParityReport:
    """Load both sides and compare them (raises ParityError on an unreadable file)."""
    return compare_settings(load_settings(a_path, a_name), load_settings(b_path, b_name))


def parity_finding(report: ParityReport, comment: str = ""):
    """The report as a note finding (kind "parity"); it carries its own data, secrets already hidden."""
    from triage.note import Finding

    return Finding("parity", f"{report.a_name} → {report.b_name}", comment, report.to_dict())


__all__ = [
    "parity_finding",
    "ParityError", "ParityItem", "ParityReport", "Setting", "Settings", "compare_settings", "debug_hint",
    "load_settings", "markdown_lines", "parity", "render_text", "staging_hint",
]
