"""Elasticsearch/OpenSearch failures classified, and explained with a hint that says what to fix.

Either client's exception becomes a `Failure` (a kind, an HTTP status, the error types on the
cause chain); `explain` turns it into a message and a hint. No credential is ever copied.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from triage.events import SourceError
from triage.sources.elasticsearch.settings import (
    ENV_API_KEY,
    ENV_BEARER,
    ENV_PASSWORD,
    ENV_USERNAME,
    ConnectionSettings,
)


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
            roots = err.get("root_cause")
            roots = roots if isinstance(roots, list) else []
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
    seen: set[int] = set()
    parts: list[str] = []
    todo: list[BaseException] = [exc]
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
