"""Connecting to Elasticsearch or OpenSearch with their official clients.

One small facade (`Cluster`) hides the two clients' differences (point-in-time API,
auth options) and turns every failure into a `SourceError` whose hint says what to fix.
Credentials come only from environment variables and never appear in messages.
"""

from __future__ import annotations

import os
import random
import re
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from triage.events import Progress, SourceError
from triage.sources.elasticsearch.failures import EsError, Failure, classify, explain  # noqa: F401  (re-exported)
from triage.sources.elasticsearch.settings import (  # noqa: F401  (re-exported)
    ENV_API_KEY,
    ENV_BEARER,
    ENV_CLOUD_ID,
    ENV_PASSWORD,
    ENV_URL,
    ENV_USERNAME,
    FLAVORS,
    RETRY_STATUSES,
    ConnectionSettings,
    Credentials,
    safe_url,
    split_userinfo,
)


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

    def msearch(self, bodies: list[dict], *, index: str | None = None, progress: Progress | None = None,
                what: str = "searching") -> list[dict]:
        """Several searches in one request (one response per body, in order); a failed one raises."""
        lines: list[dict] = []
        for body in bodies:
            lines.extend(({}, body))

        def run():
            if self.flavor == "elasticsearch":
                return _body(self.client.msearch(index=index, searches=lines))
            return self.client.msearch(index=index, body=lines)

        res = self.call(run, what, progress=progress)
        out = list((res or {}).get("responses") or [])
        if len(out) != len(bodies):
            raise EsError(f"{what}: the cluster answered {len(out)} of {len(bodies)} searches",
                          "the cluster may be overloaded; try again")
        for r in out:
            if isinstance(r, dict) and r.get("error"):
                err = r["error"]
                reason = err.get("reason", "") if isinstance(err, dict) else str(err)
                raise EsError(f"{what}: {reason or 'a search failed'}", "check the index mapping and the cluster logs")
        return out

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

    region, service = aws_region_and_service((urlsplit(hosts[0]).hostname or "") if hosts else "")
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
