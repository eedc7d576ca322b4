"""triage's own rules: secrets named by context rather than by a vendor prefix.

* assignments `NAME=value`, `NAME: value`, `"NAME": "value"`, `<NAME>value</NAME>`,
  `--NAME value`, URL-encoded `NAME%3Dvalue`, where NAME mentions a password, secret,
  token, key, signature, session id...; what the name says decides how sure we must be
  (`classify`): a password is masked whatever it looks like, a `key=` only when the value
  looks random (`looks_random`), and `token_type=` or `password_reset=` never;
* `Authorization:` and friends, `Bearer ...`, cookies and `Set-Cookie`;
* credentials in URLs/DSNs, also with `@`, `/` or `%` inside the password;
* PEM/OpenSSH/PGP private key blocks, whole, truncated or with escaped newlines;
* JWTs and card numbers (Luhn and issuer prefix).
"""

from __future__ import annotations

import re

from triage.redact.engine import Rule, shannon

# ------------------------------------------------------------------ names

_STRONG_ENDINGS = (
    "password", "passwd", "passphrase", "passcode", "pwd", "secret", "secrets", "token", "tokens", "credential", "credentials",
    "apikey", "accesskey", "accountkey", "privatekey", "secretkey", "signingkey", "masterkey", "encryptionkey", "clientkey",
    "authkey", "licensekey", "sharedkey", "sessionkey", "connectionstring", "authorization", "bearer",
)
_STRONG_PARTS = frozenset({"pass", "auth", "passwords", "pw"})
_WEAK_ENDINGS = ("key", "keys", "sig", "signature", "sid", "sessid", "sessionid", "session", "sas", "hmac", "otp")
_NOT_SECRET_LAST = frozenset(  # noqa: SIM905 (a word list reads better as text)
    ["id", "ids", "type", "types", "name", "names", "url", "uri", "urls", "length", "len", "count", "size", "expiry", "expires", "exp", "expiration", "ttl", "age", "file", "path", "dir", "version", "ver", "format", "endpoint", "endpoints", "policy", "rotation", "rotated", "reset", "changed", "change", "required", "enabled", "disabled", "set", "present", "valid", "invalid", "missing", "hint", "prompt", "field", "label", "header", "prefix", "suffix", "algorithm", "alg", "kind", "mode", "source", "index", "idx", "usage", "limit", "timeout", "strategy", "provider", "manager", "status", "error", "errors", "attempts", "retries", "refreshed", "created", "updated", "issued", "location", "store", "vault", "arn", "ref", "config", "enforced", "strength", "mismatch", "match", "lifetime", "duration", "scope", "scopes", "audience", "issuer", "method", "class", "service", "server", "host", "port", "user", "username", "login", "email", "account", "owner", "region", "bucket", "table", "column", "used", "left", "remaining"]
)
_NOT_SECRET_ANY = re.compile(
    r"publickey|pubkey|primarykey|foreignkey|partitionkey|sortkey|cachekey|routingkey|idempotencykey|dedup\w*key|objectkey|"
    r"bucketkey|shardkey|lookupkey|groupkey|sequencekey|naturalkey|schemakey|indexkey|rowkey|hashkey|rangekey|messagekey|"
    r"eventkey|issuekey|projectkey|nexttoken|pagetoken|continuationtoken|paginationtoken|synctoken|cursortoken|resumetoken|"
    r"changetoken|cancellationtoken|tokeniz|tokencount|maxtokens|numtokens|tokensused|tokenlimit|inputtokens|outputtokens|"
    r"totaltokens|prompttokens|completiontokens|monkey|turkey|donkey|hockey|jockey|whiskey|hotkey|keyboard|keyspace|keystroke|"
    r"keycode|keyframe|keypress|keychain|keyring|keystore|keytab|keyvault|keyword|keyset|keyup|keydown|passthrough|bypass|"
    r"compass|passenger|passive|password(?:less|policy)|secretary|secretion|signatureversion|signaturemethod"
)
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def classify(name: str) -> str | None:
    """'strong' (mask any value), 'weak' (mask values that look random) or None (not a secret's name)."""
    name = name.strip("\"'`\\-<>").lstrip("$@:")
    parts = [p.lower() for p in re.split(r"[_.\-\s:]+", _CAMEL.sub("_", name)) if p]
    if not parts:
        return None
    compact = "".join(parts)
    if compact.endswith(("sessionid", "sessid", "session", "sessiontoken", "sesskey")) or compact in ("sid", "jsessionid"):
        return "session"
    if parts[-1] in _NOT_SECRET_LAST or _NOT_SECRET_ANY.search(compact):
        return None
    if compact.endswith(_STRONG_ENDINGS) or any(p in _STRONG_PARTS or p.endswith(_STRONG_ENDINGS) for p in parts):
        return "strong"
    if parts[-1].endswith(_WEAK_ENDINGS) or compact.endswith(_WEAK_ENDINGS):
        return "weak"
    return None


# ------------------------------------------------------------------ values

_PLACEHOLDER = re.compile(
    r"(?i)^(?:\[?redacted\]?|\*+|x{3,}|\.{3}|…|<[^<>]*>|\$\{?[\w.]+\}?|\{\{[^}]*\}\}|%\(?\w+\)?s?|%[\w]+%|"
    r"null|none|nil|undefined|true|false|yes|no|on|off|empty|unset|changeme|n/a|na|-+|\?+|0|1)$"
)
_WORDISH = re.compile(r"[a-z]+(?:[ _.-][a-z]+)*|[A-Z][a-z]+|[A-Z]+")
_PATHISH = re.compile(r"[a-z0-9._~-]*(?:/[a-z0-9._~-]*)+|[a-z]+(?:\.[a-z0-9-]+)+")


def placeholder(value: str) -> bool:
    return not value or value.startswith("[REDACTED") or bool(_PLACEHOLDER.match(value))


def looks_random(value: str, min_len: int = 8, min_entropy: float = 3.0) -> bool:
    """A value that reads like generated key material, not a word, number, path, host name or `user:42`.

    Some piece of it between separators must itself look random: `user:42:profile` and
    a UUID's 8-4-4-4-12 groups do not, a base64 or hex key does.
    """
    if len(value) < min_len or placeholder(value):
        return False
    if value.isdigit() or _WORDISH.fullmatch(value) or _PATHISH.fullmatch(value):
        return False
    return any(_random_piece(p, min_len, min_entropy) for p in _PIECES.split(value))


_PIECES = re.compile(r"[:.,;|@\s-]+|(?<=[a-z0-9])/(?=[a-z0-9._-]*(?:/|$))")


def _random_piece(piece: str, min_len: int, min_entropy: float) -> bool:
    if len(piece) < min_len or piece.isdigit() or _WORDISH.fullmatch(piece.replace("_", " ")):
        return False
    if not re.search(r"\d", piece) and not (re.search(r"[a-z]", piece) and re.search(r"[A-Z]", piece)):
        return False
    return shannon(piece) >= min_entropy


def session_like(value: str) -> bool:
    """Session ids are often UUIDs or plain hex: long and varied is enough."""
    value = value.strip()
    return len(value) >= 12 and not placeholder(value) and not _WORDISH.fullmatch(value) and shannon(value) >= 3.0


def worth_masking(kind: str, value: str, *, sep: str = "=") -> bool:
    """Should an assignment's value be masked, given what its name says?"""
    value = value.strip()
    if placeholder(value):
        return False
    if kind == "session":
        return session_like(value)
    if kind == "strong":
        if sep == "=" or sep == "quoted":
            return True
        # `password: incorrect` is prose, `password: hunter2` is a value, `auth.example.com:443` a port
        if value.isdigit() and len(value) <= 5:
            return False
        return not _WORDISH.fullmatch(value) or looks_random(value, 6, 2.5)
    return looks_random(value)


# ------------------------------------------------------------------ assignments

_KW = r"pass|pwd|pw|secret|token|key|sig|sid|sess|auth|credential|bearer|connectionstring|otp|hmac|sas"
_NAME = r"(?P<name>(?:[A-Za-z0-9_$@][\w.\-$@]*?)?(?:" + _KW + r")[\w.\-]*)"
_Q_ESC = r"\\+(?P<qe>[\"'])(?P<ve>.*?)\\+(?P=qe)"  # \"value\" inside a JSON string
_Q = r"(?P<q>[\"'`])(?P<vq>(?:\\.|(?!(?P=q))[^\\\n])*)(?P=q)"
_BARE = r"(?P<vb>(?:\$\{[\w.:-]*\}|(?!%(?:2[026cC]|3[bB]|7[dD]|0[aAdD]))[^\s\"'`,;&<>(){}\[\]\\]|&(?![\w.\-\[\]]+=)|;(?![\s\w .\-]*=|\s)|,(?![\s\"']|[\w.\-]+[=:])|\\(?![\"'nrt]))+)"
_SEP = r"(?P<sep>\s*(?:=>|:=|==|=|:|%3[dDaA])\s*)"

ASSIGNMENT = re.compile(
    r"(?i)(?:(?<![\w.$@])|(?<=%22)|(?<=%27))(?:\\*[\"'`])?" + _NAME + r"(?:\\*[\"'`]|%22|%27)?" + _SEP + r"(?:%22|%27)?(?:" + _Q_ESC + "|" + _Q + "|" + _BARE + ")"
)
XML_ELEMENT = re.compile(r"(?i)<(?P<name>[\w:.\-]*(?:" + _KW + r")[\w:.\-]*)(?:\s[^<>]*)?>(?P<v>[^<\n]+)</(?P=name)\s*>")
XML_PAIR = re.compile(
    r"(?i)\b(?:key|name)\s*=\s*(?P<q1>[\"'])(?P<name>[^\"'<>]*)(?P=q1)\s+value\s*=\s*(?P<q2>[\"'])(?P<v>[^\"'<>]*)(?P=q2)"
)
CLI_FLAG = re.compile(
    r"(?i)(?<!\S)--?(?P<name>[\w\-]*(?:" + _KW + r")[\w\-]*)[ \t]+(?!-)(?:" + _Q + r"|(?P<vb>[^\s\"'`]+))"
)


def _assignment_spans(m):
    kind = classify(m.group("name"))
    if kind is None:
        return
    for g, sep in (("ve", "quoted"), ("vq", "quoted"), ("vb", None)):
        if m.group(g) is not None:
            value = m.group(g)
            if sep is None:
                raw = m.group("sep").strip()
                sep = "=" if raw in ("=", "%3d", "%3D", "=>", ":=", "==") else ":"
                value = re.sub(r"(?:%2[26cC]|%7[dD])+$", "", value)  # a URL-encoded closing quote / comma / brace
            if worth_masking(kind, value, sep=sep):
                s = m.start(g)
                yield s, s + len(value)
            return


def _xml_spans(m):
    kind = classify(m.group("name"))
    if kind and worth_masking(kind, m.group("v"), sep="quoted"):
        yield m.span("v")


def _cli_spans(m):
    kind = classify(m.group("name"))
    g = "vq" if m.group("vq") is not None else "vb"
    if kind and worth_masking(kind, m.group(g), sep="=" if kind == "strong" else ":"):
        yield m.span(g)


# ------------------------------------------------------------------ headers, cookies, URLs

_SCHEMES = r"bearer|basic|token|digest|negotiate|ntlm|aws4-hmac-sha256|apikey|api-key|sswss?|splunk|genie[kK]ey|oauth|mac|hoba|key|dsn|hmac|signature|sharedkey|sharedaccesssignature"
AUTH_HEADER = re.compile(
    r"(?i)\b(?:proxy-)?authori[sz]ation[\"']?\s*[:=]\s*[\"']?(?:(?P<scheme>" + _SCHEMES + r")\s+)?(?P<v>[^\s\"',}]+(?:,\s*[\w-]+=[^\s\"',}]+)*)"
)
BEARER = re.compile(r"(?i)\b(?:bearer|token)\s+(?P<v>[A-Za-z0-9._~+/-]{8,}=*)(?![\w.~+/=-])")
COOKIE = re.compile(r"(?i)\b(?P<set>set-)?cookie2?[\"']?\s*[:=]\s*[\"']?(?P<body>[^\r\n\"']+)")
_COOKIE_ATTRS = {"path", "domain", "expires", "max-age", "samesite", "secure", "httponly", "priority", "partitioned", "version", "comment"}
_COOKIE_PAIR = re.compile(r"\s*(?P<name>[^=;,\s]+)=(?P<v>[^;\s,]*)")
URL_CREDENTIALS = re.compile(
    r"(?i)\b[a-z][a-z0-9+.\-]{1,30}://(?P<user>[^\s:/@?#\"'<>]*):(?P<v>[^\s\"'<>]+)@(?=(?:[\w\-]+\.)*[\w\-]+(?::\d+)?(?:[/?#\s\"'<>,;)\]}]|$)|\[[0-9a-f:]+\])"
)


def _auth_spans(m):
    value = m.group("v")
    if placeholder(value) or (m.group("scheme") or "").lower() == "digest":
        return  # Digest parameters: DIGEST_PARAM
    if m.group("scheme") or looks_random(value, 8, 2.5) or (len(value) >= 8 and not _WORDISH.fullmatch(value)):
        yield m.span("v")


DIGEST_PARAM = re.compile(r"(?i)\b(?:response|cnonce|nonce|opaque|password)\s*=\s*\"(?P<v>[^\"\n]+)\"")
VENDOR_EXTRA = re.compile(
    r"\b(?P<v>whsec_[A-Za-z0-9+/=]{24,}|dckr_pat_[A-Za-z0-9_-]{20,}|sk-(?:proj|svcacct|admin|ant-[a-z0-9]+)-[A-Za-z0-9_-]{20,}"
    r"|sk-[A-Za-z0-9]{32,}|rk_(?:live|test)_[A-Za-z0-9]{16,}|pk_live_[A-Za-z0-9]{16,})"
)
URL_KEY = re.compile(r"(?i)\b[a-z][a-z0-9+.\-]{1,30}://(?P<v>[^\s:/@?#\"'<>]{16,})@(?=[\w\-]+\.)")
MYSQL_P = re.compile(r"(?i)\b(?:mysql\w*|mariadb\w*)\b[^\n]*?(?<!\S)-p(?P<v>'[^'\n]*'|\"[^\"\n]*\"|[^\s'\"]+)")


def _url_key_spans(m):
    v = m.group("v")
    if re.search(r"\d", v) and re.search(r"[A-Za-z]", v) and looks_random(v, 16, 3.0):
        yield m.span("v")  # a DSN's key in place of a user name (Sentry, some webhooks)


def _bearer_spans(m):
    value = m.group("v")
    if not _WORDISH.fullmatch(value) and not placeholder(value) and (re.search(r"\d", value) or shannon(value) >= 3.0):
        yield m.span("v")


def _cookie_spans(m):
    body_start = m.start("body")
    for i, pair in enumerate(_COOKIE_PAIR.finditer(m.group("body"))):
        if m.group("set") and i > 0:
            return  # Set-Cookie: only the first pair is a cookie, the rest are attributes
        if pair.group("name").lower() in _COOKIE_ATTRS or placeholder(pair.group("v")):
            continue
        yield body_start + pair.start("v"), body_start + pair.end("v")


def _url_spans(m):
    value = m.group("v")
    if "[REDACTED" in m.group("user") or re.fullmatch(r"\d{1,5}(?:[/?#].*)?", value) or placeholder(value) or "REDACTED" in value:
        return  # host:port/path@... is not a password
    yield m.span("v")


# ------------------------------------------------------------------ blocks and numbers

_PEM_SEP = r"(?:[ \t\r\n]|\\+[rn])"
PRIVATE_KEY = re.compile(
    r"-----BEGIN[ A-Z0-9]*PRIVATE KEY(?: BLOCK)?-----"
    r"(?P<v>(?:" + _PEM_SEP + r"+(?:[A-Za-z0-9+/=]{16,}|(?:Proc-Type|DEK-Info|Comment|Version|Hash)\s*:[^\n\\]*))*"
    r"(?:" + _PEM_SEP + r"+[A-Za-z0-9+/=]{1,16}(?=" + _PEM_SEP + r"*-----END))?)"
)
PUTTY_KEY = re.compile(r"(?i)Private-Lines:\s*\d+(?P<v>(?:" + _PEM_SEP + r"+[A-Za-z0-9+/=]{8,})+)")
JWT = re.compile(r"\b(?P<v>ey[A-Za-z0-9_-]{8,}\.ey[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}=*)")
CARD = re.compile(r"(?=(?P<v>\d(?<![\w.+\-/:]\d)(?:[ -]?\d){12,18})(?![\w\-/]|\.\w|[ -]\d))")  # a lookahead: a failed longer run must not hide a card inside it
_IIN = re.compile(r"4|5[1-5]|2(?:2[2-9]|[3-6]\d|7[01]|720)|3[47]|3(?:0[0-5]|[68])|6(?:011|5|4[4-9]|2)|35(?:2[89]|[3-8])|5[06-9]|6")


def luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _card_spans(m):
    raw = m.group("v")
    digits = raw.replace(" ", "").replace("-", "")
    if not 13 <= len(digits) <= 19 or not _IIN.match(digits) or not luhn(digits):
        return
    if len(set(digits)) < 2:
        return
    seps = {c for c in raw if not c.isdigit()}
    if len(seps) > 1 or (seps and not re.fullmatch(r"\d{4}(?:[ -]\d{4}){2,3}(?:[ -]\d{1,3})?|\d{4}[ -]\d{6}[ -]\d{4,5}", raw)):
        return  # separators only in card-like groups (4-4-4-4, Amex 4-6-5)
    yield m.span("v")


def locate_digit_runs(text: str, need: int = 13) -> list[tuple[int, int]]:
    """Ranges of a long text made of digits, spaces and dashes that hold at least `need` digits:
    the only places a card number can be (a timestamp's colons break its run). One numpy pass
    instead of a regex attempt at every digit of a megabyte note."""
    import numpy as np

    a = np.frombuffer(text.encode("ascii", "replace"), dtype=np.uint8)
    digit = (a >= 48) & (a <= 57)
    if int(digit.sum()) < need:
        return []
    run = digit | (a == 32) | (a == 45)
    edges = np.flatnonzero(np.diff(np.concatenate(([0], run.astype(np.int8), [0]))))
    starts, ends = edges[::2], edges[1::2]
    long = (ends - starts) >= need
    starts, ends = starts[long], ends[long]
    if not len(starts):
        return []
    c = np.concatenate(([0], np.cumsum(digit)))
    ok = (c[ends] - c[starts]) >= need
    return [(max(0, int(s) - 1), min(len(text), int(e) + 1)) for s, e in zip(starts[ok], ends[ok])]


def _group_v(m):
    if m.group("v"):
        yield m.span("v")


def generic_rules() -> list[Rule]:
    kws = ("pass", "pwd", "pw", "secret", "token", "key", "sig", "sid", "sess", "auth", "credential", "bearer", "connectionstring",
           "otp", "hmac", "sas")
    return [
        Rule("private-key", PRIVATE_KEY, ("private key",), extract=_group_v, whole=True),
        Rule("putty-private-key", PUTTY_KEY, ("private-lines",), extract=_group_v, whole=True),
        Rule("jwt", JWT, ("eyj",), extract=_group_v),
        Rule("url-credentials", URL_CREDENTIALS, ("://",), extract=_url_spans),
        Rule("authorization-header", AUTH_HEADER, ("authori",), extract=_auth_spans),
        Rule("digest-auth", DIGEST_PARAM, ("digest",), extract=_group_v),
        Rule("vendor-token", VENDOR_EXTRA, ("whsec_", "dckr_pat_", "sk-", "rk_", "pk_live_"), extract=_group_v),
        Rule("url-key", URL_KEY, ("://",), extract=_url_key_spans),
        Rule("mysql-password", MYSQL_P, ("mysql", "mariadb"), extract=_group_v),
        Rule("bearer-token", BEARER, ("bearer", "token"), extract=_bearer_spans),
        Rule("cookie", COOKIE, ("cookie",), extract=_cookie_spans),
        Rule("xml-secret", XML_ELEMENT, kws, extract=_xml_spans),
        Rule("xml-secret", XML_PAIR, ("value",), extract=_xml_spans),
        Rule("cli-secret", CLI_FLAG, kws, extract=_cli_spans),
        Rule("generic-secret", ASSIGNMENT, kws, extract=_assignment_spans),
        Rule("card-number", CARD, (), extract=_card_spans, whole=True, locate=locate_digit_runs),
    ]
