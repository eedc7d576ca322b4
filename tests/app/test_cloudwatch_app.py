"""`triage open --source cloudwatch`: the app loads from CloudWatch (moto over HTTP) through its worker."""

from __future__ import annotations

import pytest

from app_support import open_app as _open_app
from app_support import settle as _settle
from cw_support import ingest_incident, make_incident


async def settle(pilot) -> None:
    await _settle(pilot, rounds=6, pause=0.2)


def open_app(tmp_path, deploy, *argv):
    return _open_app(tmp_path, "--deploy", deploy.isoformat(), "--source", "cloudwatch", *argv)


pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("state_dir")]


async def test_open_over_cloudwatch_shows_what_changed(cw_env, tmp_path):
    inc = make_incident(3000)
    ingest_incident(inc)
    app = open_app(tmp_path, inc.deploy, "--log-group", "/ecs/*", "--log-group", "/aws/lambda/payments",
                   "--cw-metric", f"AWS/ApplicationELB:HTTPCode_Target_5XX_Count:Sum:LoadBalancer={inc.alb}")
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        assert app.state == "ready"
        assert app.analyzer.incident.sources[0].startswith("cloudwatch /ecs/checkout (+1)")
        rows = app.analyzer.visible_rows()
        statuses = dict(zip(rows["template"].astype(str), rows["status"]))
        assert any(s == "GONE" and "KeyError" in t for t, s in statuses.items())
        assert any(s == "NEW" and "Traceback" in t for t, s in statuses.items())
        assert "HTTPCode_Target_5XX_Count Sum" in set(app.analyzer.incident.metrics["metric"])


async def test_open_with_a_missing_group_shows_the_hint_not_a_crash(cw_env, tmp_path):
    inc = make_incident(10)
    app = open_app(tmp_path, inc.deploy, "--log-group", "/no/such")
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        assert app.state == "load failed"
        assert type(app.screen).__name__ == "ErrorModal"
        text = " ".join(str(w.render()) for w in app.screen.query("Static"))
        assert "/no/such" in text and "--log-group" in text and "--region" in text
