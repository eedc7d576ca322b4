"""A signature id depends on the event only: the same event read from a file, from Elasticsearch
(osmem-server, real HTTP) and from CloudWatch Logs (moto server, real HTTP) gets the same id."""

from __future__ import annotations

import datetime as dt

import pytest

from cw_support import logs_client, put_events
from es_support import index_docs
from triage.events import Progress
from triage.signatures import add_signatures
from triage.sources.cloudwatch import CloudWatchSource
from triage.sources.elasticsearch import ElasticsearchSource
from triage.sources.elasticsearch.connect import ConnectionSettings
from triage.sources.files import FileSource

# Recent: CloudWatch (and moto) refuse events older than its retention window.
START = dt.datetime.now(dt.timezone.utc).replace(minute=0, second=0, microsecond=0) - dt.timedelta(hours=3)
END = START + dt.timedelta(hours=1)
USERS = ["alice", "bob", "carol", "dave", "erin"]


def _events(n: int = 400) -> list[tuple[dt.datetime, str, str]]:
    """(time, level, message): several templates, some with word values, a few constants."""
    out = []
    for i in range(n):
        t = START + dt.timedelta(seconds=5 * i)
        kind = i % 5
        if kind == 0:
            out.append((t, "INFO", f"user {USERS[i % 5]} logged in from 10.0.{i % 200}.{i % 250}"))
        elif kind == 1:
            out.append((t, "ERROR", f"connect to host=mock-payments.internal port=8080 failed after {i % 900} ms"))
        elif kind == 2:
            out.append((t, "WARN", f"provider responded 401 Unauthorized for order ord-{1000 + i}"))
        elif kind == 3:
            out.append((t, "INFO", f"feature flag new_checkout={'true' if i % 2 else 'false'} for user {USERS[i % 5]}"))
        else:
            out.append((t, "INFO", f"GET /api/orders/{i} 200 {i % 300}ms"))
    return out


def _ids(events) -> dict[str, str]:
    ev = add_signatures(events)
    return dict(zip(ev["message"].astype(str), ev["signature"].astype(str)))


def _line(t: dt.datetime, level: str, msg: str) -> str:
    return f"{t.isoformat(timespec='milliseconds').replace('+00:00', 'Z')} {level} [api] {msg}"


@pytest.fixture(scope="module")
def events():
    return _events()


@pytest.fixture(scope="module")
def from_file(events, tmp_path_factory):
    path = tmp_path_factory.mktemp("logs") / "api.log"
    path.write_text("".join(_line(*e) + "\n" for e in events))
    return _ids(FileSource([str(path)]).load(START, END, Progress()).events)


def test_elasticsearch_gives_the_file_ids(events, from_file, osmem_server):
    clone = osmem_server.clone()
    try:
        docs = [{"@timestamp": t.isoformat().replace("+00:00", "Z"), "log": {"level": lvl},
                 "service": {"name": "api"}, "message": msg} for t, lvl, msg in events]
        index_docs(clone.url, "logs-ids", docs)
        src = ElasticsearchSource(ConnectionSettings(urls=[clone.url], timeout=10, retries=2), "logs-*")
        got = _ids(src.load(START, END, Progress()).events)
    finally:
        clone.close()
    assert len(got) == len(from_file) == len({m for _, _, m in events})
    assert got == from_file


def test_cloudwatch_gives_the_file_ids(events, from_file, cw_env):
    client = logs_client()
    client.create_log_group(logGroupName="/ecs/api")
    client.create_log_stream(logGroupName="/ecs/api", logStreamName="web/1")
    put_events(client, "/ecs/api", "web/1", [(int(t.timestamp() * 1000), _line(t, lvl, msg)) for t, lvl, msg in events])
    got = _ids(CloudWatchSource(["/ecs/api"]).load(START, END, Progress()).events)
    assert got == from_file


def test_id_does_not_depend_on_how_much_was_loaded(events, from_file, tmp_path):
    path = tmp_path / "few.log"
    path.write_text("".join(_line(*e) + "\n" for e in events[:12]))
    few = _ids(FileSource([str(path)]).load(START, END, Progress()).events)
    assert few and all(from_file[m] == sig for m, sig in few.items())
