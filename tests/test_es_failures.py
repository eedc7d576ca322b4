"""Failures a real cluster throws at us, injected by a local HTTP server in front of osmem."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from es_support import DEPLOY, Fault, Proxy, free_port, index_docs, make_docs, recorder, self_signed_cert

from triage.events import Progress, SourceError
from triage.sources.es_connect import ConnectionSettings, Credentials
from triage.sources.elasticsearch import ElasticsearchSource

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
