"""`triage open` wiring of metric sources: CloudWatch metrics next to file logs, and a metrics
file that fails while loading leaves the logs usable (moto over HTTP for CloudWatch)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app_support import open_app
from app_support import settle as _settle
from cw_support import ingest_metrics, make_incident


async def settle(pilot) -> None:
    await _settle(pilot, rounds=6, pause=0.2)


pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("state_dir")]


def write_log(path, deploy) -> str:
    lines = []
    for minute in range(-30, 30):
        stamp = (deploy + timedelta(minutes=minute)).strftime("%Y-%m-%dT%H:%M:%SZ")
        lines.append(f"{stamp} INFO checkout GET /cart 200 in 12ms")
        if minute >= 0:
            lines.append(f"{stamp} ERROR checkout upstream pricing timed out after 30s")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


async def test_cloudwatch_metrics_next_to_file_logs(cw_env, tmp_path):
    inc = make_incident(10)
    ingest_metrics(inc)
    log = write_log(tmp_path / "app.log", inc.deploy)
    app = open_app(tmp_path, log, "--deploy", inc.deploy.isoformat(),
                   "--cw-metric", f"AWS/ApplicationELB:HTTPCode_Target_5XX_Count:Sum:LoadBalancer={inc.alb}")
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        assert app.state == "ready"
        assert any("timed out" in str(t) for t in app.analyzer.visible_rows()["template"])
        metrics = app.analyzer.analysis.metrics
        row = metrics[metrics["metric"].astype(str).str.startswith("HTTPCode_Target_5XX_Count")]
        assert len(row) == 1 and row.iloc[0]["status"] == "UP"


async def test_a_broken_metrics_file_keeps_the_logs(tmp_path):
    from datetime import datetime, timezone

    deploy = datetime(2026, 11, 26, 14, 2, tzinfo=timezone.utc)
    log = write_log(tmp_path / "app.log", deploy)
    broken = tmp_path / "metrics.csv"
    broken.write_bytes(b"\x00\x01 not a csv \xff\n\x00,,,\n")
    app = open_app(tmp_path, log, "--deploy", deploy.isoformat(), "--metrics", str(broken))
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        assert app.is_running and app.analyzer.analysis is not None
        assert "PARTIAL" in app.state
        assert any("timed out" in str(t) for t in app.analyzer.visible_rows()["template"])
        notices = str(app.main.query_one("#notices").render())
        assert "metrics from" in notices and "could not be loaded" in notices


def test_a_bad_cloudwatch_metric_spec_is_one_line(tmp_path, capsys):
    from triage.cli import main

    log = write_log(tmp_path / "app.log", make_incident(1).deploy)
    code = main(["open", log, "--deploy", "now-1h", "--cw-metric", "nonsense"])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("triage: error:") and "Traceback" not in err
