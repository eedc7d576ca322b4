"""Failures the user can fix become SourceErrors with a hint; throttling is a waiting state;
partial results are kept and labelled. AWS errors moto cannot produce are answered on the
wire in the JSON shape of the API reference."""

from __future__ import annotations

import pytest

from cw_support import AwsAnswers, aws_error, ingest_incident, ingest_logs, make_incident
from triage.events import Progress, SourceError
from triage.sources.cloudwatch import CloudWatchSource
from triage.sources.cloudwatch.metrics import parse_spec
from triage.sources.cloudwatch.session import CwSession

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
DENIED = ("User: arn:aws:sts::123456789012:assumed-role/oncall/alice is not authorized to perform: "
          "logs:FilterLogEvents on resource: arn:aws:logs:us-east-1:123456789012:log-group:/ecs/checkout:log-stream: "
          "because no identity-based policy allows the logs:FilterLogEvents action")


def test_adaptive_retries_are_configured(cw_env):
    client = CwSession().client("logs")
    assert client.meta.config.retries == {"mode": "adaptive", "total_max_attempts": 3}


def test_endpoint_comes_from_aws_endpoint_url(cw_env):
    assert CwSession().client("logs").meta.endpoint_url == cw_env


def test_no_credentials_says_how_to_provide_them(cw_env, monkeypatch):
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    with pytest.raises(SourceError) as info:
        CloudWatchSource(["/ecs/checkout"]).load(None, None, Progress())
    assert "no AWS credentials" in str(info.value)
    assert "AWS_PROFILE" in info.value.hint and "sso login" in info.value.hint


def test_unknown_profile_and_missing_region(cw_env, monkeypatch):
    with pytest.raises(SourceError, match="profile 'ghost' not found"):
        CloudWatchSource(["/g"], profile="ghost").load(None, None, Progress())
    monkeypatch.delenv("AWS_REGION")
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    with pytest.raises(SourceError) as info:
        CloudWatchSource(["/g"]).load(None, None, Progress())
    assert "--region" in info.value.hint


def test_access_denied_names_the_missing_permission(cw_env):
    inc = make_incident(100)
    ingest_logs(inc)
    session = CwSession()
    AwsAnswers(session.client("logs"), "FilterLogEvents", [aws_error("AccessDeniedException", DENIED)])
    with pytest.raises(SourceError) as info:
        CloudWatchSource(["/ecs/checkout"], session=session).load(inc.start, inc.end, Progress())
    assert "logs:FilterLogEvents" in str(info.value) and "logs:FilterLogEvents" in info.value.hint


def test_access_denied_without_details_still_names_the_action(cw_env):
    session = CwSession()
    AwsAnswers(session.client("logs"), "DescribeLogGroups", [aws_error("AccessDeniedException", "Access denied")])
    with pytest.raises(SourceError, match="logs:DescribeLogGroups"):
        CloudWatchSource(["/ecs/*"], session=session).load(None, None, Progress())


@pytest.mark.parametrize("code", ["ExpiredTokenException", "UnrecognizedClientException"])
def test_expired_or_rejected_credentials_never_echo_the_secret(cw_env, monkeypatch, code):
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.setenv("AWS_SESSION_TOKEN", "FwoGZXIvYXdzEXAMPLETOKEN")
    inc = make_incident(50)
    ingest_logs(inc)
    session = CwSession()
    AwsAnswers(session.client("logs"), "FilterLogEvents", [aws_error(code, "The security token included in the request is expired")])
    with pytest.raises(SourceError) as info:
        CloudWatchSource(["/ecs/checkout"], session=session).load(inc.start, inc.end, Progress())
    text = f"{info.value} {info.value.hint}"
    assert ("expired" in text) if code.startswith("Expired") else ("rejected" in text)
    assert SECRET not in text and "EXAMPLETOKEN" not in text and "testing" not in text


def test_missing_log_group_points_at_the_name_and_region(cw_env):
    with pytest.raises(SourceError) as info:
        CloudWatchSource(["/no/such/group"]).load(None, None, Progress())
    assert "/no/such/group" in str(info.value) and "--region" in info.value.hint
    with pytest.raises(SourceError, match="no log group matches '/nothing/\\*'"):
        CloudWatchSource(["/nothing/*"]).load(None, None, Progress())


def test_throttling_is_a_waiting_state_not_an_error(cw_env):
    inc = make_incident(600)
    ingest_logs(inc)
    session = CwSession(max_attempts=1, retry_mode="standard", throttle_wait=0.02)
    throttle = aws_error("ThrottlingException", "Rate exceeded")
    AwsAnswers(session.client("logs"), "FilterLogEvents", [throttle, throttle, throttle])
    messages = []
    result = CloudWatchSource(["/ecs/checkout"], session=session).load(
        inc.start, inc.end, Progress(lambda d, t, m: messages.append(m)))
    assert len(result.events) > 0 and not result.report.partial
    assert sum(m.startswith("throttled, waiting") for m in messages) == 3


def test_throttling_that_never_ends_gives_up_with_a_hint(cw_env):
    session = CwSession(max_attempts=1, retry_mode="standard", throttle_wait=0.01, throttle_max_wait=0.01, throttle_budget=0.05)
    AwsAnswers(session.client("logs"), "DescribeLogGroups", [aws_error("LimitExceededException", "slow down")] * 50)
    with pytest.raises(SourceError, match="kept throttling"):
        CloudWatchSource(["/x/*"], session=session).load(None, None, Progress())


def test_a_failing_second_group_keeps_the_first_and_labels_it_partial(cw_env):
    inc = make_incident(600)
    ingest_logs(inc)
    session = CwSession()
    AwsAnswers(session.client("logs"), "FilterLogEvents", [aws_error("AccessDeniedException", "Access denied")],
               when=lambda p: p.get("logGroupName") == "/aws/lambda/payments")
    result = CloudWatchSource(["/ecs/checkout", "/aws/lambda/payments"], session=session).load(inc.start, inc.end, Progress())
    assert len(result.events) > 0
    assert result.events["source"].str.startswith("/ecs/checkout/").all()
    assert result.report.partial is True
    assert "logs:FilterLogEvents" in result.report.warning() and "PARTIAL" in result.report.warning()


def test_metrics_denied_keeps_the_logs(cw_env):
    inc = make_incident(300)
    ingest_incident(inc)
    session = CwSession()
    AwsAnswers(session.client("cloudwatch"), "GetMetricData", [aws_error("AccessDenied", "User is not authorized", 403)])
    spec = parse_spec(f"AWS/ApplicationELB:HTTPCode_Target_5XX_Count:Sum:LoadBalancer={inc.alb}")
    result = CloudWatchSource(["/ecs/checkout"], metrics=[spec], session=session).load(inc.start, inc.end, Progress())
    assert len(result.events) > 0 and result.metrics.empty
    assert "cloudwatch:GetMetricData" in result.report.warning()


def test_bad_options_fail_before_any_call():
    with pytest.raises(SourceError, match="no log group"):
        CloudWatchSource([])
    with pytest.raises(SourceError, match="--insights"):
        CloudWatchSource(["/g"], mode="filter", insights="filter x")
    with pytest.raises(SourceError, match="stats"):
        CloudWatchSource(["/g"], insights="stats count(*) by bin(5m)")


def test_server_error_text_is_one_line_and_redacted(cw_env):
    session = CwSession()
    AwsAnswers(session.client("logs"), "DescribeLogGroups", [aws_error(
        "InternalFailure", "failed\nfor request with password=hunter2 \x1b[31m", 500)] * 5)
    with pytest.raises(SourceError) as info:
        CloudWatchSource(["/x/*"], session=session).load(None, None, Progress())
    text = str(info.value)
    assert "hunter2" not in text and "\n" not in text and "\x1b" not in text
    assert "InternalFailure" in text


def test_sso_profile_without_a_live_session_says_sso_login(cw_env, monkeypatch, tmp_path):
    config = tmp_path / "config"
    config.write_text(
        "[profile oncall]\n"
        "sso_start_url = https://example.awsapps.com/start\n"
        "sso_region = us-east-1\n"
        "sso_account_id = 123456789012\n"
        "sso_role_name = ReadOnly\n"
        "region = us-east-1\n"
    )
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.aws/sso/cache token
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    with pytest.raises(SourceError) as info:
        CloudWatchSource(["/ecs/checkout"], profile="oncall").load(None, None, Progress())
    assert "SSO" in str(info.value) and "aws sso login" in info.value.hint


def test_an_empty_group_name_is_explained(cw_env):
    with pytest.raises(SourceError) as info:
        CloudWatchSource([""]).load(None, None, Progress())
    assert "logGroupName" in str(info.value) and "--log-group" in info.value.hint
