"""AWS session, clients and calls for the CloudWatch sources.

Credentials come from boto3's standard chain (environment, profile, SSO, instance and
task roles); botocore itself honours `AWS_ENDPOINT_URL` (moto, LocalStack). Botocore's
adaptive retry absorbs short throttling blips; longer throttling is waited out here so
the UI can show "throttled, waiting Ns" instead of an error. Every failure the user can
fix becomes a SourceError with a hint; credentials never appear in messages.
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass

import boto3
import botocore.exceptions as bx
from botocore.config import Config

from triage.events import Progress, SourceError
from triage.redact import redact

THROTTLE_CODES = frozenset(
    {"ThrottlingException", "Throttling", "LimitExceededException", "TooManyRequestsException",
     "RequestLimitExceeded", "RequestThrottled", "RequestThrottledException"}
)
EXPIRED_CODES = frozenset({"ExpiredToken", "ExpiredTokenException", "RequestExpired", "TokenRefreshRequired"})
BAD_CREDENTIAL_CODES = frozenset(
    {"UnrecognizedClientException", "InvalidClientTokenId", "InvalidSignatureException",
     "SignatureDoesNotMatch", "IncompleteSignature", "InvalidAccessKeyId", "MissingAuthenticationToken"}
)
DENIED_CODES = frozenset({"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "NotAuthorized"})
IAM_PREFIX = {"logs": "logs", "cloudwatch": "cloudwatch"}

CREDENTIALS_HINT = (
    "set AWS_PROFILE or --profile (run `aws sso login` for SSO profiles), "
    "or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
)


@dataclass
class CwSession:
    """Lazily built boto3 session and clients, plus the throttling policy.

    `throttle_wait` is the first wait in seconds (doubling up to `throttle_max_wait`);
    after `throttle_budget` seconds of waiting in one call we give up with a SourceError.
    """

    region: str | None = None
    profile: str | None = None
    max_attempts: int = 3  # total attempts botocore makes per call before we see the error
    retry_mode: str = "adaptive"  # client-side rate limiting after throttles
    throttle_wait: float = 1.0
    throttle_max_wait: float = 30.0
    throttle_budget: float = 600.0

    def __post_init__(self) -> None:
        self._session: boto3.Session | None = None
        self._clients: dict[str, object] = {}

    def session(self) -> boto3.Session:
        if self._session is None:
            try:
                self._session = boto3.Session(profile_name=self.profile, region_name=self.region)
            except bx.ProfileNotFound:
                raise SourceError(
                    f"AWS profile '{self.profile}' not found",
                    "check --profile / AWS_PROFILE against ~/.aws/config",
                ) from None
        return self._session

    def client(self, service: str):
        """A client with adaptive retries; checks that a region and credentials exist first."""
        if service in self._clients:
            return self._clients[service]
        session = self.session()
        if not session.region_name:
            raise SourceError("no AWS region configured", "pass --region or set AWS_REGION / AWS_DEFAULT_REGION")
        try:
            creds = session.get_credentials()
        except bx.BotoCoreError as exc:
            raise translate(exc, service, "") from None
        if creds is None:
            raise SourceError("no AWS credentials found", CREDENTIALS_HINT)
        config = Config(
            retries={"mode": self.retry_mode, "total_max_attempts": self.max_attempts},
            connect_timeout=10,
            read_timeout=60,
            user_agent_extra="triage",
        )
        client = session.client(service, config=config)
        self._clients[service] = client
        return client

    @property
    def region_name(self) -> str | None:
        return self.session().region_name

    def region_label(self) -> str:
        """The region for display, without creating a session (no I/O, no errors)."""
        if self._session is not None and self._session.region_name:
            return self._session.region_name
        return self.region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "default region"

    def call(self, service: str, operation: str, progress: Progress, *, what: str = "", **params):
        """Run one API call, waiting out throttling (cancellable) and translating errors.

        `what` names the object concerned (a log group, a query) for messages.
        """
        method = getattr(self.client(service), _snake(operation))
        backoff = _Backoff(self, operation, progress)
        while True:
            progress.check()
            try:
                return method(**params)
            except bx.ClientError as exc:
                backoff.throttled_or_raise(exc, service, what)
            except bx.BotoCoreError as exc:
                raise translate(exc, service, what) from None

    def pages(self, service: str, operation: str, progress: Progress, *, token: str, what: str = "", **params):
        """Every page of a paginated operation, through boto3's paginator.

        Cancellation is checked before each page is requested, so a cancel stops between
        pages. Throttling that outlasts botocore's own retries is waited out (as in `call`) and
        the paginator resumes from the last page's `token` (the operation's next-token field).
        """
        paginator = self.client(service).get_paginator(_snake(operation))
        backoff = _Backoff(self, operation, progress)
        resume = None
        while True:
            kwargs = dict(params, **{token: resume}) if resume else params
            iterator = iter(paginator.paginate(**kwargs))
            try:
                while True:
                    progress.check()
                    page = next(iterator, None)
                    if page is None:
                        return
                    resume = page.get(token) or resume
                    yield page
            except bx.ClientError as exc:
                backoff.throttled_or_raise(exc, service, what)
            except bx.BotoCoreError as exc:
                raise translate(exc, service, what) from None


class _Backoff:
    """Waits out throttling with a doubling, cancellable sleep, up to the session's budget."""

    def __init__(self, session: CwSession, operation: str, progress: Progress):
        self.session, self.operation, self.progress = session, operation, progress
        self.wait, self.waited = session.throttle_wait, 0.0

    def throttled_or_raise(self, exc: bx.ClientError, service: str, what: str) -> None:
        if error_code(exc) not in THROTTLE_CODES:
            raise translate(exc, service, what) from None
        if self.waited >= self.session.throttle_budget:
            raise SourceError(
                f"CloudWatch kept throttling {self.operation} for {self.waited:.0f}s",
                "try again later, narrow the window, or raise the account's API quota",
            ) from None
        self.progress.update(message=f"throttled, waiting {max(1, round(self.wait))}s")
        sleep(self.wait, self.progress)
        self.waited += self.wait
        self.wait = min(self.wait * 2, self.session.throttle_max_wait)


def sleep(seconds: float, progress: Progress) -> None:
    """Sleep, but wake up promptly (raising Cancelled) when the user cancels."""
    deadline = time.monotonic() + seconds
    while True:
        progress.check()
        left = deadline - time.monotonic()
        if left <= 0:
            return
        time.sleep(min(left, 0.05))


def error_code(exc: bx.ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _snake(operation: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", operation).lower()


def translate(exc: Exception, service: str, what: str) -> SourceError:
    """A SourceError saying what went wrong and what to fix."""
    if isinstance(exc, bx.ClientError):
        return _translate_client_error(exc, service, what)
    if isinstance(exc, (bx.NoCredentialsError, bx.PartialCredentialsError)):
        return SourceError("no usable AWS credentials found", CREDENTIALS_HINT)
    if isinstance(exc, (bx.TokenRetrievalError, bx.SSOTokenLoadError, bx.UnauthorizedSSOTokenError)):
        return SourceError("the AWS SSO session is missing or expired", "run `aws sso login` (with --profile if you use one)")
    if isinstance(exc, bx.ProfileNotFound):
        return SourceError("AWS profile not found", "check --profile / AWS_PROFILE against ~/.aws/config")
    if isinstance(exc, bx.NoRegionError):
        return SourceError("no AWS region configured", "pass --region or set AWS_REGION / AWS_DEFAULT_REGION")
    if isinstance(exc, bx.ParamValidationError):
        about = f" ({what})" if what else ""
        return SourceError(f"invalid CloudWatch request{about}: {_clean(str(exc))}", "check --log-group and the other CloudWatch options")
    if isinstance(exc, (bx.EndpointConnectionError, bx.ConnectTimeoutError, bx.ReadTimeoutError)):
        return SourceError(
            f"cannot reach the CloudWatch {service} endpoint",
            "check the network, --region, and AWS_ENDPOINT_URL if you set one",
        )
    return SourceError(f"CloudWatch {service} call failed: {type(exc).__name__}", "see --help for the CloudWatch options")


def _translate_client_error(exc: bx.ClientError, service: str, what: str) -> SourceError:
    code = error_code(exc)
    operation = getattr(exc, "operation_name", "") or "?"
    text = _clean(str(exc.response.get("Error", {}).get("Message", "")))
    about = f" ({what})" if what else ""
    if code in DENIED_CODES:
        action = _denied_action(text) or f"{IAM_PREFIX.get(service, service)}:{operation}"
        return SourceError(
            f"access denied: missing permission {action}{about}",
            f"grant {action} to the IAM role or user you use (policy on the log group / account)",
        )
    if code in EXPIRED_CODES:
        return SourceError("the AWS credentials have expired", "refresh them: `aws sso login`, or a new session token")
    if code in BAD_CREDENTIAL_CODES:
        return SourceError("AWS rejected the credentials", "check AWS_PROFILE / --profile and the access key in use")
    if code == "ResourceNotFoundException":
        return SourceError(f"not found{about}: {text or code}", "check --log-group spelling and --region")
    if code == "MalformedQueryException":
        return SourceError(f"Logs Insights rejected the query: {text or code}", "check the --insights query syntax")
    if code in ("InvalidParameterException", "InvalidParameterValue", "InvalidParameterCombination", "ValidationError"):
        return SourceError(f"CloudWatch rejected {operation}{about}: {text or code}", "check the CloudWatch options")
    return SourceError(f"CloudWatch {operation} failed{about}: {code} {text}".rstrip(), "retry; if it persists, check the AWS console")


def _denied_action(message: str) -> str | None:
    m = re.search(r"perform: ([a-z0-9-]+:[A-Za-z0-9]+)", message)
    return m.group(1) if m else None


def _clean(text: str) -> str:
    """Error text from the server: one line, bounded, secrets masked (it can echo the request)."""
    text = re.sub(r"[\x00-\x1f\x7f]+", " ", text)
    return redact(text[:300])
