"""`--source cloudwatch` through the registry and the headless report, against moto."""

from __future__ import annotations

import argparse
import json

import pytest

from cw_support import ingest_incident, make_incident
from triage.cli import main
from triage.events import SourceError
from triage.sources.cloudwatch import CloudWatchSource, add_arguments
from triage.sources.registry import add_source_arguments, build_source


def _args(*argv):
    parser = argparse.ArgumentParser()
    add_source_arguments(parser)
    return parser.parse_args(list(argv))


def test_registry_builds_the_source_from_flags(monkeypatch):
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    args = _args("--source", "cloudwatch", "--log-group", "/ecs/*", "--log-group", "/aws/lambda/pay",
                 "--log-stream-prefix", "web/", "--filter-pattern", "ERROR", "--region", "eu-west-1",
                 "--cw-metric", "AWS/ECS:CPUUtilization:Average:ClusterName=prod",
                 "--cw-preset-metrics", "alb", "--cw-dim", "LoadBalancer=app/web/1", "--cw-max-events", "1000")
    source = build_source(args)
    assert isinstance(source, CloudWatchSource)
    assert source.log_groups == ["/ecs/*", "/aws/lambda/pay"] and source.fetch_mode() == "filter"
    assert source.region == "eu-west-1" and source.max_events == 1000
    names = [s.name for s in source.metrics]
    assert names[0] == "CPUUtilization" and "HTTPCode_Target_5XX_Count" in names
    assert source.describe() == "cloudwatch /ecs/* (+1) @ eu-west-1"


def test_insights_query_selects_the_insights_path():
    assert build_source(_args("--source", "cloudwatch", "--log-group", "g", "--insights", "filter @message like /x/")
                        ).fetch_mode() == "insights"
    assert build_source(_args("--source", "cloudwatch", "--log-group", "g", "--cw-mode", "insights")).fetch_mode() == "insights"


@pytest.mark.parametrize("argv, words", [
    (("--source", "cloudwatch"), "no log group"),
    (("--source", "cloudwatch", "--log-group", "g", "--cw-preset-metrics", "ecs"), "ClusterName"),
    (("--source", "cloudwatch", "--log-group", "g", "--cw-metric", "CPU"), "NAMESPACE:METRIC"),
    (("--source", "cloudwatch", "--log-group", "g", "--cw-dim", "A=b"), "--cw-preset-metrics"),
    (("--source", "cloudwatch", "--log-group", "g", "--cw-max-events", "0"), "positive"),
])
def test_bad_flags_are_source_errors_with_hints(argv, words):
    with pytest.raises(SourceError) as info:
        build_source(_args(*argv))
    assert words in str(info.value)


def test_options_do_not_clash_with_each_other():
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    dests = [a.dest for a in parser._actions]
    assert len(dests) == len(set(dests))


def test_report_over_cloudwatch_finds_the_incident(cw_env, capsys):
    inc = make_incident(3000)
    ingest_incident(inc)
    code = main([
        "report", "--source", "cloudwatch", "--log-group", "/ecs/*", "--log-group", "/aws/lambda/payments",
        "--deploy", inc.deploy.isoformat(), "--format", "json",
        "--cw-metric", f"AWS/ApplicationELB:HTTPCode_Target_5XX_Count:Sum:LoadBalancer={inc.alb}",
    ])
    out = capsys.readouterr().out
    assert code == 0
    note = json.loads(out)
    by_status = {}
    for row in note["signatures"]:
        by_status.setdefault(row["status"], []).append(row)
    gone = [r for r in by_status.get("GONE", []) if "KeyError" in r["template"]]
    assert gone and gone[0]["before"] == inc.gone_before and gone[0]["after"] == 0
    new = [r for r in by_status.get("NEW", []) if r["after"] == inc.tracebacks_after]
    assert new, "the traceback folded from one CloudWatch event per line is one NEW signature"
    metrics = {m["metric"]: m for m in note["metrics"]}
    assert metrics["HTTPCode_Target_5XX_Count Sum"]["status"] == "UP"
    assert any(q.startswith("FilterLogEvents") for q in note["queries"])
    assert note["sources"][0].startswith("cloudwatch /ecs/checkout")


def test_report_with_a_missing_group_is_one_line_not_a_traceback(cw_env, capsys):
    code = main(["report", "--source", "cloudwatch", "--log-group", "/no/such", "--deploy", "now-1h"])
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith("triage: error:") and "/no/such" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
