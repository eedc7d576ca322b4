"""Pilot tests: the deploy picker (`--deploy auto`, D) and the pinned config-parity finding (`--parity`)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from textual.widgets import OptionList

from app_support import open_app, settle
from triage.app import make_app
from triage.app.screens.deploy_picker import DeployPicker
from triage.app.screens.note import NoteScreen
from triage.cli import build_parser
from triage.commands.open import build_loader
from triage.commands.parity import parity_findings

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("state_dir")]

T = datetime(2026, 5, 4, 10, 7, 30, tzinfo=timezone.utc)
K8S = T + timedelta(minutes=40)


def _log(path):
    """JSON lines: payments goes 2.3.1 -> 2.4.0 at T; a Kubernetes rollout line 40 minutes later."""
    lines = []
    for s in range(-1800, 3600, 5):
        t = T + timedelta(seconds=s)
        stamp = t.strftime("%Y-%m-%dT%H:%M:%SZ")
        version = "2.4.0" if s >= 0 else "2.3.1"
        lines.append(json.dumps({"@timestamp": stamp, "log.level": "info", "service.name": "payments",
                                 "service.version": version, "message": "charge ok"}))
        if s >= 0 and s % 20 == 0:
            lines.append(json.dumps({"@timestamp": stamp, "log.level": "error", "service.name": "payments",
                                     "service.version": version, "message": "KeyError: 'currency'"}))
    lines.append(json.dumps({"@timestamp": K8S.strftime("%Y-%m-%dT%H:%M:%SZ"), "log.level": "info",
                             "service.name": "kube", "message": "Scaled up replica set search-6f7d to 2"}))
    path.write_text("\n".join(sorted(lines, key=lambda x: json.loads(x)["@timestamp"])) + "\n")
    return str(path)


async def test_deploy_auto_opens_the_picker_and_choosing_moves_the_deploy(tmp_path):
    app = open_app(tmp_path, _log(tmp_path / "app.jsonl"), "--deploy", "auto")
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, DeployPicker)
        options = app.screen.query_one("#deploy-options", OptionList)
        labels = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert "service.version 2.3.1 → 2.4.0 (payments)" in labels[0] and "(current)" in labels[0]
        assert "Kubernetes rollout" in labels[1] and labels[-1] == "Type a time…"
        assert app.analyzer.deploy == T  # the strongest candidate is already applied
        statuses = set(app.analyzer.analysis.signatures["status"])
        assert "NEW" in statuses
        await pilot.press("down", "enter")  # the rollout line instead
        await settle(pilot)
        assert not isinstance(app.screen, DeployPicker) and app.analyzer.deploy == K8S
        await pilot.press("D")  # again, from the main screen; escape keeps the deploy
        await settle(pilot)
        assert isinstance(app.screen, DeployPicker)
        await pilot.press("escape")
        await settle(pilot)
        assert app.analyzer.deploy == K8S


async def test_picker_on_a_normal_load_finds_candidates_in_a_worker(tmp_path):
    app = open_app(tmp_path, _log(tmp_path / "app.jsonl"), "--deploy", "2026-05-04T10:30:00Z")
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        assert not isinstance(app.screen, DeployPicker)
        await pilot.press("D")
        await settle(pilot)
        assert isinstance(app.screen, DeployPicker)
        await pilot.press("enter")
        await settle(pilot)
        assert app.analyzer.deploy == T


async def test_type_own_time_from_the_picker(tmp_path):
    app = open_app(tmp_path, _log(tmp_path / "app.jsonl"), "--deploy", "auto")
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("end", "enter")
        await settle(pilot)
        assert app.screen.query_one("#ask-input") is not None  # the usual deploy prompt


async def test_parity_is_pinned_and_shown_in_the_note(tmp_path):
    (tmp_path / "staging.env").write_text("USE_MOCK_SERVICE=false\nAPI_TOKEN=abc-very-secret-123456\n")
    (tmp_path / "prod.env").write_text("USE_MOCK_SERVICE=true\n")
    args = build_parser().parse_args(["open", _log(tmp_path / "app.jsonl"), "--deploy", "2026-05-04T10:07:30Z",
                                      "--parity", str(tmp_path / "staging.env"), str(tmp_path / "prod.env"),
                                      "--parity-names", "staging,prod"])
    app = make_app(build_loader(args, None), export_dir=tmp_path, pinned=parity_findings(args))
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        parity = [f for f in app.drafts.draft.findings if f.kind == "parity"]
        assert len(parity) == 1 and parity[0].key == "staging → prod" and parity[0].data["counts"]["high"] == 2
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, NoteScreen)
        table = app.screen.query_one("#note-findings")
        cells = [str(c) for c in table.get_row_at(0)]
        assert cells[0] == "par" and cells[1].startswith("PARITY staging → prod: 2 high")
        markdown = app.drafts.job().render()
        assert "Config parity: staging → prod" in markdown and "`USE_MOCK_SERVICE`" in markdown
        assert "abc-very-secret-123456" not in markdown
