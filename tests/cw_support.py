"""Test support for the CloudWatch sources: a real moto server over HTTP and a generated incident.

`start_moto` runs moto's ThreadedMotoServer on 127.0.0.1 on a free port (the `moto_server`
and `cw_env` fixtures in tests/conftest.py use it: one server per session, boto3 pointed at it
through AWS_ENDPOINT_URL with dummy credentials, state reset per test). `ingest_incident` writes a deterministic incident with put_log_events and
put_metric_data; the benchmark reuses it.
"""

from __future__ import annotations

import json
import logging
import random
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import boto3

REGION = "us-east-1"
MAX_BATCH_EVENTS = 10_000
MAX_BATCH_BYTES = 1_000_000


def start_moto():
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    return server, f"http://{host}:{port}"


def reset_moto(url: str) -> None:
    request = urllib.request.Request(f"{url}/moto-api/reset", data=b"", method="POST")
    urllib.request.urlopen(request, timeout=10).read()


def point_boto_at(monkeypatch, url: str) -> None:
    """Dummy credentials, a region, and no user AWS config leaking into tests."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_REGION", REGION)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/aws-config")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/aws-credentials")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_DEFAULT_PROFILE"):
        monkeypatch.delenv(name, raising=False)


def logs_client():
    return boto3.client("logs", region_name=REGION)


def cloudwatch_client():
    return boto3.client("cloudwatch", region_name=REGION)


# --- a generated incident -------------------------------------------------------------

TRACEBACK = [
    "Traceback (most recent call last):",
    '  File "payments/client.py", line 88, in charge',
    "    resp = self.session.post(url, json=body)",
    "ConnectionError: mock-payments:8443 refused",
]


@dataclass
class Incident:
    """What was ingested, so tests can check counts against it."""

    deploy: datetime
    start: datetime
    end: datetime
    groups: dict[str, dict[str, list[tuple[int, str]]]] = field(default_factory=dict)  # group -> stream -> events
    tracebacks_after: int = 0
    gone_before: int = 0
    alb: str = "app/web/50dc6c495c0c9188"

    def count(self, group: str | None = None) -> int:
        return sum(len(ev) for g, streams in self.groups.items() if group in (None, g) for ev in streams.values())


def _ms(dt: datetime) -> int:
    return int(dt.timestamp() * 1000)


def make_incident(n_events: int = 3000, *, seed: int = 7, deploy: datetime | None = None) -> Incident:
    """A deterministic incident around `deploy` (default: 1 h ago, whole minute).

    Two groups: /ecs/checkout (text lines with a header, two streams; a traceback split
    across events, one CloudWatch event per line, appears after the deploy) and
    /aws/lambda/payments (JSON lines; a KeyError that is GONE after the deploy).
    """
    rng = random.Random(seed)
    if deploy is None:
        now = datetime.now(timezone.utc).replace(second=0, microsecond=0)
        deploy = now - timedelta(hours=1)
    start, end = deploy - timedelta(minutes=30), deploy + timedelta(minutes=30)
    inc = Incident(deploy=deploy, start=start, end=end)
    checkout = {"web/1": [], "web/2": []}
    payments = {"2026/11/26/[$LATEST]a1": []}
    span = _ms(end) - _ms(start)
    for i in range(n_events):
        t = _ms(start) + (i * span) // n_events + rng.randrange(0, 50)
        after = t >= _ms(deploy)
        stamp = datetime.fromtimestamp(t / 1000, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        stream = checkout["web/1" if i % 2 else "web/2"]
        kind = i % 10
        if kind < 6:
            stream.append((t, f"{stamp} INFO checkout GET /cart/{rng.randrange(1000)} 200 in {rng.randrange(2, 40)}ms"))
        elif kind == 6 and after and i % 20 == 6:
            for k, line in enumerate(TRACEBACK):
                text = line if k else f"{stamp} ERROR checkout {line}"
                stream.append((t + k, text))
            inc.tracebacks_after += 1
        elif kind < 8:
            stream.append((t, f"{stamp} WARN checkout slow query took {rng.randrange(100, 900)}ms"))
        elif kind == 8 and not after:
            payments["2026/11/26/[$LATEST]a1"].append(
                (t, json.dumps({"timestamp": stamp, "level": "error", "service": "payments",
                                "message": "KeyError: 'currency' in format_receipt"})))
            inc.gone_before += 1
        else:
            payments["2026/11/26/[$LATEST]a1"].append(
                (t, json.dumps({"timestamp": stamp, "level": "info", "service": "payments",
                                "message": f"charged order {rng.randrange(10**6)} in {rng.randrange(5, 90)}ms"})))
    inc.groups = {"/ecs/checkout": checkout, "/aws/lambda/payments": payments}
    return inc


def put_events(client, group: str, stream: str, events: list[tuple[int, str]]) -> None:
    """put_log_events in batches within the API limits (10,000 events, 1 MB, time-ordered)."""
    events = sorted(events, key=lambda e: e[0])
    batch, size = [], 0
    for t, message in events:
        cost = len(message.encode()) + 26
        if batch and (len(batch) >= MAX_BATCH_EVENTS or size + cost > MAX_BATCH_BYTES):
            client.put_log_events(logGroupName=group, logStreamName=stream, logEvents=batch)
            batch, size = [], 0
        batch.append({"timestamp": t, "message": message})
        size += cost
    if batch:
        client.put_log_events(logGroupName=group, logStreamName=stream, logEvents=batch)


def ingest_logs(inc: Incident, client=None) -> None:
    client = client or logs_client()
    for group, streams in inc.groups.items():
        client.create_log_group(logGroupName=group)
        for stream, events in streams.items():
            client.create_log_stream(logGroupName=group, logStreamName=stream)
            put_events(client, group, stream, events)


def ingest_metrics(inc: Incident, client=None) -> None:
    """Per-minute ALB 5xx counts (jump after the deploy) and ECS CPU (flat)."""
    client = client or cloudwatch_client()
    data = []
    minute = inc.start
    while minute < inc.end:
        after = minute >= inc.deploy
        data.append({"MetricName": "HTTPCode_Target_5XX_Count", "Timestamp": minute, "Unit": "Count",
                     "Value": 40.0 if after else 1.0,
                     "Dimensions": [{"Name": "LoadBalancer", "Value": inc.alb}]})
        data.append({"MetricName": "CPUUtilization", "Timestamp": minute, "Unit": "Percent",
                     "Value": 41.0 + (minute.minute % 3),
                     "Dimensions": [{"Name": "ClusterName", "Value": "prod"}, {"Name": "ServiceName", "Value": "checkout"}]})
        minute += timedelta(minutes=1)
    ns = {"HTTPCode_Target_5XX_Count": "AWS/ApplicationELB", "CPUUtilization": "AWS/ECS"}
    for name, namespace in ns.items():
        items = [d for d in data if d["MetricName"] == name]
        for i in range(0, len(items), 500):
            client.put_metric_data(Namespace=namespace, MetricData=items[i:i + 500])


def ingest_incident(inc: Incident) -> None:
    ingest_logs(inc)
    ingest_metrics(inc)


# --- AWS answers moto cannot give ------------------------------------------------------

class _Body:
    def __init__(self, data: bytes):
        self._data = data

    def stream(self, **_):
        yield self._data


class AwsAnswers:
    """Answers an operation on the wire with AWS-shaped JSON (per the API reference) instead of
    sending it to moto: throttling, AccessDenied, expired tokens, Insights states moto lacks.

    `answers` is a list of (status, body dict) used in order; once used up, requests go to
    moto. `when(params)` can restrict which requests are answered. Also records every call's
    parameters in `seen` (answered or not).
    """

    def __init__(self, client, operation: str, answers, when=None):
        self.answers = list(answers)
        self.when = when
        self.seen: list[dict] = []
        service = client.meta.service_model.endpoint_prefix
        client.meta.events.register(f"before-parameter-build.{service}.{operation}", self._record)
        client.meta.events.register(f"before-send.{service}.{operation}", self._answer)
        self._last: dict = {}

    def _record(self, params, **_):
        self._last = dict(params)
        self.seen.append(self._last)

    def _answer(self, request, **_):
        from botocore.awsrequest import AWSResponse
        from botocore.compat import HTTPHeaders

        if not self.answers or (self.when is not None and not self.when(self._last)):
            return None
        status, body = self.answers.pop(0)
        headers = HTTPHeaders()
        headers["Content-Type"] = "application/x-amz-json-1.1"
        headers["x-amzn-RequestId"] = "00000000-0000-0000-0000-000000000000"
        return AWSResponse(request.url, status, headers, _Body(json.dumps(body).encode()))


def aws_error(code: str, message: str, status: int = 400) -> tuple[int, dict]:
    return status, {"__type": code, "message": message}
