"""`triage report --source elasticsearch|opensearch` end to end, and the option plumbing."""

from __future__ import annotations

import argparse
import json

import pytest

from es_support import DEPLOY, Proxy, free_port, index_docs, make_docs
from triage.cli import main
from triage.events import SourceError
from triage.sources.elasticsearch import DEFAULT_MAX_DOCS, from_args
from triage.sources.registry import add_source_arguments, build_source

N_DOCS = 4000


@pytest.fixture(scope="module")
def url(osmem_server):
    clone = osmem_server.clone()
    index_docs(clone.url, "logs-app", make_docs(N_DOCS))
    yield clone.url
    clone.close()


def report(capsys, *args) -> tuple[int, str, str]:
    rc = main(["report", "--deploy", DEPLOY.isoformat(), *args])
    out = capsys.readouterr()
    return rc, out.out, out.err


def test_report_over_opensearch_finds_new_and_gone(url, capsys):
    rc, out, err = report(capsys, "--source", "opensearch", "--es-url", url, "--index", "logs-*", "--format", "json")
    assert rc == 0, err
    doc = json.loads(out)
    sigs = {s["template"]: s for s in doc["signatures"]}
    new = [t for t, s in sigs.items() if s["status"] == "NEW"]
    gone = [t for t, s in sigs.items() if s["status"] == "GONE"]
    assert any("ConnectionError" in t for t in new) and any("KeyError" in t for t in gone)
    assert doc["sources"] == [f"opensearch logs-* @ {url}"] and doc["queries"] == ["logs-*: *"]
    assert doc["events"] == N_DOCS and not doc["estimated"]


def test_report_with_elasticsearch_client_sampled(url, capsys):
    with Proxy(url, elasticsearch=True) as proxy:
        rc, out, err = report(capsys, "--source", "elasticsearch", "--es-url", proxy.url, "--index", "logs-*",
                              "--es-max-docs", "1000", "--format", "json")
    assert rc == 0, err
    doc = json.loads(out)
    assert doc["estimated"] and doc["load_report"]["estimated"]
    assert doc["load_report"]["scale"] > 3
    assert "ESTIMATES" in err  # the headless warning says so
    assert any(s["status"] == "NEW" and "ConnectionError" in s["template"] for s in doc["signatures"])
    assert doc["sources"][0].startswith("elasticsearch logs-*")


def test_url_from_environment(url, capsys, monkeypatch):
    monkeypatch.setenv("ELASTICSEARCH_URL", url)
    rc, out, err = report(capsys, "--source", "opensearch", "--index", "logs-app", "--query", "NOT message:KeyError")
    assert rc == 0, err
    assert "ConnectionError" in out and "3,900 loaded" in out and "format_receipt" not in out


@pytest.mark.parametrize("args, expected", [
    (["--index", "logs-*"], "no opensearch address given"),
    (["--es-url", "http://127.0.0.1:1"], "no index given"),
    (["--es-url", "http://x", "--index", "i", "--es-field", "colour=c"], "bad --es-field"),
    (["--es-url", "http://x", "--index", "i", "--es-filter", "novalue"], "bad --es-filter"),
    (["--es-url", "http://x", "--index", "i", "--es-metric", "cpu@"], "bad --es-metric"),
])
def test_bad_options_are_one_line_errors(capsys, monkeypatch, args, expected):
    monkeypatch.delenv("ELASTICSEARCH_URL", raising=False)
    monkeypatch.delenv("ELASTIC_CLOUD_ID", raising=False)
    rc, out, err = report(capsys, "--source", "opensearch", *args)
    assert rc != 0 and expected in err and "Traceback" not in err
    assert err.startswith("triage: error:") and err.count("\n") == 1


def test_unreachable_cluster_is_a_clean_error(capsys, monkeypatch):
    monkeypatch.setenv("ELASTIC_PASSWORD", "hunter2-secret")
    monkeypatch.setenv("ELASTIC_USERNAME", "ops")
    rc, out, err = report(capsys, "--source", "elasticsearch", "--es-url", f"http://ops:pw-in-url@127.0.0.1:{free_port()}",
                          "--index", "logs-*")
    assert rc == 1 and "cannot connect to http://127.0.0.1:" in err and "Traceback" not in err
    assert "hunter2" not in err and "pw-in-url" not in err


def test_registry_builds_the_source_with_all_options(monkeypatch, tmp_path):
    monkeypatch.setenv("ELASTIC_API_KEY", "abc:def")
    parser = argparse.ArgumentParser()
    add_source_arguments(parser)
    args = parser.parse_args(["--source", "elasticsearch", "--es-url", "https://a:9200", "--es-url", "https://b:9200",
                              "--index", "filebeat-*", "--query", "NOT log.level:debug",
                              "--es-field", "level=severity", "--es-field", "status=code",
                              "--es-metric", "system.cpu.total.norm.pct@metricbeat-*",
                              "--es-filter", "service.name=checkout,payments",
                              "--es-ca", "/etc/ca.pem", "--es-timeout", "12", "--es-flavor", "opensearch"])
    src = build_source(args)
    s = src.settings
    assert s.urls == ["https://a:9200", "https://b:9200"] and s.flavor == "opensearch" and s.timeout == 12
    assert s.ca_certs == "/etc/ca.pem" and s.credentials.method() == "API key"
    assert src.field_overrides == {"level": "severity", "http_status": "code"}
    assert src.filters == [("service.name", ["checkout", "payments"])]
    assert src.max_docs == DEFAULT_MAX_DOCS and src.kind == "opensearch"
    assert src.queries() == ["filebeat-*: NOT log.level:debug AND service.name:(checkout OR payments)"]
    assert "abc" not in src.describe()


def test_cloud_id_means_elasticsearch(monkeypatch):
    monkeypatch.setenv("ELASTIC_CLOUD_ID", "prod-logs:ZXUtd2VzdC0xLmF3cy5mb3VuZC5pbyRhYmMkZGVm")
    monkeypatch.delenv("ELASTICSEARCH_URL", raising=False)
    parser = argparse.ArgumentParser()
    add_source_arguments(parser)
    src = from_args(parser.parse_args(["--source", "elasticsearch", "--index", "logs-*"]))
    assert src.settings.cloud_id.startswith("prod-logs:") and src.describe() == "elasticsearch logs-* @ Elastic Cloud prod-logs"
    with pytest.raises(SourceError):
        src.settings.flavor = "opensearch"
        from triage.sources.elasticsearch.connect import connect

        connect(src.settings)


def test_aws_sigv4_option_uses_the_cloudwatch_region_and_profile_options():
    parser = argparse.ArgumentParser()
    add_source_arguments(parser)
    args = parser.parse_args(["--source", "opensearch", "--es-url", "https://search-x.eu-west-1.es.amazonaws.com",
                              "--index", "logs-*", "--es-aws-sigv4", "--region", "eu-west-1", "--profile", "prod"])
    s = from_args(args).settings
    assert s.aws_sigv4 and s.aws_region == "eu-west-1" and s.aws_profile == "prod"
    assert s.credentials.method() == "AWS SigV4"
