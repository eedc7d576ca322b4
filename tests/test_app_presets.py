"""`triage open` wiring: presets switch from the palette and reload through the same app."""

from __future__ import annotations

import pytest
from textual.worker import WorkerCancelled, WorkerFailed

from triage.app import make_app
from triage.cli import build_parser
from triage.commands import open as open_command

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend():
    return "asyncio"


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    monkeypatch.setenv("TRIAGE_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("TRIAGE_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.delenv("TRIAGE_KEYMAP", raising=False)
    monkeypatch.chdir(tmp_path)


async def settle(pilot) -> None:
    for _ in range(3):
        await pilot.pause(0.15)
        try:
            await pilot.app.workers.wait_for_complete()
        except (WorkerCancelled, WorkerFailed):
            pass


def write_log(path) -> str:
    lines = []
    for i in range(60):
        minute = 32 + i // 2 if i < 60 else 0
        hh, mm = divmod(13 * 60 + minute + (i % 2) * 30, 60)
        lines.append(f"2026-11-26T{hh:02d}:{mm:02d}:00Z INFO request {i} served in 12 ms")
    for i in range(20):
        lines.append(f"2026-11-26T14:{5 + i:02d}:00Z ERROR upstream call to pricing timed out after 30s")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


async def test_switch_preset_from_the_palette_reloads_with_its_filters(tmp_path):
    log = write_log(tmp_path / "app.log")
    args = build_parser().parse_args(["open", log, "--deploy", "2026-11-26T14:02:00Z"])
    tz = open_command._tz(args)
    presets, preset_loader = open_command._preset_switching(args, tz)
    assert "files-timeouts" in presets
    app = make_app(open_command.build_loader(args, tz), export_dir=tmp_path, presets=presets,
                   preset_loader=preset_loader)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        templates = set(app.analysis.signatures["template"])
        assert any("served" in t for t in templates) and any("timed out" in t for t in templates)
        await pilot.press("ctrl+p", *"switch preset files-timeouts")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert app.state == "ready"
        templates = set(app.analysis.signatures["template"])
        assert templates and all("timed out" in t for t in templates)
