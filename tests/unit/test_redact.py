"""Every redaction pattern catches its secret, and ordinary log text passes untouched."""

import pytest

from triage.redact import PATTERNS, redact, redact_obj

AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
JWT = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"

# (pattern name, text, the secret that must disappear, text that must remain)
CASES = [
    ("private key block", "k=\n-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7\nq83kd\n-----END RSA PRIVATE KEY-----\nnext line",
     "MIIEowIBAAKCAQEA7", "next line"),
    ("private key block", "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAA\n(truncated)", "b3BlbnNzaC1rZXktdjEAAAA", "BEGIN OPENSSH"),
    ("JWT", f"auth ok jwt={JWT} user=7", "dozjgNryP4J3jVmNHl0w5N", "user=7"),
    ("AWS access key id", "using key AKIAIOSFODNN7EXAMPLE for s3", "AKIAIOSFODNN7EXAMPLE", "for s3"),
    ("AWS access key id", "temp creds ASIAY34FZKBOKMUTVV7A expired", "ASIAY34FZKBOKMUTVV7A", "expired"),
    ("AWS secret access key", f"aws_secret_access_key={AWS_SECRET}", AWS_SECRET, "aws_secret_access_key="),
    ("AWS secret access key", f'"AWS_SECRET_ACCESS_KEY": "{AWS_SECRET}"', AWS_SECRET, "AWS_SECRET_ACCESS_KEY"),
    ("bearer token", "Authorization: Bearer abc.def-ghi_123456 sent", "abc.def-ghi_123456", "sent"),
    ("bearer token", "header authorization: token 0123456789abcdef", "0123456789abcdef", "authorization"),
    ("basic auth header", "Authorization: Basic dXNlcjpwYXNzd29yZA==", "dXNlcjpwYXNzd29yZA==", "Basic"),
    ("password in URL", "connect postgres://app:s3cr3t-pw@db.prod:5432/orders failed", "s3cr3t-pw", "db.prod:5432/orders failed"),
    ("password in URL", "GET https://bob:hunter22@api.example.com/x", "hunter22", "api.example.com/x"),
    ("vendor API token", "pushed with ghp_abcdefghijklmnopqrstuvwxyz0123456789", "ghp_abcdefghijklmnopqrstuvwxyz0123456789", "pushed with"),
    ("vendor API token", "stripe key sk_live_51Habcdefghijklmnop1234", "sk_live_51Habcdefghijklmnop1234", "stripe key"),
    ("vendor API token", "slack xoxb-123456789012-abcdefABCDEF ok", "xoxb-123456789012-abcdefABCDEF", " ok"),
    ("quoted secret value", '{"password": "correct horse battery", "user": "bob"}', "correct horse battery", '"user": "bob"'),
    ("key=value secret", "login password=hunter2 user=bob", "hunter2", "user=bob"),
    ("key=value secret", "db_password: Tr0ub4dor&3, retrying", "Tr0ub4dor", ", retrying"),
    ("key=value secret", "client_secret=abc123XYZ&grant_type=client_credentials", "abc123XYZ", "grant_type=client_credentials"),
    ("key=value secret", "X-Api-Key: 1234567890abcdef", "1234567890abcdef", "X-Api-Key"),
    ("key=value secret", "token=abc123 status=500", "abc123", "status=500"),
]


@pytest.mark.parametrize("name,text,secret,kept", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_each_pattern_removes_its_secret(name, text, secret, kept):
    out = redact(text)
    assert secret not in out
    assert kept in out
    assert "REDACTED" in out
    # this pattern alone is enough to remove the secret
    pattern = next(p for n, p, _ in PATTERNS if n == name)
    repl = next(r for n, _, r in PATTERNS if n == name)
    assert secret not in pattern.sub(repl, text)


def test_every_pattern_is_tested():
    assert {name for name, _, _ in PATTERNS} == {c[0] for c in CASES}


@pytest.mark.parametrize(
    "text",
    [
        "GET /api/token/refresh 200 in 12ms",
        "tokens used: 5 of 100",
        "password reset requested for user 42",
        "secretary=bob assigned",
        "Bearer token invalid",
        "token expired_for_user 7",
        "2026-11-26 14:02:07,123 ERROR payments.client - charge failed for order ord-48213",
        "HTTPConnectionPool(host='mock-payments.internal', port=8080): Max retries exceeded",
        "https://example.com/path?q=1 and user@example.com",
        "KeyError: 'currency' in format_receipt",
        "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "\x1b[31mred\x1b[0m [bold]markup[/bold] ` ``` ",
        "",
    ],
)
def test_ordinary_text_is_untouched(text):
    assert redact(text) == text


def test_redact_obj_walks_nested_structures():
    doc = {"a": ["password=hunter2", {"b": "key AKIAIOSFODNN7EXAMPLE"}], "n": 3, "x": None, "ok": True}
    out = redact_obj(doc)
    assert out["a"][0] == "password=[REDACTED]"
    assert "AKIA" not in out["a"][1]["b"]
    assert out["n"] == 3 and out["x"] is None and out["ok"] is True
