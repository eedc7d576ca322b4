"""A corpus of fake secrets, generated at test time (seeded), embedded in log lines of several shapes.

No secret-looking literal is committed: vendor tokens are drawn from each vendored rule's
own regex (`sample_from`), the others are built from a prefix plus random characters.
Each `Sample` says which secret must disappear from the line once redacted.
"""

from __future__ import annotations

import base64
import random
import re
import string
from dataclasses import dataclass

try:  # Python 3.11+
    from re import _constants as C
    from re import _parser as P
except ImportError:  # pragma: no cover
    import sre_constants as C  # type: ignore
    import sre_parse as P  # type: ignore

from triage.redact.vendor import load_vendor_rules

ALNUM = string.ascii_letters + string.digits
HEX = "0123456789abcdef"
B64 = ALNUM + "+/"


@dataclass(frozen=True)
class Sample:
    kind: str
    line: str
    secret: str


# ------------------------------------------------------------------ strings from a regex


class _Gen:
    """Draws a string matching a parsed regex; context repeats stay short so the text reads like a log."""

    def __init__(self, rng: random.Random, secret_group: int | None):
        self.rng = rng
        self.secret_group = secret_group
        self.inside = 0 if secret_group else 1  # no group: the whole match is the secret
        self.spans: dict[int, tuple[int, int]] = {}
        self.out: list[str] = []

    def text(self) -> str:
        return "".join(self.out)

    def run(self, items) -> None:
        for op, av in items:
            getattr(self, "op_" + str(op).lower(), self.op_unknown)(av)

    def op_unknown(self, av):
        raise ValueError("unsupported")

    def op_literal(self, av):
        self.out.append(chr(av))

    def op_not_literal(self, av):
        self.out.append(self.rng.choice([c for c in ALNUM if ord(c) != av]))

    def op_any(self, av):
        self.out.append(".")  # an unescaped dot in these rules nearly always means a literal one

    def op_in(self, av):
        self.out.append(self.rng.choice(_charset(av, self.inside > 0)))

    def op_at(self, av):
        pass

    def op_assert(self, av):
        pass

    def op_assert_not(self, av):
        pass

    def op_branch(self, av):
        options = av[1]
        self.run(self.rng.choice(options) if self.inside else options[0])

    def op_subpattern(self, av):
        gid, _add, _del, items = av
        start = len(self.text())
        secret = gid is not None and gid == self.secret_group
        self.inside += secret
        self.run(items)
        self.inside -= secret
        if gid is not None:
            self.spans[gid] = (start, len(self.text()))

    def op_max_repeat(self, av):
        lo, hi, items = av
        hi = lo + 40 if hi == C.MAXREPEAT else hi
        n = self.rng.randint(lo, hi) if self.inside else lo
        for _ in range(n):
            self.run(items)

    op_min_repeat = op_max_repeat
    op_possessive_repeat = op_max_repeat

    def op_groupref(self, av):
        s, e = self.spans.get(av, (0, 0))
        self.out.append(self.text()[s:e])

    def op_category(self, av):
        self.out.append(self.rng.choice(_category(av, self.inside > 0)))


def _category(cat, inside: bool) -> str:
    name = str(cat)
    if "DIGIT" in name and "NOT" not in name:
        return string.digits
    if "WORD" in name and "NOT" not in name:
        return ALNUM + "_" if inside else ALNUM
    if "SPACE" in name and "NOT" not in name:
        return " "
    return ALNUM


def _charset(av, inside: bool) -> str:
    chars: set[str] = set()
    negate = False
    for op, arg in av:
        name = str(op)
        if name == "NEGATE":
            negate = True
        elif name == "LITERAL":
            chars.add(chr(arg))
        elif name == "RANGE":
            chars.update(chr(c) for c in range(arg[0], arg[1] + 1))
        elif name == "CATEGORY":
            chars.update(_category(arg, inside))
    if negate:
        chars = set(ALNUM) - chars
    printable = [c for c in sorted(chars) if c.isprintable() and (c != " " or not inside)]
    if not inside and " " in chars:
        return " "
    if not inside and any(c in "=:" for c in printable):
        return "".join(c for c in printable if c in "=:")
    return "".join(printable) or "x"


def sample_from(regex: re.Pattern, rng: random.Random, tries: int = 30) -> tuple[str, str] | None:
    """(whole match text, secret) drawn from `regex`; the secret is its first group (or the whole match)."""
    parsed = P.parse(regex.pattern, regex.flags & ~re.UNICODE)
    group = 1 if regex.groups else None
    for _ in range(tries):
        gen = _Gen(rng, group)
        try:
            gen.run(parsed)
        except (ValueError, RecursionError):
            return None
        text = gen.text()
        m = regex.search(text)
        if not m:
            continue
        secret = next((g for g in m.groups() if g), None) if regex.groups else m.group()
        if secret and len(secret) >= 6:
            return text, secret
    return None


# ------------------------------------------------------------------ line shapes

STAMP = "2026-11-26T14:02:07.123Z"


def _shapes(rng: random.Random, name: str, secret: str) -> list[str]:
    """One secret in the ways logs carry it: key=value, JSON, YAML-ish, CLI flag, XML, header, env."""
    upper = re.sub(r"\W+", "_", name).upper()
    snake = upper.lower()
    kebab = snake.replace("_", "-")
    return [
        f"{STAMP} ERROR payments.client - upstream rejected request {snake}={secret} attempt=3",
        f'{{"ts":"{STAMP}","level":"error","msg":"auth failed","config":{{"{snake}":"{secret}","region":"eu-west-1"}}}}',
        f"{STAMP} ERROR [worker-7] settings loaded: {snake}: '{secret}' (from env)",
        f"{STAMP} ERROR deploy.sh failed: ./bin/sync --{kebab} {secret} --dry-run exit 2",
        f"{STAMP} ERROR bad config <{snake}>{secret}</{snake}> in settings.xml",
        f"{STAMP} ERROR env dump: {upper}={secret} PATH=/usr/bin",
    ][: rng.randint(3, 6)]


def _rand(rng: random.Random, n: int, alphabet: str = ALNUM) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def _luhn_complete(rng: random.Random, prefix: str, length: int) -> str:
    digits = prefix + "".join(rng.choice(string.digits) for _ in range(length - len(prefix) - 1))
    for check in string.digits:
        cand = digits + check
        total = 0
        for i, ch in enumerate(reversed(cand)):
            d = int(ch)
            if i % 2:
                d = d * 2 - 9 if d > 4 else d * 2
            total += d
        if total % 10 == 0:
            return cand
    raise AssertionError


def vendor_samples(seed: int = 13) -> list[Sample]:
    """Two to six lines per vendored gitleaks rule whose regex we can draw from."""
    rng = random.Random(seed)
    out = []
    for rule in load_vendor_rules():
        drawn = sample_from(rule.regex, rng)
        if drawn is None:
            continue
        text, secret = drawn
        keyword = rule.keywords[0] if rule.keywords else rule.id
        context = "" if any(k in text.lower() for k in rule.keywords) else f"{keyword} "
        lines = [f"{STAMP} ERROR {context}integration call failed: {text.strip()} (retrying)"]
        for line in _shapes(rng, f"{keyword}_token", secret):
            if rule.regex.search(line):
                lines.append(line)
        out += [Sample(rule.id, line, secret) for line in lines]
    return out


def _pem(rng: random.Random, label: str, lines: int, escaped: bool, truncated: bool) -> tuple[str, str]:
    body = [base64.b64encode(bytes(rng.randrange(256) for _ in range(48))).decode() for _ in range(lines)]
    nl = "\\n" if escaped else "\n"
    text = f"-----BEGIN {label}-----{nl}" + nl.join(body)
    if not truncated:
        text += f"{nl}-----END {label}-----"
    return text, body[0]


def own_samples(seed: int = 31) -> list[Sample]:
    """The context kinds: assignments, headers, cookies, DSNs, key blocks, cards, JWTs."""
    rng = random.Random(seed)
    out: list[Sample] = []

    def add(kind: str, line: str, secret: str) -> None:
        assert secret in line, (kind, line)
        out.append(Sample(kind, line, secret))

    pw = lambda: _rand(rng, 6, string.ascii_lowercase) + rng.choice("!#%^*") + _rand(rng, 5)  # noqa: E731
    tok = lambda n=32: _rand(rng, n)  # noqa: E731
    for name in ("password", "db_password", "DB_PASS", "passwd", "pwd", "passphrase", "admin_password", "smtpPassword",
                 "secret", "client_secret", "app_secret", "api_key", "apikey", "x_api_key", "access_token", "refresh_token",
                 "auth_token", "secret_key", "private_key", "signing_key", "encryption_key", "master_key", "credentials",
                 "AccountKey", "sessionid", "session_id", "sid", "sig", "signature", "hmac_key", "webhook_secret"):
        value = pw() if "pass" in name.lower() or name == "pwd" else tok(rng.choice((24, 32, 40)))
        for line in _shapes(rng, name, value):
            add(f"generic:{name}", line, value)
    for name in ("password", "api_key", "token"):
        v = pw()
        add(f"json-escaped:{name}", f'{STAMP} ERROR body="{{\\"user\\":\\"bob\\",\\"{name}\\":\\"{v}\\"}}"', v)
        add(f"url-encoded:{name}", f"{STAMP} WARN POST /login body=user%3Dbob%26{name}%3D{v.replace('!', '%21')}%26remember%3D1",
            v.replace("!", "%21"))
        add(f"yaml:{name}", f"{STAMP} ERROR rendered values.yaml:   {name}: {v}", v)
        add(f"quoted-spaces:{name}", f'{STAMP} ERROR login {name}="{v} {v[::-1]}" rejected', f"{v} {v[::-1]}")
    for name in ("password", "api_key", "client_secret"):
        v = _rand(rng, 12)
        add(f"url-encoded-json:{name}", f"{STAMP} WARN POST body=%7B%22user%22%3A%22bob%22%2C%22{name}%22%3A%22{v}%22%7D", v)
    add("digest-auth", f'{STAMP} ERROR Authorization: Digest username="bob", realm="api", nonce="{_rand(rng, 32, HEX)}", '
        f'response="{(k := _rand(rng, 32, HEX))}"', k)
    add("vendor:stripe-webhook-secret", f"{STAMP} ERROR webhook signature check failed with whsec_{(k := _rand(rng, 32))}", k)
    add("vendor:docker-pat", f"{STAMP} ERROR docker login -u ci -p dckr_pat_{(k := _rand(rng, 27, ALNUM + '_-'))}", k)
    add("vendor:openai-project-key", f"{STAMP} ERROR OPENAI call 401 key=sk-proj-{(k := _rand(rng, 48, ALNUM + '_-'))}", k)
    add("vendor:stripe-restricted", f"{STAMP} ERROR stripe rk_live_{(k := _rand(rng, 24))} lacks scope", k)
    add("url-key:sentry-dsn", f"{STAMP} WARN sentry dsn=https://{(k := _rand(rng, 32, HEX))}@o{rng.randrange(10**6)}.ingest.sentry.io/{rng.randrange(10**4)}", k)
    add("cli:mysql-p", f"{STAMP} ERROR backup: mysqldump -u root -p{(k := pw())} --all-databases failed", k)
    add("xml:add-key-value", f'{STAMP} ERROR web.config <add key="StorageAccountKey" value="{(k := tok(44))}" />', k)
    add("cli:password-equals", f"{STAMP} ERROR mysql --user=app --password={(k := pw())} -h db.internal", k)
    # headers
    for scheme in ("Bearer", "Basic", "token", "Bearer"):
        v = base64.b64encode(f"svc:{pw()}".encode()).decode() if scheme == "Basic" else tok(40)
        add(f"header:authorization-{scheme.lower()}", f"{STAMP} ERROR GET /v1/orders 401 headers={{Authorization: {scheme} {v}}}", v)
        add(f"header-json:authorization-{scheme.lower()}", f'{STAMP} ERROR request headers {{"Authorization": "{scheme} {v}", "Accept": "*/*"}}', v)
    v = tok(40)
    add("header:authorization-aws4", f"{STAMP} ERROR S3 403 Authorization: AWS4-HMAC-SHA256 Credential=AKIA{_rand(rng, 16, string.ascii_uppercase + string.digits)}/20261126/eu-west-1/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature={(sig := _rand(rng, 64, HEX))}", sig)
    add("header:x-api-key", f"{STAMP} ERROR upstream 403 X-Api-Key: {v}", v)
    add("header:x-amz-security-token", f"{STAMP} ERROR sts X-Amz-Security-Token: {(k := 'FwoGZXIvYXdzE' + _rand(rng, 120, B64))}", k)
    add("query:x-amz-signature", f"{STAMP} ERROR GET https://bucket.s3.amazonaws.com/r.pdf?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature={(k := _rand(rng, 64, HEX))}&X-Amz-Expires=900", k)
    add("query:x-amz-credential", f"{STAMP} ERROR presign X-Amz-Credential={(k := 'ASIA' + _rand(rng, 16, string.ascii_uppercase + string.digits))}%2F20261126%2Feu-west-1%2Fs3%2Faws4_request", k)
    add("query:sas-sig", f"{STAMP} ERROR blob GET https://acct.blob.core.windows.net/c/b?sv=2022-11-02&se=2026-12-01&sig={(k := _rand(rng, 43, B64).replace('/', '%2F') + '%3D')}", k)
    add("azure:connection-string", f"{STAMP} ERROR DefaultEndpointsProtocol=https;AccountName=prodlogs;AccountKey={(k := _rand(rng, 86, B64) + '==')};EndpointSuffix=core.windows.net", k)
    add("header:x-goog-api-key", f"{STAMP} ERROR x-goog-api-key: {(k := tok(39))}", k)
    add("header:private-token", f"{STAMP} ERROR curl -H 'PRIVATE-TOKEN: {(k := tok(20))}' https://git.internal/api/v4", k)
    # cookies
    s1, s2 = _rand(rng, 32, HEX), tok(48)
    add("cookie:session", f"{STAMP} ERROR request Cookie: theme=dark; session={s1}; _ga=GA1.2.{rng.randrange(10**9)}", s1)
    add("cookie:csrf", f"{STAMP} ERROR request Cookie: csrftoken={s2}; sessionid={s1}", s2)
    add("set-cookie", f"{STAMP} WARN response Set-Cookie: JSESSIONID={(k := _rand(rng, 32, HEX.upper()))}; Path=/; Secure; HttpOnly", k)
    add("set-cookie:json", f'{STAMP} WARN {{"headers": {{"set-cookie": "auth={(k := tok(40))}; Max-Age=3600; SameSite=Lax"}}}}', k)
    add("url:jsessionid", f"{STAMP} WARN GET /shop/cart;jsessionid={(k := _rand(rng, 32, HEX.upper()))}?item=3 302", k)
    add("query:phpsessid", f"{STAMP} WARN GET /index.php?PHPSESSID={(k := _rand(rng, 26, string.ascii_lowercase + string.digits))} 200", k)
    # DSNs with tricky passwords
    for scheme, host in (("postgres", "db.prod.internal:5432/orders"), ("mysql", "10.2.3.4:3306/app"),
                         ("mongodb+srv", "cluster0.abcde.mongodb.net/?retryWrites=true"), ("redis", "cache:6379/0"),
                         ("amqp", "rabbit.internal:5672/%2F"), ("https", "nexus.example.com/repository/pypi")):
        for tricky in ("@", "/", "%40", "%2F", ":", "!#"):
            p = _rand(rng, 5) + tricky + _rand(rng, 6)
            user = "" if scheme == "redis" and tricky == ":" else "app_user"
            add(f"dsn:{scheme}", f"{STAMP} ERROR connect failed url={scheme}://{user}:{p}@{host} timeout=5s", p)
    add("dsn:jdbc-password-param", f"{STAMP} ERROR jdbc:postgresql://db:5432/app?user=app&password={(k := pw())}&ssl=true", k)
    add("dsn:ado-net", f"{STAMP} ERROR Server=tcp:sql.internal,1433;Database=app;User ID=app;Password={(k := pw())};Encrypt=True", k)
    # key blocks
    for label in ("RSA PRIVATE KEY", "EC PRIVATE KEY", "PRIVATE KEY", "ENCRYPTED PRIVATE KEY", "OPENSSH PRIVATE KEY",
                  "DSA PRIVATE KEY", "PGP PRIVATE KEY BLOCK"):
        for escaped, truncated in ((False, False), (True, False), (False, True)):
            text, body = _pem(rng, label, rng.randint(2, 6), escaped, truncated)
            add(f"pem:{label.lower()}", f"{STAMP} ERROR loaded key material {text}\nnext: retry in 5s", body)
    add("age-secret-key", f"{STAMP} ERROR sops: AGE-SECRET-KEY-1{(k := _rand(rng, 58, 'QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L'))} unusable", k)
    # JWT
    hdr = base64.urlsafe_b64encode(b'{"alg":"HS256","typ":"JWT"}').decode().rstrip("=")
    body = base64.urlsafe_b64encode(f'{{"sub":"{rng.randrange(10**6)}","exp":{rng.randrange(10**9)}}}'.encode()).decode().rstrip("=")
    jwt = f"{hdr}.{body}.{_rand(rng, 43, ALNUM + '-_')}"
    add("jwt", f"{STAMP} ERROR token rejected jwt={jwt} user=7", jwt)
    add("jwt:bare", f"{STAMP} ERROR could not verify {jwt}: signature expired", jwt)
    # cards by Luhn, several issuers and groupings
    for issuer, prefix, length in (("visa", "4", 16), ("visa13", "4", 13), ("mastercard", "5" + str(rng.randint(1, 5)), 16),
                                   ("mastercard2", "2221", 16), ("amex", "37", 15), ("discover", "6011", 16), ("jcb", "3530", 16),
                                   ("diners", "305", 14), ("unionpay", "62", 19), ("maestro", "6759", 16)):
        number = _luhn_complete(rng, prefix, length)
        add(f"card:{issuer}", f"{STAMP} ERROR charge failed card={number} amount=12.00", number)
        if length == 16:
            spaced = " ".join(number[i : i + 4] for i in range(0, 16, 4))
            add(f"card:{issuer}", f'{STAMP} ERROR {{"pan": "{spaced}", "cvc": "***"}}', spaced)
            dashed = spaced.replace(" ", "-")
            add(f"card:{issuer}", f"{STAMP} ERROR declined {dashed} (insufficient funds)", dashed)
    return out


def corpus() -> list[Sample]:
    return vendor_samples() + own_samples()
