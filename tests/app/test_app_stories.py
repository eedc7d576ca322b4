"""Stories in the app: the story mark in the table, the detail's story lines, and moving the deploy to an onset."""

from __future__ import annotations

from datetime import timedelta

import pytest

import incidents
from app_support import settle
from triage.app import make_app

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("state_dir")]


@pytest.fixture(scope="module")
def early():
    return incidents.build("pre-deploy")


async def test_story_column_detail_and_deploy_marker_at_the_onset(early, tmp_path):
    app = make_app(lambda progress: early, export_dir=tmp_path)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        table = app.main.query_one("#signatures")
        top = app.analyzer.visible_rows().iloc[0]
        assert top["role"] == "cause" and top["pre_deploy"]
        assert str(table.get_cell(top["signature"], "template")).startswith("1▸ ")
        symptom = app.analyzer.visible_rows().iloc[1]
        assert symptom["story"] == 1 and str(table.get_cell(symptom["signature"], "template")).startswith("  1└ ")
        detail = str(app.main.query_one("#detail-body").render())
        assert "started before the deploy" in detail and "o: move the deploy marker here" in detail
        assert "500 at gateway" in detail  # what the cause explains
        deploy = app.analyzer.deploy
        await pilot.press("o")
        await settle(pilot)
        moved = app.analyzer.deploy - deploy
        assert timedelta(minutes=-5) < moved < timedelta(minutes=-3)
        row = app.analyzer.signature_row(top["signature"])
        assert abs(row["onset_s"]) < 60 and not row["pre_deploy"]  # the change now starts at the marker
