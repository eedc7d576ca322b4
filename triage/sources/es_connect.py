"""Connecting to Elasticsearch or OpenSearch with their official clients.

One small facade (`Cluster`) hides the two clients' differences (point-in-time API,
auth options) and turns every failure into a `SourceError` whose hint says what to fix.
Credentials come only from environment variables and never appear in messages.
"""

from __future__ import annotations

import base64
import os
import random
import re
import time
from dataclasses import dataclass, field
from typing import Any, Callable
from urllib.parse import urlsplit, urlunsplit

from triage.events import Progress, SourceError

FLAVORS = ("auto", "elasticsearch", "opensearch")
RETRY_STATUSES = (429, 502, 503, 504)

ENV_URL = "ELASTICSEARCH_URL"
ENV_CLOUD_ID = "ELASTIC_CLOUD_ID"
ENV_API_KEY = "ELASTIC_API_KEY"
ENV_USERNAME = "ELASTIC_USERNAME"
ENV_PASSWORD = "ELASTIC_PASSWORD"
ENV_BEARER = "ELASTIC_BEARER_TOKEN"


@dataclass
class Credentials:
    """At most one auth method, read from the environment (or URL userinfo)."""

    api_key: str | None = None
    username: str | None = None
    password: str | None = None
    bearer: str | None = None
    aws: bool = False  # requests are signed with AWS credentials instead

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> "Credentials":
        env = os.environ if env is None else env
        return cls(
            api_key=env.get(ENV_API_KEY) or None,
            username=env.get(ENV_USERNAME) or None,
            password=env.get(ENV_PASSWORD) or None,
            bearer=env.get(ENV_BEARER) or None,
        )

    def method(self) -> str:
        if self.aws:
            return "AWS SigV4"
        if self.api_key:
            return "API key"
        if self.bearer:
            return "bearer token"
        if self.username:
            return "basic auth"
        return "no credentials"

    def auth_header(self) -> dict[str, str]:
        """Authorization header for API key or bearer auth (basic goes through the client's own option)."""
        if self.api_key:
            key = self.api_key
            if ":" in key:  # "id:api_key" form; the header wants it base64-encoded
                key = base64.b64encode(key.encode()).decode()
            return {"Authorization": f"ApiKey {key}"}
        if self.bearer:
            return {"Authorization": f"Bearer {self.bearer}"}
        return {}


@dataclass
class ConnectionSettings:
    urls: list[str] = field(default_factory=list)
    cloud_id: str | None = None
    flavor: str = "auto"
    ca_certs: str | None = None
    insecure: bool = False
    timeout: float = 30.0
    retries: int = 4
    default_flavor: str = "elasticsearch"  # used when GET / is forbidden (read-only keys often lack `monitor`)
    aws_sigv4: bool = False  # Amazon OpenSearch Service / Serverless with IAM: sign with the AWS credential chain
    aws_region: str | None = None
    aws_profile: str | None = None
    backoff: float = 0.25  # first retry waits about 2x this, doubling up to 8 s
    credentials: Credentials = field(default_factory=Credentials)

    def where(self) -> str:
        """Where we connect, safe to print: URLs without userinfo, or the cloud deployment name."""
        if self.cloud_id:
            return "Elastic Cloud " + self.cloud_id.split(":", 1)[0]
        return ", ".join(safe_url(u) for u in self.urls) or "(no URL)"


def safe_url(url: str) -> str:
    """The URL with any user:password@ removed (also query strings, which may carry tokens)."""
    try:
        parts = urlsplit(url if "://" in url else "http://" + url)
    except ValueError:
        return "(unparsable URL)"
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = host + (f":{parts.port}" if _port(parts) else "")
    return urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))


def _port(parts) -> int | None:
    try:
        return parts.port
    except ValueError:
        return None


def split_userinfo(url: str) -> tuple[str, str | None, str | None]:
    """(url without userinfo, username, password): users sometimes paste https://user:pw@host."""
    parts = urlsplit(url if "://" in url else "http://" + url)
    if parts.username is None:
        return url, None, None
    from urllib.parse import unquote

    netloc = parts.netloc.rsplit("@", 1)[1]
    clean = urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    return clean, unquote(parts.username), unquote(parts.password or "")


class Cluster:
    """One connected cluster of either flavor, with retrying calls and readable failures."""

    def __init__(self, settings: ConnectionSettings, flavor: str, client: Any):
        self.settings = settings
        self.flavor = flavor
        self.client = client
        self.version = ""

    # -- the handful of calls the source needs -------------------------------------------
    def info(self) -> dict:
        return self.call(lambda: _body(self.client.info()), "connecting", retry_connect=False)

    def search(self, body: dict, *, index: str | None = None, filter_path: str | None = None,
               progress: Progress | None = None, what: str = "searching") -> dict:
        def run():
            if self.flavor == "elasticsearch":
                return _body(self.client.search(index=index, body=body, filter_path=filter_path))
            params = {"filter_path": filter_path} if filter_path else None
            return self.client.search(index=index, body=body, params=params)

        return self.call(run, what, progress=progress)

    def field_caps(self, index: str, fields: list[str]) -> dict:
        def run():
            if self.flavor == "elasticsearch":
                return _body(self.client.field_caps(index=index, fields=fields, ignore_unavailable=True,
                                                    allow_no_indices=True))
            return self.client.field_caps(index=index, params={"fields": ",".join(fields),
                                                               "ignore_unavailable": "true",
                                                               "allow_no_indices": "true"})

        return self.call(run, "reading the index mapping")

    def open_pit(self, index: str, keep_alive: str) -> str:
        if self.flavor == "elasticsearch":
            res = self.call(lambda: _body(self.client.open_point_in_time(index=index, keep_alive=keep_alive)),
                            "opening a point in time")
            return res["id"]
        res = self.call(lambda: self.client.create_pit(index=index, params={"keep_alive": keep_alive}),
                        "opening a point in time")
        return res["pit_id"]

    def close_pit(self, pit_id: str) -> None:
        """Best effort: the cluster frees it after keep_alive anyway."""
        try:
            if self.flavor == "elasticsearch":
                self.client.close_point_in_time(id=pit_id)
            else:
                self.client.delete_pit(body={"pit_id": [pit_id]})
        except Exception:  # noqa: BLE001 - closing must never mask the real outcome
            pass

    def close(self) -> None:
        try:
            self.client.close()
        except Exception:  # noqa: BLE001
            pass

    # -- retries and error translation ----------------------------------------------------
    def call(self, fn: Callable[[], Any], what: str, *, progress: Progress | None = None,
             retry_connect: bool = True) -> Any:
        """Run one request; retry throttling/unavailability (and dropped connections) with backoff."""
        attempt = 0
        while True:
            try:
                return fn()
            except Exception as exc:  # noqa: BLE001 - translated below
                failure = classify(exc)
                transient = failure.status in RETRY_STATUSES or (
                    retry_connect and failure.kind in ("connection", "timeout", "malformed"))
                if not transient or attempt >= self.settings.retries:
                    raise failure.to_source_error(self.settings, what, attempt) from None
                attempt += 1
                delay = failure.retry_after or min(8.0, self.settings.backoff * 2 ** attempt) * (0.75 + random.random() / 2)
                if progress is not None:
                    progress.update(message=f"{failure.short()}; retrying in {delay:.1f} s (attempt {attempt})")
                _sleep(delay, progress)
                if progress is not None and progress.cancelled:
                    raise failure.to_source_error(self.settings, what, attempt) from None


def _sleep(seconds: float, progress: Progress | None) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if progress is not None and progress.cancelled:
            return
        time.sleep(min(0.05, max(0.0, deadline - time.monotonic())))


def _body(response: Any) -> Any:
    return getattr(response, "body", response)


@dataclass
class Failure:
    """A failed request reduced to what matters for the user."""

    kind: str  # connection, dns, tls, timeout, http, malformed, product, other
    status: int | None = None
    error_type: str = ""
    reason: str = ""
    retry_after: float | None = None

    def short(self) -> str:
        if self.status == 429:
            return "cluster is throttling (429)"
        if self.status:
            return f"HTTP {self.status}"
        return self.kind

    def to_source_error(self, settings: ConnectionSettings, what: str, retries: int) -> SourceError:
        message, hint = explain(self, settings)
        tried = f" after {retries + 1} attempts" if retries else ""
        return EsError(f"{what} failed{tried}: {message}", hint, failure=self)


class EsError(SourceError):
    """SourceError carrying the classified failure (tests and the pager look at `failure.kind`)."""

    def __init__(self, message: str, hint: str = "", *, failure: Failure | None = None):
        super().__init__(message, hint)
        self.failure = failure


_DNS_MARKERS = ("name or service not known", "nodename nor servname", "getaddrinfo failed",
                "temporary failure in name resolution", "no address associated", "nameresolutionerror",
                "name resolution")
_TLS_MARKERS = ("certificate", "ssl", "tls", "wrong version number")


def classify(exc: BaseException) -> Failure:
    """Map either client's exception onto a Failure (no credentials ever copied)."""
    status, body = _status_and_body(exc)
    if status is not None:
        error_type, reason = _error_text(body)
        return Failure("http", status, error_type, reason, _retry_after(exc))
    text = _chain_text(exc).lower()
    name = type(exc).__name__
    if name == "UnsupportedProductError":
        return Failure("product", reason="the server did not identify itself as Elasticsearch")
    if "Serialization" in name or "jsondecodeerror" in text or "expecting value" in text:
        return Failure("malformed", reason="the response was not valid JSON")
    if "Timeout" in name or "timed out" in text or "timeout" in text:
        return Failure("timeout")
    if any(m in text for m in _DNS_MARKERS):
        return Failure("dns")
    if "Tls" in name or "SSL" in name or any(m in text for m in _TLS_MARKERS):
        return Failure("tls", reason=_first_line(text))
    if "ConnectionError" in name or "refused" in text or "connection" in text:
        return Failure("connection", reason=_first_line(text))
    return Failure("other", reason=f"{name}: {_first_line(str(exc))}")


def _status_and_body(exc: BaseException) -> tuple[int | None, Any]:
    meta = getattr(exc, "meta", None)
    if meta is not None and isinstance(getattr(meta, "status", None), int):
        return meta.status, getattr(exc, "body", None)
    code = getattr(exc, "status_code", None)
    if isinstance(code, int):
        return code, getattr(exc, "info", None)
    return None, None


def _error_text(body: Any) -> tuple[str, str]:
    """(every error type on the cause chain, comma-joined; the most specific reason)."""
    if isinstance(body, dict):
        err = body.get("error", body)
        if isinstance(err, dict):
            chain = _cause_chain(err)
            roots = err.get("root_cause") if isinstance(err.get("root_cause"), list) else []
            types = [str(e.get("type")) for e in chain + [r for r in roots if isinstance(r, dict)] if e.get("type")]
            reason = next((str(e["reason"]) for e in reversed(chain) if e.get("reason")), "")
            return ",".join(dict.fromkeys(types)), reason
        return "", str(err)
    return "", "" if body is None else _first_line(str(body))


def _cause_chain(err: dict) -> list[dict]:
    chain = [err]
    while isinstance(chain[-1].get("caused_by"), dict) and len(chain) < 10:
        chain.append(chain[-1]["caused_by"])
    return chain


def _retry_after(exc: BaseException) -> float | None:
    meta = getattr(exc, "meta", None)
    headers = getattr(meta, "headers", None) or {}
    value = headers.get("retry-after") if hasattr(headers, "get") else None
    try:
        return min(30.0, float(value)) if value else None
    except ValueError:
        return None


def _chain_text(exc: BaseException) -> str:
    seen, parts, todo = set(), [], [exc]
    while todo:
        e = todo.pop()
        if id(e) in seen or len(seen) > 20:
            continue
        seen.add(id(e))
        parts.append(f"{type(e).__name__}: {e}")
        todo.extend(x for x in (e.__cause__, e.__context__) if x is not None)
        todo.extend(x for x in getattr(e, "errors", ()) or () if isinstance(x, BaseException))
        todo.extend(x for x in getattr(e, "args", ()) if isinstance(x, BaseException))
        info = getattr(e, "info", None)
        if isinstance(info, BaseException):
            todo.append(info)
    return " | ".join(parts)


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0][:300] if text.strip() else ""


def explain(f: Failure, s: ConnectionSettings) -> tuple[str, str]:
    """(message, hint) for a failure; the hint says what to change."""
    where = s.where()
    if f.kind == "dns":
        return f"cannot resolve the host name of {where}", "check the spelling of --es-url (or ELASTICSEARCH_URL) and your DNS/VPN"
    if f.kind == "connection":
        return f"cannot connect to {where}", "is the cluster running and reachable? check --es-url, the port, http vs https, and firewalls/VPN"
    if f.kind == "tls":
        return f"TLS/certificate problem with {where}", "pass the cluster's CA bundle with --es-ca FILE, or --es-insecure to skip verification (testing only); use http:// if the cluster has no TLS"
    if f.kind == "timeout":
        return f"{where} did not answer within {s.timeout:g} s", "raise --es-timeout, narrow the time window or the query, or check cluster health"
    if f.kind == "malformed":
        return f"{where} sent a response that is not valid JSON", "is --es-url pointing at Elasticsearch/OpenSearch and not a proxy or login page?"
    if f.kind == "product":
        return f"{where} is not Elasticsearch", "use --es-flavor opensearch for OpenSearch clusters"
    if f.kind == "http":
        return _explain_http(f, s)
    return f"unexpected error talking to {where}: {f.reason}", "re-run with a narrower query; report this if it persists"


def _explain_http(f: Failure, s: ConnectionSettings) -> tuple[str, str]:
    detail = f": {f.reason}" if f.reason else (f": {f.error_type}" if f.error_type else "")
    if f.status in (401, 403) and s.aws_sigv4:
        return (f"AWS rejected the signed request ({f.status}){detail}",
                "check the AWS credentials/profile, --region, and that the domain's access policy (or the "
                "collection's data access policy) allows this IAM identity to read the index")
    if f.status == 401:
        return (f"authentication failed (401) using {s.credentials.method()}",
                f"set {ENV_API_KEY}, or {ENV_USERNAME} and {ENV_PASSWORD}, or {ENV_BEARER} to valid credentials")
    if f.status == 403:
        return (f"permission denied (403){detail}",
                "the user/API key needs read and view_index_metadata privileges on the index pattern (and monitor for GET /)")
    if f.status == 404 or "index_not_found" in f.error_type:
        return f"index not found{detail}", "check --index; wildcards like logs-* match only existing indices, see GET _cat/indices"
    if f.status == 400:
        if "parse" in f.error_type or "query_shard" in f.error_type:
            return (f"the query could not be parsed (400){detail}",
                    "check --query syntax (Lucene query string: field:value AND other:\"quoted value\")")
        return f"the cluster rejected the request (400){detail}", "check --query, --es-filter, --es-field names and field types"
    if f.status == 429:
        return "the cluster kept throttling requests (429)", "try again later, narrow the window, or lower --es-max-docs"
    if f.status in (502, 503, 504):
        return f"the cluster is unavailable ({f.status}){detail}", "check cluster health (GET _cluster/health) and try again"
    return f"HTTP {f.status}{detail}", "check cluster health and the request options"


def connect(settings: ConnectionSettings) -> Cluster:
    """Build the right client; detect the flavor from GET / unless the user said."""
    if not settings.urls and not settings.cloud_id:
        raise SourceError("no Elasticsearch/OpenSearch address given",
                          f"pass --es-url URL (or set {ENV_URL}), or --es-cloud-id (or {ENV_CLOUD_ID})")
    if settings.ca_certs and not os.path.isfile(settings.ca_certs):
        raise SourceError(f"CA bundle not found: {settings.ca_certs}", "pass an existing PEM file to --es-ca")
    flavor = settings.flavor
    if settings.cloud_id and flavor == "auto":
        flavor = "elasticsearch"
    if settings.aws_sigv4:
        if flavor == "elasticsearch":
            raise SourceError("AWS SigV4 signing is for Amazon OpenSearch Service", "drop --es-flavor elasticsearch")
        flavor = "opensearch"
    info: dict | None = None
    if flavor == "auto":
        probe = Cluster(settings, "opensearch", _opensearch_client(settings))
        try:
            info = _info_unless_forbidden(probe)
        finally:
            probe.close()
        flavor = detect_flavor(info) if info is not None else settings.default_flavor
    cluster = Cluster(settings, flavor, _make_client(settings, flavor))
    try:
        info = _info_unless_forbidden(cluster)
    except SourceError:
        cluster.close()
        raise
    cluster.version = str(((info or {}).get("version") or {}).get("number", ""))
    return cluster


def _info_unless_forbidden(cluster: Cluster) -> dict | None:
    """GET / needs the `monitor` privilege; a key that may only read indices still gets to search."""
    try:
        return cluster.info()
    except EsError as exc:
        if exc.failure is not None and exc.failure.status in (403, 404):  # 404: OpenSearch Serverless has no GET /
            return None
        raise


def detect_flavor(info: dict) -> str:
    version = info.get("version") or {}
    if version.get("distribution") == "opensearch" or "opensearch" in str(info.get("tagline", "")).lower():
        return "opensearch"
    return "elasticsearch"


def _make_client(settings: ConnectionSettings, flavor: str):
    if flavor == "elasticsearch":
        return _elasticsearch_client(settings)
    return _opensearch_client(settings)


def _hosts_and_userinfo(settings: ConnectionSettings) -> tuple[list[str], tuple[str, str] | None]:
    hosts, basic = [], None
    for url in settings.urls:
        clean, user, password = split_userinfo(url)
        hosts.append(clean if "://" in clean else "http://" + clean)
        if user is not None and basic is None:
            basic = (user, password or "")
    creds = settings.credentials
    if creds.username:
        basic = (creds.username, creds.password or "")
    return hosts, basic


def _elasticsearch_client(settings: ConnectionSettings):
    from elasticsearch import Elasticsearch

    hosts, basic = _hosts_and_userinfo(settings)
    creds = settings.credentials
    kwargs: dict[str, Any] = dict(request_timeout=settings.timeout, max_retries=0, retry_on_timeout=False,
                                  verify_certs=not settings.insecure, ssl_show_warn=False)
    if settings.cloud_id:
        kwargs["cloud_id"] = settings.cloud_id
    else:
        kwargs["hosts"] = hosts
    if settings.ca_certs:
        kwargs["ca_certs"] = settings.ca_certs
    if creds.api_key:
        kwargs["api_key"] = creds.api_key
    elif creds.bearer:
        kwargs["bearer_auth"] = creds.bearer
    elif basic:
        kwargs["basic_auth"] = basic
    try:
        return Elasticsearch(**kwargs)
    except ValueError as exc:
        raise SourceError(f"invalid Elasticsearch address: {exc}", "check --es-url / --es-cloud-id") from None


def _opensearch_client(settings: ConnectionSettings):
    from opensearchpy import OpenSearch

    if settings.cloud_id:
        raise SourceError("an Elastic Cloud ID only works with Elasticsearch", "drop --es-flavor opensearch or use --es-url")
    hosts, basic = _hosts_and_userinfo(settings)
    kwargs: dict[str, Any] = dict(hosts=hosts, timeout=settings.timeout, max_retries=0, retry_on_timeout=False,
                                  verify_certs=not settings.insecure, ssl_show_warn=False,
                                  headers=settings.credentials.auth_header() or None)
    if settings.ca_certs:
        kwargs["ca_certs"] = settings.ca_certs
    if settings.aws_sigv4:
        kwargs["headers"] = None
        kwargs["http_auth"] = _aws_signer(settings, hosts)
    elif basic and not settings.credentials.api_key and not settings.credentials.bearer:
        kwargs["http_auth"] = basic
    try:
        return OpenSearch(**kwargs)
    except (ValueError, TypeError) as exc:
        raise SourceError(f"invalid OpenSearch address: {exc}", "check --es-url") from None


_AWS_HOST = re.compile(r"\.([a-z]{2}(?:-[a-z]+)+-\d+)\.(es|aoss)\.amazonaws\.com$")


def aws_region_and_service(host: str) -> tuple[str | None, str]:
    """Region and signing service from an Amazon endpoint (search-x.eu-west-1.es.amazonaws.com -> eu-west-1, es)."""
    m = _AWS_HOST.search(host or "")
    if not m:
        return None, "es"
    return m.group(1), m.group(2)


def _aws_signer(settings: ConnectionSettings, hosts: list[str]):
    """SigV4 signing from the AWS credential chain (env, profile, SSO, instance/task role)."""
    import boto3
    from botocore.exceptions import BotoCoreError
    from opensearchpy import Urllib3AWSV4SignerAuth

    region, service = aws_region_and_service(urlsplit(hosts[0]).hostname if hosts else "")
    try:
        session = boto3.Session(profile_name=settings.aws_profile) if settings.aws_profile else boto3.Session()
        credentials = session.get_credentials()
    except BotoCoreError as exc:
        raise SourceError(f"AWS credentials unavailable: {type(exc).__name__}",
                          "check --profile / AWS_PROFILE, or run `aws sso login`") from None
    if credentials is None:
        raise SourceError("no AWS credentials found for SigV4 signing",
                          "set AWS_PROFILE (or --profile), AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run on a role")
    region = settings.aws_region or region or session.region_name
    if not region:
        raise SourceError("no AWS region for SigV4 signing", "pass --region (or set AWS_REGION)")
    return Urllib3AWSV4SignerAuth(credentials, region, service)
