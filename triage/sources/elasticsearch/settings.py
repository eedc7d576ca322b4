"""Connection settings for Elasticsearch/OpenSearch: addresses, credentials from environment variables, safe URLs.

Credentials come only from environment variables and never appear in messages.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

from triage.sources.elasticsearch.options import (  # noqa: F401  (re-exported)
    ENV_API_KEY,
    ENV_BEARER,
    ENV_CLOUD_ID,
    ENV_PASSWORD,
    ENV_URL,
    ENV_USERNAME,
    FLAVORS,
)

RETRY_STATUSES = (429, 502, 503, 504)


@dataclass
class Credentials:
    """At most one auth method, read from the environment (or URL userinfo)."""

    api_key: str | None = None
    username: str | None = None
    password: str | None = None
    bearer: str | None = None
    aws: bool = False  # requests are signed with AWS credentials instead

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Credentials:
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
