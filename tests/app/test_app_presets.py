"""`triage open` wiring: presets switch from the palette and reload through the same app."""

from __future__ import annotations

import pytest

from app_support import settle
from triage.app import make_app
from triage.cli import build_parser
from triage.commands import open as open_command

pytestmark = pytest.mark.anyio


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    monkeypatch.setenv("TRIAGE_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("TRIAGE_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.delenv("TRIAGE_KEYMAP", raising=False)
    monkeypatch.chdir(tmp_path)


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
        templates = set(app.analyzer.analysis.signatures["template"])
        assert any("served" in t for t in templates) and any("timed out" in t for t in templates)
        await pilot.press("ctrl+p", *"switch preset files-timeouts")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert app.state == "ready"
        templates = set(app.analyzer.analysis.signatures["template"])
        assert templates and all("timed out" in t for t in templates)


def open_with_saver(tmp_path, *argv):
    args = build_parser().parse_args(["open", *argv])
    tz = open_command._tz(args)
    query = {"args": args}
    return make_app(open_command.build_loader(args, tz), export_dir=tmp_path,
                    query_saver=open_command.query_saver(query))


async def test_save_current_query_as_preset_and_confirm_overwrite(tmp_path):
    import tomllib

    from triage.app.screens.modals import AskModal, ConfirmModal
    from triage.presets import find_preset

    log = write_log(tmp_path / "app.log")
    app = open_with_saver(tmp_path, log, "--deploy", "2026-11-26T14:02:00Z", "--before", "20m")
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("+")  # windows 25m/35m: the preset keeps what is on screen
        await settle(pilot)
        await pilot.press("p")
        assert isinstance(app.screen, AskModal)
        await pilot.press(*"bad name!", "enter")
        assert isinstance(app.screen, AskModal)  # refused with a message, dialog stays
        await pilot.press(*["backspace"] * 9, *"pricing-timeouts", "enter")
        await settle(pilot)
        path = tmp_path / "config" / "queries" / "pricing-timeouts.toml"
        assert app.loads.last_preset == path and path.is_file()
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        assert data["name"] == "pricing-timeouts"
        assert data["window"] == {"before": "25m", "after": "35m"}
        assert "deploy" not in path.read_text(encoding="utf-8")
        assert find_preset("pricing-timeouts").name == "pricing-timeouts"
        assert "pricing-timeouts" in app.loads.presets  # now offered by "switch preset"

        # Same name again: asked before overwriting; cancelling keeps the file.
        before = path.read_text(encoding="utf-8")
        await pilot.press("-", "-")
        await settle(pilot)
        await pilot.press("p", "enter")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("escape")
        await settle(pilot)
        assert path.read_text(encoding="utf-8") == before
        await pilot.press("p", "enter")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmModal)
        await pilot.click("#yes")
        await settle(pilot)
        assert tomllib.loads(path.read_text(encoding="utf-8"))["window"] == {"before": "15m", "after": "25m"}


async def test_save_preset_from_the_palette_without_a_query_says_why(tmp_path):
    from triage.demo import demo_incident

    incident = demo_incident()
    app = make_app(lambda progress: incident, export_dir=tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p", *"save current query as preset")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert app.is_running and not list((tmp_path / "config").glob("**/*.toml"))
        assert any("Nothing to save" in str(n.message) for n in app._notifications)


async def test_save_preset_refuses_a_literal_password_with_a_dialog(tmp_path):
    from triage.app.screens.modals import ErrorModal

    log = write_log(tmp_path / "app.log")
    files_args = build_parser().parse_args(["open", log, "--deploy", "2026-11-26T14:02:00Z"])
    es_args = build_parser().parse_args(["open", "--source", "elasticsearch", "--es-url",
                                         "http://elastic:hunter2@localhost:9200", "--index", "logs-*",
                                         "--deploy", "2026-11-26T14:02:00Z"])
    tz = open_command._tz(files_args)
    app = make_app(open_command.build_loader(files_args, tz), export_dir=tmp_path,
                   query_saver=open_command.query_saver({"args": es_args}))
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("p", *"es-prod", "enter")
        await settle(pilot)
        assert isinstance(app.screen, ErrorModal)
        text = " ".join(str(w.render()) for w in app.screen.query("Static"))
        assert "url_env" in text and "hunter2" not in text
        assert not list((tmp_path / "config").glob("**/*.toml"))
