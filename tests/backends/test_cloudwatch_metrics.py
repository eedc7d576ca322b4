"""CloudWatch metrics: the spec syntax, presets, and GetMetricData against moto (percentiles,
which moto cannot compute, are checked in the request we build)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from cw_support import AwsAnswers, cloudwatch_client, ingest_metrics, make_incident
from triage.events import METRIC_COLUMNS, LoadReport, Progress
from triage.sources.cloudwatch import CloudWatchMetricsSource
from triage.sources.cloudwatch.metrics import (
    MAX_QUERIES,
    MetricFetch,
    MetricSpec,
    default_period,
    parse_dimensions,
    parse_spec,
    preset_specs,
)
from triage.sources.cloudwatch.session import CwSession


def test_full_spec():
    spec = parse_spec("AWS/ApplicationELB:HTTPCode_Target_5XX_Count:Sum:LoadBalancer=app/web/50dc6c,TargetGroup=targetgroup/tg/1@5m")
    assert spec == MetricSpec("AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", "Sum",
                              (("LoadBalancer", "app/web/50dc6c"), ("TargetGroup", "targetgroup/tg/1")), 300)
    assert parse_spec(spec.spec_text()) == spec


def test_short_specs_default_the_statistic_and_allow_colons_in_values():
    assert parse_spec("AWS/ECS:CPUUtilization") == MetricSpec("AWS/ECS", "CPUUtilization")
    spec = parse_spec("AWS/Lambda:Duration:p99.9:FunctionName=pay,Resource=pay:prod")
    assert spec.stat == "p99.9" and dict(spec.dimensions) == {"FunctionName": "pay", "Resource": "pay:prod"}
    assert parse_spec("AWS/Lambda:Errors:FunctionName=pay").stat == "Average"


@pytest.mark.parametrize("bad, why", [
    ("CPUUtilization", "NAMESPACE:METRIC"),
    ("AWS/ECS:CPU:Mean", "unknown statistic"),
    ("AWS/ECS:CPU:Sum:ClusterName", "Name=Value"),
    ("AWS/ECS:CPU:Sum@45s", "period"),
])
def test_bad_specs_say_what_is_wrong(bad, why):
    with pytest.raises(ValueError, match=why):
        parse_spec(bad)


def test_presets_need_their_dimensions():
    specs = preset_specs("alb", parse_dimensions("LoadBalancer=app/web/1"))
    assert {(s.name, s.stat) for s in specs} >= {("HTTPCode_Target_5XX_Count", "Sum"), ("TargetResponseTime", "p95")}
    lam = preset_specs("lambda", parse_dimensions("FunctionName=pay"))
    assert {s.name for s in lam} >= {"Errors", "Duration", "Throttles"}
    assert {s.name for s in preset_specs("rds", parse_dimensions("DBInstanceIdentifier=db1"))} >= {"DatabaseConnections"}
    assert {s.name for s in preset_specs("apigw", parse_dimensions("ApiName=shop"))} >= {"5XXError", "Latency"}
    assert {s.name for s in preset_specs("ecs", parse_dimensions("ClusterName=prod,ServiceName=web"))} == {
        "CPUUtilization", "MemoryUtilization"}
    with pytest.raises(ValueError, match="--cw-dim ClusterName=... --cw-dim ServiceName=..."):
        preset_specs("ecs", ())


def test_period_follows_cloudwatch_retention():
    now = datetime(2026, 11, 26, tzinfo=timezone.utc)
    assert default_period(now - timedelta(days=1), now) == 60
    assert default_period(now - timedelta(days=30), now) == 300
    assert default_period(now - timedelta(days=90), now) == 3600


def test_metric_series_from_moto(cw_env):
    inc = make_incident(10)
    ingest_metrics(inc)
    specs = [parse_spec(f"AWS/ApplicationELB:HTTPCode_Target_5XX_Count:Sum:LoadBalancer={inc.alb}"),
             parse_spec("AWS/ECS:CPUUtilization:Average:ClusterName=prod,ServiceName=checkout")]
    result = CloudWatchMetricsSource(specs).load(inc.start, inc.end, Progress())
    m = result.metrics
    assert list(m.columns) == list(METRIC_COLUMNS)
    assert str(m["timestamp"].dtype) == "datetime64[ns, UTC]"
    errors = m[m["metric"] == "HTTPCode_Target_5XX_Count Sum"]
    assert errors["dimensions"].unique().tolist() == [f"LoadBalancer={inc.alb}"]
    before = errors[errors["timestamp"] < inc.deploy]["value"]
    after = errors[errors["timestamp"] >= inc.deploy]["value"]
    assert len(before) == 30 and set(before) == {1.0}
    assert len(after) >= 30 and set(after) == {40.0}
    cpu = m[m["metric"] == "CPUUtilization Average"]
    assert cpu["dimensions"].unique().tolist() == ["ClusterName=prod,ServiceName=checkout"]
    assert cpu["value"].between(41, 43).all()


def test_percentile_request_is_built_as_documented(cw_env):
    session = CwSession()
    spy = AwsAnswers(session.client("cloudwatch"), "GetMetricData", [(200, {"MetricDataResults": [
        {"Id": "m0", "Label": "TargetResponseTime", "Timestamps": [1795687200.0, 1795687260.0],
         "Values": [0.21, 0.89], "StatusCode": "Complete"}], "Messages": []})])
    spec = preset_specs("alb", parse_dimensions("LoadBalancer=app/web/1"))
    p95 = next(s for s in spec if s.stat == "p95")
    start = datetime.now(timezone.utc) - timedelta(hours=1)
    frame = MetricFetch(session, [p95]).run(start, start + timedelta(minutes=5), Progress(), LoadReport())
    query = spy.seen[0]["MetricDataQueries"][0]
    assert query["MetricStat"] == {"Metric": {"Namespace": "AWS/ApplicationELB", "MetricName": "TargetResponseTime",
                                              "Dimensions": [{"Name": "LoadBalancer", "Value": "app/web/1"}]},
                                   "Period": 60, "Stat": "p95"}
    assert frame["metric"].tolist() == ["TargetResponseTime p95"] * 2
    assert frame["unit"].tolist() == ["Seconds"] * 2
    assert frame["value"].tolist() == [0.21, 0.89]


def test_next_token_pages_are_followed(cw_env):
    session = CwSession()
    page1 = {"MetricDataResults": [{"Id": "m0", "Timestamps": [1795687200.0], "Values": [1.0], "StatusCode": "PartialData"}],
             "NextToken": "tok-2"}
    page2 = {"MetricDataResults": [{"Id": "m0", "Timestamps": [1795687260.0], "Values": [2.0], "StatusCode": "Complete"}]}
    spy = AwsAnswers(session.client("cloudwatch"), "GetMetricData", [(200, page1), (200, page2)])
    start = datetime.now(timezone.utc) - timedelta(hours=1)
    frame = MetricFetch(session, [parse_spec("App:Errors:Sum")]).run(start, start + timedelta(minutes=5), Progress(), LoadReport())
    assert frame["value"].tolist() == [1.0, 2.0]
    assert "NextToken" not in spy.seen[0] and spy.seen[1]["NextToken"] == "tok-2"


def test_more_than_500_series_are_batched(cw_env):
    inc = make_incident(10)
    client = cloudwatch_client()
    client.put_metric_data(Namespace="App", MetricData=[
        {"MetricName": "Errors", "Timestamp": inc.deploy, "Value": 3.0, "Dimensions": [{"Name": "Shard", "Value": "7"}]}])
    specs = [parse_spec(f"App:Errors:Sum:Shard={i}") for i in range(MAX_QUERIES + 20)]
    session = CwSession()
    spy = AwsAnswers(session.client("cloudwatch"), "GetMetricData", [])
    frame = MetricFetch(session, specs).run(inc.deploy - timedelta(minutes=2), inc.deploy + timedelta(minutes=2),
                                            Progress(), LoadReport())
    assert [len(p["MetricDataQueries"]) for p in spy.seen] == [MAX_QUERIES, 20]
    assert frame[["dimensions", "value"]].values.tolist() == [["Shard=7", 3.0]]


def test_same_metric_in_two_namespaces_gets_told_apart():
    specs = [MetricSpec("AWS/ECS", "CPUUtilization"), MetricSpec("AWS/RDS", "CPUUtilization")]
    from triage.sources.cloudwatch.metrics import _display_names

    assert sorted(_display_names(specs).values()) == ["ECS CPUUtilization Average", "RDS CPUUtilization Average"]
