"""Redaction: every kind of secret in the generated corpus disappears, ordinary log text stays byte-for-byte."""

import re

import pytest

from secret_corpus import Sample, corpus, own_samples, vendor_samples
from triage.redact import MASK, find_secrets, redact, redact_many, redact_obj, rules
from triage.redact.generic import classify, looks_random, luhn
from triage.redact.vendor import DATA, go_to_python, load_vendor_rules

CORPUS = corpus()
_LABEL = re.compile(r"\[REDACTED(?::[\w.-]+)?\]")


def leaked(sample: Sample, out: str) -> bool:
    """The secret, or any 10-character piece of it that was not already elsewhere in the line, is still there."""
    out = _LABEL.sub("\0", out)
    if sample.secret in out:
        return True
    rest = sample.line.replace(sample.secret, "\0")
    w = 10
    return any(sample.secret[i : i + w] in out and sample.secret[i : i + w] not in rest for i in range(len(sample.secret) - w + 1))


def test_corpus_is_big_and_varied():
    kinds = {s.kind for s in CORPUS}
    assert len(CORPUS) >= 150 and len(kinds) >= 80
    assert len({s.kind for s in own_samples()}) >= 60  # the context kinds alone, besides the vendored rules
    assert len({s.secret for s in CORPUS}) > 0.9 * len({(s.kind, s.secret) for s in CORPUS})  # generated, not repeated


def test_every_vendored_rule_compiles_and_nearly_all_are_exercised():
    vendor = load_vendor_rules(strict=True)  # raises if any converted regex does not compile
    assert len(vendor) >= 200
    drawn = {s.kind for s in vendor_samples()}
    assert len(drawn) >= 0.97 * len(vendor)
    text = DATA.read_text()
    assert "MIT" in text and (DATA.parent / "LICENSE-gitleaks.txt").read_text().startswith("MIT License")


def test_no_sample_leaks():
    leaks = [(s.kind, s.line) for s in CORPUS if leaked(s, redact(s.line))]
    assert leaks == []


def test_each_vendored_sample_is_caught_by_its_own_rule():
    """The corpus line is a real instance of its kind: the rule named after it matches it."""
    by_id = {r.id: r for r in rules()}
    for s in vendor_samples():
        assert by_id[s.kind].regex.search(s.line), s.kind


def test_redaction_is_idempotent_and_keeps_the_rest_of_the_line():
    for s in CORPUS[::7]:
        once = redact(s.line)
        assert redact(once) == once
        head = s.line[: s.line.index(s.secret)]
        assert once.startswith(head[: max(0, len(head) - 40)])  # text well before the secret is untouched


def test_redact_many_matches_redact_one_by_one():
    lines = [s.line for s in CORPUS[:200]] + ["plain line", "", "-----BEGIN RSA PRIVATE KEY-----\nAAAABBBBCCCCDDDDEEEE", "next one is clean"]
    assert redact_many(lines) == [redact(v) for v in lines]


@pytest.mark.parametrize(
    "text,secret,kept",
    [
        ("k=\n-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7\nq83kd\n-----END RSA PRIVATE KEY-----\nnext line", "q83kd", "next line"),
        ("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAA\n(truncated)", "b3BlbnNzaC1rZXktdjEAAAA", "(truncated)"),
        ("using key AKIAIOSFODNN7EXAMPLE for s3", "AKIAIOSFODNN7EXAMPLE", "for s3"),
        ("Authorization: Bearer abc.def-ghi_123456 sent", "abc.def-ghi_123456", "Authorization: Bearer"),
        ("header authorization: token 0123456789abcdef", "0123456789abcdef", "authorization"),
        ("connect postgres://app:s3cr3t-pw@db.prod:5432/orders failed", "s3cr3t-pw", "@db.prod:5432/orders failed"),
        ("connect mysql://app:p@ss/w%40rd@db.prod:3306/x failed", "ss/w%40rd", "@db.prod:3306/x failed"),
        ('{"password": "correct horse battery", "user": "bob"}', "correct horse battery", '"user": "bob"'),
        ("login password=hunter2 user=bob", "hunter2", "user=bob"),
        ("db_password: Tr0ub4dor&3, retrying", "Tr0ub4dor&3", ", retrying"),
        ("client_secret=abc123XYZ&grant_type=client_credentials", "abc123XYZ", "&grant_type=client_credentials"),
        ("X-Api-Key: 1234567890abcdef", "1234567890abcdef", "X-Api-Key"),
        ("token=abc123 status=500", "abc123", "status=500"),
        ("Set-Cookie: sid=Zm9vYmFyYmF6; Path=/; HttpOnly", "Zm9vYmFyYmF6", "Path=/; HttpOnly"),
        ("body=user%3Dbob%26password%3Dhunter2%26remember%3D1", "hunter2", "%26remember%3D1"),
        ("paid with 4111 1111 1111 1111 today", "4111 1111 1111 1111", "today"),
    ],
)
def test_known_shapes(text, secret, kept):
    out = redact(text)
    assert secret not in out and kept in out and "[REDACTED" in out


@pytest.mark.parametrize(
    "text",
    [
        "GET /api/token/refresh 200 in 12ms",
        "tokens used: 5 of 100",
        "password reset requested for user 42",
        "secretary=bob assigned",
        "Bearer token invalid",
        "token expired_for_user 7",
        "invalid token: signature mismatch",
        "token_type=bearer expires_in=3600",
        "password_changed=true password_policy=strict",
        "2026-11-26 14:02:07,123 ERROR payments.client - charge failed for order ord-48213",
        "HTTPConnectionPool(host='mock-payments.internal', port=8080): Max retries exceeded",
        "https://example.com/path?q=1 and user@example.com",
        "GET https://api.example.com:8443/users/bob@example.com 404",
        "chrome.exe - auth.grammarly.com:443 open through proxy proxy.internal:5070 HTTPS",
        "KeyError: 'currency' in format_receipt",
        "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "request_id=550e8400-e29b-41d4-a716-446655440000 trace_id=4bf92f3577b34da6a3ce929d0e0e4736 span_id=00f067aa0ba902b7",
        "deployed commit 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b to prod (git sha 1a2b3c4)",
        "traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "cache key=user:42:profile miss; primary_key=123456 partition_key=orders-2026-11",
        "payload id=Zm9vYmFyYmF6cXV4MTIzNDU2 stored in s3://bucket/uploads/2026/11/26/a.json",
        "pod payments-7d9f8b6c5-x2k4q on ip-10-0-3-17.eu-west-1.compute.internal restarted",
        "blk_-1608999687919862906 served to /10.250.19.102; epoch 1700000000123 took 4111 ms",
        "order 4111111111111112 not found",  # fails Luhn
        "uuid 123e4567-e89b-12d3-a456-426614174000 nextToken=AbCdEf123456GhIjKl789",
        "\x1b[31mred\x1b[0m [bold]markup[/bold] ` ``` ",
        "",
    ],
)
def test_ordinary_text_is_untouched(text):
    assert redact(text) == text and find_secrets(text) == []


def test_redact_obj_walks_nested_structures():
    doc = {"a": ["password=hunter2", {"b": "key AKIAIOSFODNN7EXAMPLE"}], "n": 3, "x": None, "ok": True, "password=k": "v"}
    out = redact_obj(doc)
    assert out["a"][0] == f"password={MASK}"
    assert "AKIA" not in out["a"][1]["b"]
    assert out["n"] == 3 and out["x"] is None and out["ok"] is True
    assert f"password={MASK}" in out


def test_names_decide_how_sure_we_must_be():
    assert classify("db_password") == "strong" and classify("X-Api-Key") == "strong" and classify("AccountKey") == "strong"
    assert classify("sig") == "weak" and classify("X-Amz-Signature") == "weak" and classify("sessionId") == "session"
    for name in ("secretary", "token_type", "password_reset", "public_key", "nextToken", "keyboard", "api_key_id", "max_tokens"):
        assert classify(name) is None, name
    assert looks_random("Zx8Kq2Lm9Pw4Rt7Y") and not looks_random("user:42:profile") and not looks_random("orders-2026-11")


def test_luhn():
    assert luhn("4111111111111111") and luhn("378282246310005") and not luhn("4111111111111112")


def test_go_regexes_are_converted():
    assert go_to_python(r"\b(p8e-(?i)[a-z0-9]{32})(?:['\s]|$)") == r"\b(p8e-(?i:[a-z0-9]{32}))(?:['\s]|$)"
    assert go_to_python(r"(?i)x(?-i:Y)") == r"(?i)x(?-i:Y)"
    assert go_to_python(r"pat[[:alnum:]]{14}\z") == r"pat[a-zA-Z0-9]{14}\Z"
    assert re.fullmatch(go_to_python(r"ab(?i)cd[)](ef)"), "abCD)EF")


def test_long_texts_take_the_fast_paths_and_miss_nothing():
    """Above TRIGRAM_MIN characters keywords are pre-checked by trigrams and cards located by digit runs."""
    from triage.redact.engine import TRIGRAM_MIN

    filler = "2026-03-01T12:00:00Z INFO GET /api/v1/orders/48213 200 in 12 ms (2026-03-01 12:00:00)\n"
    text = filler * (TRIGRAM_MIN // len(filler) + 1) + "\n".join(s.line for s in CORPUS) + "\n" + filler * 50
    assert len(text) > TRIGRAM_MIN
    out = redact(text)
    assert [s.kind for s in CORPUS if s.secret in out] == []
    assert out.startswith(filler * 10) and out.endswith(filler * 50)


def test_a_card_after_another_number_is_still_found():
    assert "4111111111111111" not in redact("order 123 4111111111111111 ok")
    assert redact("ids 1234567890123 4111111111111112") == "ids 1234567890123 4111111111111112"
    assert "4111111111111111" not in redact("paid with 4111111111111111.")


def test_a_long_text_without_newlines_is_scanned_around_each_keyword():
    from triage.redact.engine import TRIGRAM_MIN

    secret = "ghp_" + "aB3dE5fG7hI9jK1lM2nO4pQ6rS8tU0vW2xY4"[::-1][:36]
    text = "x " * (TRIGRAM_MIN // 2) + f'"password": "hunter2", token {secret} ' + "y " * 3000
    out = redact(text)
    assert "hunter2" not in out and secret not in out and out.startswith("x x x") and out.endswith("y y ")
