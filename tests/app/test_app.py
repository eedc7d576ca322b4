"""The app's main flows through Pilot on the demo incident: open, select, pin, export, windows, filter."""

from __future__ import annotations

import pytest

from app_support import settle
from triage.app import make_app, make_demo_app
from triage.app.screens.modals import AskModal, ConfirmModal
from triage.app.screens.note import NoteScreen
from triage.demo import demo_incident

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("state_dir")]


@pytest.fixture(scope="module")
def demo():
    """One demo incident for the module; the app never mutates it."""
    return demo_incident()


def demo_app(demo, tmp_path, **kwargs):
    return make_app(lambda progress: demo, export_dir=tmp_path, **kwargs)


def top_row(app):
    return app.analyzer.visible_rows().iloc[0]


async def test_demo_opens_with_new_signature_on_top_and_detail_shown(tmp_path):
    app = make_demo_app(export_dir=tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        assert app.state == "ready"
        table = app.main.query_one("#signatures")
        assert table.row_count == len(app.analyzer.analysis.signatures) > 3
        row = top_row(app)
        # the top row is the first story's cause (v1: the loudest NEW signature); its lead is NEW
        assert row["role"] == "cause" and row["story"] == 1
        rows = app.analyzer.visible_rows()
        lead = rows[(rows["story"] == 1) & (rows["role"] == "lead")].iloc[0]
        assert lead["status"] == "NEW" and lead["before"] == 0 and lead["after"] > 0
        assert app.analyzer.selected == row["signature"]
        detail = str(app.main.query_one("#detail-body").render())
        assert str(row["template"])[:30] in detail
        assert "Samples" in detail


async def test_pin_top_signature_and_export_note(demo, tmp_path):
    app = demo_app(demo, tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        row = top_row(app)
        await pilot.press("f")
        assert isinstance(app.screen, AskModal)
        await pilot.press(*"starts right at the deploy", "enter")
        await settle(pilot)
        assert [(f.kind, f.key, f.comment) for f in app.drafts.draft.findings] == [
            ("signature", row["signature"], "starts right at the deploy")]
        await pilot.press("e")
        assert isinstance(app.screen, AskModal)
        await pilot.press("enter")
        await settle(pilot)
        path = app.drafts.default_export_path()
        assert app.drafts.last_export == path and path.parent == tmp_path
        text = path.read_text(encoding="utf-8")
        assert "starts right at the deploy" in text
        assert row["signature"] in text
        assert "v2.4.0" in text

        # Exporting again never overwrites silently: it asks, and "no" keeps the file.
        path.write_text("keep me", encoding="utf-8")
        await pilot.press("e", "enter")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("n")
        await settle(pilot)
        assert path.read_text(encoding="utf-8") == "keep me"
        await pilot.press("e", "enter")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert "starts right at the deploy" in path.read_text(encoding="utf-8")


async def test_pin_again_unpins(demo, tmp_path):
    app = demo_app(demo, tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("f", "enter")
        await settle(pilot)
        assert len(app.drafts.draft.findings) == 1
        assert str(app.main.query_one("#signatures").get_cell_at((0, 0))) == "●"
        await pilot.press("f")
        await settle(pilot)
        assert app.drafts.draft.findings == []


async def test_window_changes_recompute_counts(demo, tmp_path):
    app = demo_app(demo, tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        rows = app.analyzer.visible_rows()
        sig = rows[rows["status"] == "NEW"].iloc[0]["signature"]  # a signature that keeps growing with the window
        after_30 = int(app.analyzer.signature_row(sig)["after"])
        await pilot.press("minus", "minus")  # 30m -> 20m on both sides
        await settle(pilot)
        assert (app.analyzer.before.total_seconds(), app.analyzer.after.total_seconds()) == (1200, 1200)
        after_20 = int(app.analyzer.signature_row(sig)["after"])
        assert 0 < after_20 < after_30
        assert "-20m/+20m" in str(app.main.query_one("#header").render())

        await pilot.press("w")
        await pilot.press("ctrl+u", *"10m/45m", "enter")
        await settle(pilot)
        assert (app.analyzer.before.total_seconds(), app.analyzer.after.total_seconds()) == (600, 2700)

        deploy = app.analyzer.deploy
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert (app.analyzer.deploy - deploy).total_seconds() == 60
        await pilot.press("d", "ctrl+u", *"-2m", "enter")
        await settle(pilot)
        assert (app.analyzer.deploy - deploy).total_seconds() == -60
        assert app.analyzer.analysis.deploy == app.analyzer.deploy


async def test_bad_deploy_time_keeps_dialog_open_with_message(demo, tmp_path):
    app = demo_app(demo, tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        deploy = app.analyzer.deploy
        await pilot.press("d", "ctrl+u", *"not a time", "enter")
        await settle(pilot)
        assert isinstance(app.screen, AskModal)
        assert "not a time" in str(app.screen.query_one("#ask-error").render())
        await pilot.press("escape")
        assert app.analyzer.deploy == deploy


async def test_filter_by_text_status_and_service(demo, tmp_path):
    app = demo_app(demo, tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        total = len(app.analyzer.analysis.signatures)
        await pilot.press("slash", *"status:gone")
        await settle(pilot)
        rows = app.analyzer.visible_rows()
        assert 0 < len(rows) < total
        assert set(rows["status"]) == {"GONE"}
        assert app.main.query_one("#signatures").row_count == len(rows)

        app.analyzer.clear_filter()
        app.analyzer.set_filter_token("service", "payments")
        await settle(pilot)
        rows = app.analyzer.visible_rows()
        services = app.analyzer.prepared.by_service
        payment_sigs = set(services[services["service"] == "payments"]["signature"])
        assert set(rows["signature"]) == payment_sigs and 0 < len(rows) < total

        app.analyzer.clear_filter()
        await pilot.press("slash", *"zzz-no-such-template")
        await settle(pilot)
        assert app.main.query_one("#signatures").row_count == 0
        assert "No signature matches" in str(app.main.query_one("#detail-body").render())


async def test_sort_by_after_descending(demo, tmp_path):
    app = demo_app(demo, tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        app.analyzer.sort_by("after")
        await settle(pilot)
        after = list(app.analyzer.visible_rows()["after"])
        assert after == sorted(after, reverse=True)
        app.analyzer.sort_by("after")  # same column again reverses
        await settle(pilot)
        assert list(app.analyzer.visible_rows()["after"]) == sorted(after)


async def test_command_palette_filters_by_service(demo, tmp_path):
    app = demo_app(demo, tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.press(*"filter by service payments")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert "service:payments" in app.analyzer.filter_text


async def test_note_screen_edits_are_in_the_draft_and_preview(demo, tmp_path):
    app = demo_app(demo, tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("f", "enter", "n")
        await settle(pilot)
        assert isinstance(app.screen, NoteScreen)
        await pilot.press(*"Card payments fail")
        await settle(pilot, rounds=4)
        assert app.drafts.draft.summary == "Card payments fail"
        preview = app.screen.query_one("#note-preview")
        assert "Card payments fail" in preview.source
        assert app.screen.query_one("#note-findings").row_count == 1
        await pilot.press("escape")
        assert not isinstance(app.screen, NoteScreen)


async def test_keymap_remaps_binding_by_id(demo, tmp_path):
    app = demo_app(demo, tmp_path, keymap={"triage.pin": "p"})
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("p", "enter")
        await settle(pilot)
        assert len(app.drafts.draft.findings) == 1


async def test_theme_switch_restyles_and_keeps_working(demo, tmp_path):
    app = demo_app(demo, tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        dark_background = app.main.query_one("#header").styles.background
        app.theme = "textual-light"
        await settle(pilot)
        assert app.main.query_one("#header").styles.background != dark_background
        await pilot.press("down")
        await settle(pilot)
        assert app.analyzer.detail_shown == app.analyzer.selected == app.analyzer.visible_rows().iloc[1]["signature"]
