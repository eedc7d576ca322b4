"""The engine never imports Textual: only the front ends (triage.app, and the CLI commands that launch it) may."""

import ast
from pathlib import Path

PKG = Path(__file__).resolve().parents[2] / "triage"


def test_engine_modules_do_not_import_textual():
    offenders = []
    for path in PKG.rglob("*.py"):
        rel = path.relative_to(PKG)
        if rel.parts[0] in ("app", "commands") or rel.name in ("cli.py", "__main__.py"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            if any(n == "textual" or n.startswith("textual.") or n.startswith("triage.app") for n in names):
                offenders.append(str(rel))
    assert offenders == [], f"engine modules importing the UI: {offenders}"
