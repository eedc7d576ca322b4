"""The controllers' contract with their workers: jobs are snapshots, draft writes keep their order."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from app_support import settle
from triage.app import make_demo_app
from triage.app.controllers.analysis import AnalysisJob, DetailJob, run_analysis, run_detail
from triage.app.controllers.draft import DraftWriter
from triage.app.messages import DetailResized, FilterEdited, SignatureHighlighted
from triage.note import NoteDraft

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("state_dir")]


def test_an_older_draft_write_never_replaces_a_newer_one(tmp_path):
    writer = DraftWriter(tmp_path / "draft.json")
    old, new = writer.next_seq(), writer.next_seq()
    writer.write(new, NoteDraft(summary="newer"))
    writer.write(old, NoteDraft(summary="older"))  # a slow worker finishing late
    assert json.loads((tmp_path / "draft.json").read_text())["summary"] == "newer"
    writer.write_now(NoteDraft(summary="on quit"))
    assert json.loads((tmp_path / "draft.json").read_text())["summary"] == "on quit"


async def test_jobs_keep_what_they_were_given_while_the_user_goes_on(tmp_path):
    app = make_demo_app(export_dir=tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        view = app.analyzer
        note = app.drafts.job()
        span = view.span
        app.drafts.update("summary", "typed after the render was asked for")
        view.widen(1)
        await settle(pilot)
        assert "typed after the render" not in note.render()
        assert view.after == span.after + timedelta(minutes=5)
        assert app.drafts.job() is not None and "typed after the render" in app.drafts.job().render()

        # The worker bodies run on a job alone, with no app: the same table the app shows.
        job = AnalysisJob(1, view.incident, view.prepared, view.span, None)
        result = run_analysis(job).analysis
        assert list(result.signatures["signature"]) == list(view.analysis.signatures["signature"])
        top = view.visible_rows().iloc[0]["signature"]
        detail = run_detail(DetailJob(top, 40, view.incident, view.prepared, view.deploy, None, None))
        assert detail.signature == top and len(detail.histogram[0]) == 40


async def test_messages_that_arrive_after_the_main_screen_closed_are_dropped(tmp_path):
    app = make_demo_app(export_dir=tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        top = app.analyzer.visible_rows().iloc[1]["signature"]
        app.pop_screen()  # as on exit: the main screen goes first, queued messages still arrive
        await pilot.pause(0.1)
        assert not any(type(s).__name__ == "MainScreen" for s in app.screen_stack)
        for message in (SignatureHighlighted(top), FilterEdited("x"), DetailResized()):
            app.post_message(message)
        await settle(pilot)
        assert app.is_running and app.analyzer.selected != top
