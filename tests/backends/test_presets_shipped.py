"""Every shipped preset validates, is packaged, and selects the right events when run
against real back ends: local files, an OpenSearch-compatible server (osmem), and
CloudWatch (moto over HTTP).

One labelled corpus covers the six playbook checks; each preset must select exactly the
events labelled with its check, nothing else.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from cw_support import logs_client, put_events
from es_support import index_docs
from preset_support import command_parser
from triage.pipeline import load_incident
from triage.presets import apply_preset, filter_signatures, list_presets, load_preset, shipped_dir
from triage.sources.registry import build_source

REPO_QUERIES = Path(__file__).resolve().parents[2] / "queries"
CHECKS = ("http-5xx", "timeouts", "db-errors", "auth-failures", "oom-restarts", "config-env")
SOURCES = {"es": "elasticsearch", "cw": "cloudwatch", "files": "files"}

# (checks it belongs to, message, HTTP status, level)
CORPUS = [
    ({"http-5xx"}, "upstream failed while rendering cart", 500, "error"),
    ({"http-5xx"}, "Service Unavailable returned by inventory", None, "error"),
    ({"http-5xx", "timeouts"}, "Gateway Timeout from payments upstream", 504, "error"),
    ({"timeouts"}, "request to inventory timed out after 3000ms", None, "error"),
    ({"timeouts"}, "context deadline exceeded while calling payments", None, "error"),
    ({"timeouts"}, "ReadTimeout: read timed out calling search", None, "error"),
    ({"db-errors"}, "OperationalError: could not connect to server: Connection refused", None, "error"),
    ({"db-errors", "timeouts"}, "QueuePool limit of size 10 overflow 5 reached, connection timed out, timeout 30",
     None, "error"),
    ({"db-errors"}, "pool exhausted: waited 5000ms for a connection", None, "error"),
    ({"db-errors"}, "Deadlock found when trying to get lock; try restarting transaction", None, "error"),
    ({"auth-failures"}, "Unauthorized: token expired for client checkout-web", 401, "warn"),
    ({"auth-failures"}, "AccessDenied: signature does not match for the rotated key", None, "error"),
    ({"auth-failures"}, "permission check failed for user 42", 403, "warn"),
    ({"oom-restarts"}, "java.lang.OutOfMemoryError: Java heap space", None, "fatal"),
    ({"oom-restarts"}, "OOMKilled: container checkout exited with code 137", None, "error"),
    ({"oom-restarts"}, "Back-off restarting failed container payments in pod payments-7d9f", None, "warn"),
    ({"config-env"}, "KeyError: 'USE_MOCK_SERVICE' environment variable not set", None, "error"),
    ({"config-env"}, "POST https://mock-payments.staging.internal/charge failed", None, "error"),
    ({"config-env"}, "feature flag new_checkout enabled for all traffic", None, "info"),
    (set(), "GET /cart/123 200 in 12ms", 200, "info"),
    (set(), "user 42 logged in", None, "info"),
    (set(), "processed 500 items in 20ms", None, "info"),
    (set(), "GET /api/orders 404 Not Found", 404, "info"),
    (set(), "cache warmed: 1200 keys", None, "info"),
    (set(), "charged order 991 in 40ms", None, "info"),
]
REPEAT = 3  # each message a few times on both sides of the deploy


def expected(check: str) -> set[str]:
    return {msg for checks, msg, _, _ in CORPUS if check in checks}


def ecs_docs(deploy: datetime) -> list[dict]:
    """The corpus as ECS documents spread over deploy -25m .. +25m."""
    docs = []
    n = len(CORPUS) * REPEAT * 2
    for i in range(n):
        _, msg, status, level = CORPUS[i % len(CORPUS)]
        ts = deploy - timedelta(minutes=25) + timedelta(minutes=50) * i / n
        doc = {"@timestamp": ts.isoformat().replace("+00:00", "Z"), "log": {"level": level},
               "service": {"name": "web"}, "host": {"name": "pod-1"}, "message": msg}
        if status is not None:
            doc["http"] = {"response": {"status_code": status}}
        docs.append(doc)
    return docs


def preset_names(prefix: str) -> list[str]:
    return [f"{prefix}-{check}" for check in CHECKS]


# --- the files themselves ------------------------------------------------------------------

def test_every_check_is_shipped_for_every_source():
    names = {p.stem for p in REPO_QUERIES.glob("*.toml")}
    assert names == {f"{prefix}-{check}" for prefix in SOURCES for check in CHECKS}


@pytest.mark.parametrize("path", sorted(REPO_QUERIES.glob("*.toml")), ids=lambda p: p.stem)
def test_shipped_preset_validates(path):
    preset = load_preset(path)
    assert preset.source == SOURCES[path.stem.split("-", 1)[0]]
    assert preset.description and len(preset.description) <= 100


def test_packaged_copy_matches_the_repo_queries():
    """triage/queries/ is what gets installed; it must be a byte-identical copy of queries/.
    Fix with: cp queries/*.toml triage/queries/"""
    packaged = {p.name: p.read_bytes() for p in shipped_dir().glob("*.toml")}
    repo = {p.name: p.read_bytes() for p in REPO_QUERIES.glob("*.toml")}
    assert sorted(packaged) == sorted(repo)
    stale = [name for name in repo if packaged[name] != repo[name]]
    assert stale == [], f"run: cp queries/*.toml triage/queries/  (stale: {stale})"


def test_shipped_presets_are_found_by_name_from_anywhere(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TRIAGE_CONFIG_DIR", str(tmp_path / "cfg"))
    entries = list_presets()
    assert {e.name for e in entries} == {p.stem for p in REPO_QUERIES.glob("*.toml")}
    assert {e.origin for e in entries} == {"shipped"} and all(e.error is None for e in entries)


# --- files ------------------------------------------------------------------------------------

DEPLOY = datetime(2026, 3, 4, 14, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def corpus_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("logs") / "app.jsonl"
    path.write_text("".join(json.dumps(doc) + "\n" for doc in ecs_docs(DEPLOY)), encoding="utf-8")
    return path


def run(argv: list[str], deploy: datetime = DEPLOY):
    """What `triage report --preset ...` does: fill args, build the source, load, select."""
    args = apply_preset(command_parser().parse_args(argv))
    incident = load_incident(build_source(args), deploy=deploy, before=timedelta(minutes=30),
                             after=timedelta(minutes=30))
    return args, incident, filter_signatures(incident.events, args.loaded_preset)


@pytest.mark.parametrize("check", CHECKS)
def test_files_preset_selects_exactly_its_check(corpus_file, check):
    args, incident, selected = run(["--preset", f"files-{check}", str(corpus_file)])
    assert len(incident.events) == len(CORPUS) * REPEAT * 2
    assert set(selected["message"]) == expected(check)
    assert len(selected) == len(expected(check)) * REPEAT * 2


# --- Elasticsearch / OpenSearch (osmem) -----------------------------------------------------

@pytest.fixture(scope="module")
def cluster(osmem_server):
    clone = osmem_server.clone()
    index_docs(clone.url, "logs-app", ecs_docs(DEPLOY))
    index_docs(clone.url, "other-app", ecs_docs(DEPLOY))  # outside the preset's logs-* pattern
    yield clone
    clone.close()


@pytest.mark.parametrize("check", CHECKS)
def test_es_preset_query_selects_exactly_its_check(cluster, check):
    args, incident, selected = run(["--preset", f"es-{check}", "--es-url", cluster.url])
    assert args.index == "logs-*" and args.source == "elasticsearch"
    assert set(incident.events["message"]) == expected(check)  # filtered by the server
    assert len(incident.events) == len(expected(check)) * REPEAT * 2
    assert len(selected) == len(incident.events)


def test_es_preset_takes_the_cluster_from_its_env_reference(cluster, tmp_path, monkeypatch):
    queries = tmp_path / "queries"
    queries.mkdir()
    (queries / "team-5xx.toml").write_text(
        (REPO_QUERIES / "es-http-5xx.toml").read_text().replace('name = "es-http-5xx"', 'name = "team-5xx"')
        + '\n[connection]\nurl_env = "TEAM_ES_URL"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TEAM_ES_URL", cluster.url)
    _, incident, _ = run(["--preset", "team-5xx"])
    assert set(incident.events["message"]) == expected("http-5xx")


# --- CloudWatch (moto) ---------------------------------------------------------------------

_TERM = re.compile(r"^(?P<field>[\w.@]+)\s+(?:(?P<op>>=|=)\s*(?P<num>\d+)|in\s+\[(?P<set>[\d,\s]+)\])$")


def insights_filter(query: str):
    """A predicate for the subset of Logs Insights `filter` the shipped presets use
    (`@message like /re/`, `field >= N`, `field in [..]`, joined by `or`), because moto
    accepts Insights queries but ignores their `filter`."""
    assert query.startswith("filter ")
    tests = []
    for term in query[len("filter "):].split(" or "):
        term = term.strip()
        if term.startswith("@message like /"):
            assert term.endswith("/")
            rx = re.compile(term[len("@message like /"):-1])
            tests.append(lambda msg, _doc, rx=rx: bool(rx.search(msg)))
            continue
        m = _TERM.match(term)
        assert m, f"unsupported Insights term: {term}"
        field, op = m.group("field"), m.group("op")
        allowed = {int(x) for x in m.group("set").split(",")} if m.group("set") else None

        def check(_msg, doc, field=field, op=op, num=m.group("num"), allowed=allowed):  # noqa: B008  (bound now)
            value = doc
            for part in field.split("."):
                value = value.get(part) if isinstance(value, dict) else None
            if not isinstance(value, int):
                return False
            return value in allowed if allowed is not None else value >= int(num) if op == ">=" else value == int(num)

        tests.append(check)
    return lambda msg: any(t(msg, json.loads(msg)) for t in tests)


@pytest.mark.parametrize("check", CHECKS)
def test_cw_insights_filter_selects_exactly_its_check(check):
    preset = load_preset(REPO_QUERIES / f"cw-{check}.toml")
    keep = insights_filter(preset.get("query.insights"))
    raw = [json.dumps(doc) for doc in ecs_docs(DEPLOY)]
    assert {json.loads(r)["message"] for r in raw if keep(r)} == expected(check)


@pytest.fixture
def cw_incident(cw_env):
    deploy = datetime.now(timezone.utc).replace(second=0, microsecond=0) - timedelta(hours=1)
    client = logs_client()
    client.create_log_group(logGroupName="/ecs/web")
    client.create_log_stream(logGroupName="/ecs/web", logStreamName="web/1")
    docs = ecs_docs(deploy)
    put_events(client, "/ecs/web", "web/1",
               [(int(datetime.fromisoformat(d["@timestamp"].replace("Z", "+00:00")).timestamp() * 1000), json.dumps(d))
                for d in docs])
    return deploy, docs


@pytest.mark.parametrize("check", CHECKS)
def test_cw_preset_runs_its_insights_query(cw_incident, check):
    deploy, docs = cw_incident
    args, incident, _ = run(["--preset", f"cw-{check}", "--log-group", "/ecs/web"], deploy)
    assert (args.source, args.cw_mode, args.log_group) == ("cloudwatch", "insights", ["/ecs/web"])
    preset_filter = load_preset(REPO_QUERIES / f"cw-{check}.toml").get("query.insights")
    assert any(preset_filter in q for q in incident.queries)
    # moto ignores `filter`: every event comes back, read from the Insights results
    assert len(incident.events) == len(docs)
    assert set(incident.events["message"]) == {msg for _, msg, _, _ in CORPUS}


# --- end to end through the CLI ---------------------------------------------------------------

def test_report_with_a_files_preset_analyses_only_its_selection(corpus_file, capsys, tmp_path, monkeypatch):
    from triage.cli import main

    monkeypatch.chdir(tmp_path)
    argv = ["report", "--preset", "files-db-errors", str(corpus_file), "--deploy", "2026-03-04T14:00Z", "--format", "json"]
    assert main(argv) == 0
    captured = capsys.readouterr()
    note = json.loads(captured.out)
    templates = {s["template"] for s in note["signatures"]}
    assert len(templates) == len(expected("db-errors"))
    assert all(re.search(r"(?i)deadlock|pool|refused", t) for t in templates)
    kept = len(expected("db-errors")) * REPEAT * 2
    assert f"preset 'files-db-errors' kept {kept} of {len(CORPUS) * REPEAT * 2} events" in captured.err


def test_report_with_a_broken_preset_is_one_clear_line(tmp_path, capsys, monkeypatch):
    from triage.cli import main

    (tmp_path / "queries").mkdir()
    (tmp_path / "queries" / "mine.toml").write_text('source = "files"\n[window]\nbefore = "ages"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["report", "--preset", "mine", "x.log", "--deploy", "now"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("triage: error: ") and "mine.toml:3: key 'window.before'" in err
    assert "Traceback" not in err
