"""Failures a real cluster throws at us, injected by a local HTTP server in front of osmem."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from es_support import DEPLOY, Fault, Proxy, free_port, index_docs, make_docs, recorder, self_signed_cert
from triage.events import Progress, SourceError
from triage.sources.elasticsearch import ElasticsearchSource
from triage.sources.elasticsearch.connect import ConnectionSettings, Credentials

N_DOCS = 3000
START = DEPLOY - dt.timedelta(minutes=30)
END = DEPLOY + dt.timedelta(minutes=30)
SECRET = "s3cr3t-Pa55word"


@pytest.fixture(scope="module")
def upstream(osmem_server):
    clone = osmem_server.clone()
    index_docs(clone.url, "logs-app", make_docs(N_DOCS))
    yield clone.url
    clone.close()


@pytest.fixture(params=["opensearch", "elasticsearch"])
def proxy(request, upstream):
    with Proxy(upstream, elasticsearch=request.param == "elasticsearch") as p:
        yield p


def load(url: str, *, timeout: float = 5, retries: int = 2, creds: Credentials | None = None, **kw):
    settings = ConnectionSettings(urls=[url], timeout=timeout, retries=retries, backoff=0.02,
                                  credentials=creds or Credentials(),
                                  ca_certs=kw.pop("ca", None), insecure=kw.pop("insecure", False))
    progress = kw.pop("progress", None) or Progress()
    return ElasticsearchSource(settings, "logs-*", page_size=kw.pop("page_size", 1000), **kw).load(START, END, progress)


def test_401_says_which_env_vars_and_never_the_secret(proxy):
    proxy.add(Fault(r"^GET /$", "status", status=401, times=None))
    with pytest.raises(SourceError) as err:
        load(proxy.url, creds=Credentials(username="ops", password=SECRET))
    text = f"{err.value} {err.value.hint}"
    assert "401" in text and "basic auth" in text and "ELASTIC_API_KEY" in text and "ELASTIC_PASSWORD" in text
    assert SECRET not in text and SECRET not in repr(err.value)


def test_403_on_search_names_the_privileges(proxy):
    proxy.add(Fault(r"_search", "status", status=403, times=None))
    with pytest.raises(SourceError) as err:
        load(proxy.url)
    assert "403" in str(err.value) and "privileges" in err.value.hint


def test_credentials_are_sent_but_not_described(proxy):
    proxy_url = proxy.url.replace("http://", f"http://ops:{SECRET}@")
    settings = ConnectionSettings(urls=[proxy_url], credentials=Credentials(api_key="id:" + SECRET))
    src = ElasticsearchSource(settings, "logs-*")
    assert SECRET not in src.describe() and "ops" not in src.describe()
    assert src.describe().endswith(f"@ {proxy.url}")
    src.load(DEPLOY, DEPLOY + dt.timedelta(minutes=1), Progress())
    auth = {h.get("authorization", "") for _, _, h in proxy.requests}
    assert auth and all(a.startswith("ApiKey ") for a in auth)  # API key wins over URL userinfo


def test_429_is_retried_with_backoff_then_succeeds(proxy):
    proxy.add(Fault(r"^POST /_search", "status", status=429, times=2, skip=1))
    seen, callback = recorder()
    result = load(proxy.url, progress=Progress(callback))
    assert len(result.events) == N_DOCS and not result.report.partial
    assert any("throttling (429)" in msg and "retrying" in msg for _, _, msg in seen)


def test_503_every_time_gives_up_with_a_hint(proxy):
    proxy.add(Fault(r"_search", "status", status=503, times=None))
    with pytest.raises(SourceError) as err:
        load(proxy.url, retries=1)
    assert "unavailable (503)" in str(err.value) and "after 2 attempts" in str(err.value)
    assert "_cluster/health" in err.value.hint


def test_500_is_not_retried(proxy):
    fault = proxy.add(Fault(r"_field_caps", "status", status=500, times=None))
    with pytest.raises(SourceError) as err:
        load(proxy.url)
    assert "HTTP 500" in str(err.value) and fault.fired == 1


def test_malformed_json_is_reported(proxy):
    proxy.add(Fault(r"_field_caps", "malformed", times=None))
    with pytest.raises(SourceError) as err:
        load(proxy.url, retries=1)
    assert "not valid JSON" in str(err.value) and "proxy" in err.value.hint


def test_slow_cluster_times_out(proxy):
    proxy.add(Fault(r"_field_caps", "slow", delay=1.5, times=None))
    with pytest.raises(SourceError) as err:
        load(proxy.url, timeout=0.5, retries=0)
    assert "did not answer within 0.5 s" in str(err.value) and "--es-timeout" in err.value.hint


def test_one_dropped_connection_mid_paging_is_retried(proxy):
    proxy.add(Fault(r"^POST /_search", "drop", skip=3, times=1))
    result = load(proxy.url)
    assert len(result.events) == N_DOCS and not result.report.partial
    ids = {json.loads(f)["_id"] for f in result.events["fields"]}
    assert len(ids) == N_DOCS


def test_connection_lost_for_good_keeps_partial_results(proxy):
    proxy.add(Fault(r"^POST /_search", "drop", skip=1, times=None))  # pages go to /_search with the PIT
    result = load(proxy.url, retries=1)
    assert len(result.events) == 1000 and result.report.partial
    assert "PARTIAL" in result.report.warning() and "stopped after 1,000" in result.report.warning()
    assert any(line.startswith(("DELETE /_pit", "DELETE /_search/point_in_time")) for line in proxy.lines())


def test_connection_refused():
    with pytest.raises(SourceError) as err:
        load(f"http://127.0.0.1:{free_port()}")
    assert "cannot connect" in str(err.value) and "--es-url" in err.value.hint


def test_dns_failure():
    with pytest.raises(SourceError) as err:
        load("http://no-such-host.invalid:9200", timeout=3)
    assert "resolve" in str(err.value) and "DNS" in err.value.hint


def test_tls_untrusted_then_ca_bundle_then_insecure(upstream, tmp_path):
    cert, key = self_signed_cert(tmp_path)
    with Proxy(upstream, tls=(cert, key)) as proxy:
        with pytest.raises(SourceError) as err:
            load(proxy.url)
        assert "TLS" in str(err.value) and "--es-ca" in err.value.hint
        assert len(load(proxy.url, ca=cert).events) == N_DOCS
        assert len(load(proxy.url, insecure=True).events) == N_DOCS


def test_missing_ca_file_is_a_clear_error(tmp_path):
    with pytest.raises(SourceError) as err:
        load("https://127.0.0.1:9", ca=str(tmp_path / "nope.pem"))
    assert "CA bundle not found" in str(err.value)


def test_forbidden_root_falls_back_to_the_named_flavor(upstream):
    with Proxy(upstream, elasticsearch=True) as proxy:
        proxy.add(Fault(r"^GET /$", "status", status=403, times=None))
        settings = ConnectionSettings(urls=[proxy.url], default_flavor="elasticsearch", timeout=5)
        src = ElasticsearchSource(settings, "logs-*")
        assert len(src.load(START, END, Progress()).events) == N_DOCS
        assert src.kind == "elasticsearch"


def test_cancel_during_backoff_stops_at_once(proxy):
    import time

    proxy.add(Fault(r"^POST /_search", "status", status=429, skip=1, times=None,
                    headers={"Retry-After": "30"}))
    progress = Progress()

    def on_progress(done, total, message):
        if "retrying" in message:
            progress.cancel()

    progress._callback = on_progress
    started = time.monotonic()
    from triage.events import Cancelled

    with pytest.raises(Cancelled) as exc:
        load(proxy.url, retries=5, progress=progress)
    assert time.monotonic() - started < 10
    assert len(exc.value.partial.events) == 1000 and exc.value.partial.report.partial


def test_aws_sigv4_signs_every_request_from_the_credential_chain(upstream, monkeypatch):
    from triage.sources.elasticsearch.connect import aws_region_and_service

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDTRIAGETEST000001")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    with Proxy(upstream) as proxy:
        settings = ConnectionSettings(urls=[proxy.url], aws_sigv4=True, aws_region="eu-west-1", timeout=5,
                                      credentials=Credentials(aws=True))
        src = ElasticsearchSource(settings, "logs-*")
        assert len(src.load(START, END, Progress()).events) == N_DOCS
        auths = [h.get("authorization", "") for _, _, h in proxy.requests]
        assert auths and all(a.startswith("AWS4-HMAC-SHA256 Credential=AKIDTRIAGETEST000001/") for a in auths)
        assert all("/eu-west-1/es/aws4_request" in a for a in auths)
        assert all(SECRET not in a for a in auths) and SECRET not in src.describe()
        proxy.add(Fault(r".", "status", status=403, times=None))
        with pytest.raises(SourceError) as err:
            src.load(START, END, Progress())
        assert "403" in str(err.value) and "access policy" in err.value.hint
    assert aws_region_and_service("search-logs-abc123.eu-central-1.es.amazonaws.com") == ("eu-central-1", "es")
    assert aws_region_and_service("abc.us-east-1.aoss.amazonaws.com") == ("us-east-1", "aoss")
    assert aws_region_and_service("localhost") == (None, "es")


def test_aws_sigv4_without_region_or_credentials_is_a_clear_error(monkeypatch, tmp_path):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
                 "AWS_REGION", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    settings = ConnectionSettings(urls=["https://127.0.0.1:9"], aws_sigv4=True, timeout=2)
    with pytest.raises(SourceError) as err:
        ElasticsearchSource(settings, "logs-*").load(START, END, Progress())
    assert "AWS" in str(err.value) and "AWS_PROFILE" in err.value.hint
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDTRIAGETEST000001")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    with pytest.raises(SourceError) as err:
        ElasticsearchSource(settings, "logs-*").load(START, END, Progress())
    assert "region" in str(err.value) and "--region" in err.value.hint


def test_cluster_without_shard_doc_sort_is_paged_on_the_timestamp(proxy):
    proxy.add(Fault(r"^POST /_search", "status", status=400, times=1,
                    reason="No mapping found for [_shard_doc] in order to sort on"))
    result = load(proxy.url)
    assert len(result.events) == N_DOCS  # make_docs timestamps are distinct, so nothing is lost
    pages = [b for (m, p, _), b in zip(proxy.requests, proxy.bodies) if m == "POST" and p.startswith("/_search")]
    assert b"_shard_doc" in pages[0] and all(b"_shard_doc" not in b for b in pages[1:])


def test_cluster_without_point_in_time_is_paged_on_the_index(proxy):
    proxy.add(Fault(r"_pit|point_in_time", "status", status=404, times=None))
    result = load(proxy.url)
    assert len(result.events) == N_DOCS
    assert any("point in time unavailable" in n for n in result.report.notes)
    assert not any(line.startswith("POST /_search") for line in proxy.lines())  # every page names the index
