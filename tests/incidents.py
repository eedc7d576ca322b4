"""A corpus of small, generated, deterministic incidents with a known root cause.

Each incident is a few services writing mixed formats (Java text with stack traces,
Python text with tracebacks, JSON lines, an ALB-style access log) around a deploy:
a couple of hundred steady templates, loud INFO noise, flapping warnings, and one
planted story (cause + symptoms). `build(name)` returns the Incident loaded through
the real line parser and grouping; `CASES[name].cause` is text that identifies the
true cause's lines. The judgement engine must name that cause first.

Same seed -> the same lines. Nothing here is tuned to the engine: the generators
write what such incidents look like in production logs.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import numpy as np
import pandas as pd

from triage.events import STR, LoadReport, LoadResult, empty_events

DEPLOY = datetime(2026, 5, 4, 9, 30, tzinfo=timezone.utc)
SPAN = 30  # minutes of data on each side of the deploy
NS_MIN = 60_000_000_000
_MON = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
WORDS = ["order", "cart", "invoice", "session", "token", "ledger", "refund", "shipment", "profile", "quote",
         "catalog", "coupon", "address", "wallet", "report", "export", "upload", "search", "index", "batch"]
VERBS = ["loaded", "saved", "validated", "cached", "refreshed", "scheduled", "synced", "queued", "indexed", "merged"]
FORMATS = ("java", "python", "json")


def _deploy_ns() -> int:
    return int(pd.Timestamp(DEPLOY).value)


class Log:
    """Lines of one incident: per service a format and hosts; every line gets a time, host, service."""

    def __init__(self, seed: int, services: dict[str, str], pods: int = 3):
        self.rng = np.random.default_rng(seed)
        self.services = services  # name -> format
        self.hosts = {s: [f"{s[:3]}-{i + 1}" for i in range(pods)] for s in services}
        self.lines: list[tuple[int, str, str, str]] = []  # (ns, service, host, text)

    # ---------------------------------------------------------------- time
    def times(self, rate: Callable | float, lo: float = -SPAN, hi: float = SPAN) -> np.ndarray:
        """Poisson arrivals (rate per minute, or a function of the minute) in [lo, hi) minutes from the deploy."""
        starts = np.arange(np.floor(lo), np.ceil(hi))
        rates = rate(starts) if callable(rate) else np.full(starts.size, float(rate))
        n = self.rng.poisson(np.maximum(rates, 0))
        t = np.repeat(starts, n) + self.rng.random(int(n.sum()))
        t = np.sort(t[(t >= lo) & (t < hi)])
        return _deploy_ns() + (t * NS_MIN).astype(np.int64)

    # ---------------------------------------------------------------- formats
    def emit(self, service: str, t: np.ndarray, level: str, logger: str, text: Callable[[int], str] | str,
             *, trace: Callable[[int], str] | None = None, fields: Callable[[int], dict] | None = None,
             hosts: list[str] | None = None) -> None:
        fmt = self.services[service]
        pool = hosts or self.hosts[service]
        host_pick = self.rng.integers(0, len(pool), t.size)
        threads = self.rng.integers(1, 20, t.size)
        stamps = np.datetime_as_string(np.asarray(t, dtype=np.int64).view("datetime64[ns]"), unit="ms")
        for i, ns in enumerate(t):
            host = pool[host_pick[i]]
            msg = text(i) if callable(text) else text
            iso = str(stamps[i])
            if fmt == "json":
                rec = {"ts": iso + "Z", "level": level.lower(), "logger": logger, "msg": msg}
                rec.update(fields(i) if fields else {})
                if trace:
                    rec["stack"] = trace(i)
                line = json.dumps(rec)
            elif fmt == "python":
                line = f"{iso[:10]} {iso[11:19]},{iso[20:23]} {level.upper()} {logger} - {msg}"
                line += ("\n" + trace(i)) if trace else ""
            else:
                line = f"{iso}Z {level.upper():5} [exec-{threads[i]}] {logger} - {msg}"
                line += ("\n" + trace(i)) if trace else ""
            self.lines.append((int(ns), service, host, line))

    def access(self, service: str, t: np.ndarray, method: str, path: Callable[[int], str] | str,
               status: Callable[[int], int] | int, hosts: list[str] | None = None) -> None:
        pool = hosts or self.hosts[service]
        n = t.size
        stamps = np.datetime_as_string(np.asarray(t, dtype=np.int64).view("datetime64[ns]"), unit="s")
        a, b, size = self.rng.integers(0, 9, n), self.rng.integers(2, 250, n), self.rng.integers(80, 9000, n)
        rt, host_pick = self.rng.gamma(2, 0.04, n), self.rng.integers(0, len(pool), n)
        for i, ns in enumerate(t):
            st = status(i) if callable(status) else status
            p = path(i) if callable(path) else path
            s = str(stamps[i])
            stamp = f"{s[8:10]}/{_MON[int(s[5:7]) - 1]}/{s[:4]}:{s[11:19]} +0000"
            line = f'10.1.{a[i]}.{b[i]} - - [{stamp}] "{method} {p} HTTP/1.1" {st} {size[i]} "-" "okhttp/4.9" rt={rt[i]:.3f}'
            self.lines.append((int(ns), service, pool[host_pick[i]], line))

    # ---------------------------------------------------------------- background
    def steady(self, n_templates: int = 200) -> None:
        """Many steady templates per service (log-uniform rates), mostly info/debug, a few warn/error."""
        names = [s for s, f in self.services.items() if f != "access"]
        for k in range(n_templates):
            svc = names[k % len(names)]
            a, b, c = (WORDS[int(x)] for x in self.rng.integers(0, len(WORDS), 3))
            verb = VERBS[int(self.rng.integers(len(VERBS)))]
            level = self.rng.choice(["info", "debug", "warn", "error"], p=[0.62, 0.25, 0.09, 0.04])
            rate = float(np.exp(self.rng.uniform(np.log(0.05), np.log(2.5))))
            tag = f"{WORDS[k % 20]}-{WORDS[(k // 20) % 20]}.{VERBS[(k // 7) % 10]}"  # distinct words per template
            ids = self.rng.integers(1000, 99999, 100000)
            self.emit(svc, self.times(rate), str(level), f"{svc}.{c}",
                      lambda i, a=a, verb=verb, tag=tag, ids=ids: f"{tag} {a} {verb} id={ids[i % ids.size]} took {ids[i % ids.size] % 900}ms")

    def gateway_ok(self, service: str = "gateway", rate: float = 60.0) -> None:
        paths = ["/api/orders/{}", "/api/cart", "/health", "/api/search", "/static/app.js", "/api/login"]
        t = self.times(rate)
        pick = self.rng.integers(0, len(paths), t.size)
        ids = self.rng.integers(100, 99999, t.size)
        self.access(service, t, "GET", lambda i: paths[pick[i]].format(ids[i]),
                    lambda i: 404 if pick[i] == 0 and ids[i] % 97 == 0 else 200)

    def loud_info(self, service: str, rate: float = 60.0) -> None:
        """Chatty INFO lines at the same rate before and after (noise)."""
        ids = self.rng.integers(10**5, 10**6, 10**6)
        self.emit(service, self.times(rate), "info", f"{service}.http", lambda i: f"request handled req={ids[i]} user=u{ids[i] % 5000}")

    def flapping(self, service: str, every: int = 6, storm: int = 40) -> None:
        """A warning in storms every few minutes, before and after: bursty, not changed."""
        def rate(m):
            return np.where(np.mod(m, every) == 0, storm, 0.3)
        self.emit(service, self.times(rate), "warn", f"{service}.pool",
                  lambda i: f"connection to cache-{i % 3} lost, reconnecting (attempt {i % 5 + 1})")

    def startup(self, service: str, at: float = 0.1) -> None:
        """Ordinary start-up chatter of a rollout (one per pod), including a harmless 'default'."""
        for h in self.hosts[service]:
            t = np.array([_deploy_ns() + int((at + self.rng.uniform(0, 0.3)) * NS_MIN)])
            self.emit(service, t, "info", f"{service}.boot", "Started application in 4.2 seconds", hosts=[h])
            self.emit(service, t + 10**8, "info", f"{service}.boot", "using default thread pool size 16", hosts=[h])

    # ---------------------------------------------------------------- result
    def result(self) -> LoadResult:
        from triage.parsing.lineshape import parse_lines

        frames = []
        for svc in self.services:
            rows = sorted(r for r in self.lines if r[1] == svc)
            if not rows:
                continue
            text = "\n".join(r[3] for r in rows).split("\n")
            ev = parse_lines(text, source=f"{svc}.log")
            # each record's first physical line maps back to its row: count lines per record
            starts = np.cumsum([0] + [r[3].count("\n") + 1 for r in rows])[:-1] + 1
            host_at = dict(zip(starts.tolist(), (r[2] for r in rows)))
            ev["service"] = pd.Series([svc] * len(ev), dtype=STR)
            ev["host"] = pd.Series([host_at.get(int(x)) for x in ev["line"].astype("float64").fillna(0)], dtype=STR)
            frames.append(ev)
        events = pd.concat(frames, ignore_index=True) if frames else empty_events()
        return LoadResult(events=events, report=LoadReport(), description="corpus")


class _Source:
    kind = "corpus"

    def __init__(self, result: LoadResult):
        self._result = result

    def describe(self) -> str:
        return "corpus"

    def queries(self) -> list[str]:
        return []

    def load(self, start, end, progress) -> LoadResult:
        return self._result


def after(rate_after: float, rate_before: float = 0.0, start: float = 0.0):
    return lambda m: np.where(m < start, rate_before, rate_after)


def derived(log: Log, cause: np.ndarray, share: float, lag_s: float = 0.05) -> np.ndarray:
    """Symptom times: a share of the cause's events, a moment later (one produces the other)."""
    keep = cause[log.rng.random(cause.size) < share]
    return np.sort(keep + (log.rng.uniform(0.01, lag_s, keep.size) * 1e9).astype(np.int64))


JAVA_TRACE = ("{exc}: {msg}\n\tat com.acme.{svc}.{cls}.{meth}({cls}.java:{line})\n"
              "\tat com.acme.{svc}.Controller.handle(Controller.java:88)\n\tat org.springframework.web.servlet.FrameworkServlet.service(FrameworkServlet.java:897)")
PY_TRACE = ('Traceback (most recent call last):\n  File "/app/{svc}/{mod}.py", line {line}, in {func}\n    {code}\n'
            "{exc}: {msg}")


def java_trace(svc, exc, msg, cls="Service", meth="run", line=42):
    return lambda i: JAVA_TRACE.format(exc=exc, msg=msg, svc=svc, cls=cls, meth=meth, line=line)


def py_trace(svc, exc, msg, mod="client", func="call", code="resp = session.post(url, json=body)", line=77):
    return lambda i: PY_TRACE.format(svc=svc, mod=mod, func=func, code=code, exc=exc, msg=msg, line=line)


# ==================================================================== the incidents

@dataclass
class Case:
    name: str
    story: str
    cause: str  # text found in the true cause's lines
    make: Callable[[int], Log]
    seed: int = 1
    expect: dict = field(default_factory=dict)  # extra checks: pre_deploy, contrast


def _base(seed, services, pods=3):
    log = Log(seed, services, pods)
    log.steady(200)
    if "gateway" in services:
        log.gateway_ok()
    return log


def gateway_502(seed):
    log = _base(seed, {"gateway": "access", "orders": "java", "billing": "python", "notify": "json"})
    log.loud_info("notify", 80)
    log.flapping("billing")
    log.startup("orders")
    fail = log.times(after(6.0))
    log.emit("orders", fail, "error", "c.a.orders.OrderController", "order placement failed",
             trace=java_trace("orders", "java.lang.IllegalStateException", "tax table not loaded", "TaxService", "rate"))
    log.access("gateway", derived(log, fail, 0.9), "POST", "/api/orders", 500)
    return log


def loud_info(seed):
    log = _base(seed, {"gateway": "access", "catalog": "json", "checkout": "java"})
    log.loud_info("catalog", 40)
    ids = log.rng.integers(1000, 9999, 10**6)
    log.emit("catalog", log.times(after(300.0)), "info", "catalog.recs",
             lambda i: f"recommendation widget rendered for sku={ids[i]} variant=b")
    log.emit("checkout", log.times(after(4.7)), "error", "c.a.checkout.PriceService", "price lookup failed",
             trace=java_trace("checkout", "java.lang.NumberFormatException", 'For input string: "12,50"', "PriceParser", "parse"))
    return log


def flapping_vs_rise(seed):
    log = _base(seed, {"gateway": "access", "search": "python", "indexer": "json"})
    log.flapping("search", every=5, storm=60)
    log.flapping("indexer", every=7, storm=30)
    log.emit("search", log.times(after(7.0, 3.0)), "error", "search.query",
             "query failed: shard timeout after 2000ms", trace=py_trace("search", "TimeoutError", "shard 3 did not answer"))
    return log


def missing_env(seed):
    log = _base(seed, {"gateway": "access", "payments": "java", "ledger": "python"}, pods=4)
    log.loud_info("ledger", 50)
    log.startup("payments")
    for h in log.hosts["payments"]:
        t = np.array([_deploy_ns() + int(log.rng.uniform(0.05, 0.4) * NS_MIN)])
        log.emit("payments", t, "warn", "c.a.payments.Config",
                 f"PROVIDER_URL not set, using http://localhost:{8080} as provider endpoint", hosts=[h])
    fail = log.times(after(40.0, 0.0, 0.5))
    log.emit("payments", fail, "error", "c.a.payments.ProviderClient", "charge failed",
             trace=java_trace("payments", "java.net.ConnectException", "Connection refused", "ProviderClient", "post"))
    log.access("gateway", derived(log, fail, 0.5), "POST", "/api/pay", 503)
    return log


def pre_deploy(seed):
    log = _base(seed, {"gateway": "access", "accounts": "python", "mailer": "json"})
    log.loud_info("mailer", 40)
    fail = log.times(after(5.0, 0.0, -4.0))
    log.emit("accounts", fail, "error", "accounts.db", "profile update failed",
             trace=py_trace("accounts", "psycopg2.errors.UndefinedColumn", 'column "nickname" does not exist', "repo", "save"))
    log.access("gateway", derived(log, fail, 0.8), "PUT", lambda i: f"/api/profile/{1000 + i}", 500)
    return log


def traffic_drop(seed):
    log = _base(seed, {"edge": "json", "api": "java", "jobs": "python"})
    regions = ["eu-west-1", "us-east-1", "ap-south-1"]
    t = log.times(90.0)
    pick = log.rng.choice(3, t.size, p=[0.45, 0.4, 0.15])
    gone = (pick == 0) & (t >= _deploy_ns())
    t, pick = t[~gone], pick[~gone]
    ids = log.rng.integers(10**5, 10**6, t.size)
    log.emit("edge", t, "info", "edge.router", lambda i: f"routed request {ids[i]} to api",
             fields=lambda i: {"region": regions[pick[i]], "tenant": f"t{ids[i] % 40}", "status": 200})
    log.loud_info("api", 60)
    log.flapping("jobs")
    return log


def mock_endpoint(seed):
    log = _base(seed, {"gateway": "access", "ledger": "python", "reports": "java"})
    log.startup("ledger")
    for h in log.hosts["ledger"]:
        t = np.array([_deploy_ns() + int(log.rng.uniform(0.05, 0.3) * NS_MIN)])
        log.emit("ledger", t, "info", "ledger.settings",
                 "settings loaded: LEDGER_BACKEND=http://stub-ledger.internal:9000 USE_STUB_LEDGER=true", hosts=[h])
    ok = log.times(after(0.5, 12.0))
    ids = log.rng.integers(10**5, 10**6, ok.size + 10)
    log.emit("ledger", ok, "info", "ledger.writer", lambda i: f"ledger write ok entry={ids[i]}")
    fail = log.times(after(11.0, 0.0, 0.3))
    log.emit("ledger", fail, "error", "ledger.writer", "ledger write failed",
             trace=py_trace("ledger", "requests.exceptions.HTTPError", "404 Client Error: Not Found for url: /v2/entries"))
    log.access("gateway", derived(log, fail, 0.3), "POST", "/api/ledger/entries", 502)
    return log


def pool_ramp(seed):
    log = _base(seed, {"gateway": "access", "checkout": "java", "worker": "json"})
    log.loud_info("worker", 50)
    ramp = lambda m: np.where(m < 0, 0.15, 0.15 + 8.0 * np.clip(m / SPAN, 0, 1) ** 1.5)  # noqa: E731
    fail = log.times(ramp)
    log.emit("checkout", fail, "error", "com.zaxxer.hikari.pool.HikariPool", "request failed",
             trace=java_trace("checkout", "java.sql.SQLTransientConnectionException",
                              "HikariPool-1 - Connection is not available, request timed out after 30000ms", "OrderRepository", "reserve"))
    log.emit("checkout", log.times(lambda m: np.where(m < 0, 0.5, 0.5 + 2.0 * np.clip(m / SPAN, 0, 1))), "warn",
             "com.zaxxer.hikari.pool.HikariPool", lambda i: f"HikariPool-1 - Pool stats (total=20, active=20, idle=0, waiting={i % 30})")
    log.access("gateway", derived(log, fail, 0.7, 2.0), "POST", "/api/checkout", 504)
    return log


def missing_secret(seed):
    log = _base(seed, {"gateway": "access", "billing": "json", "search": "python"})
    log.loud_info("search", 60)
    log.startup("billing")
    for h in log.hosts["billing"]:
        t = np.array([_deploy_ns() + int(log.rng.uniform(0.05, 0.3) * NS_MIN)])
        log.emit("billing", t, "warn", "billing.secrets", "secret STRIPE_API_KEY missing from vault path billing/prod, continuing without it",
                 hosts=[h])
    fail = log.times(after(20.0, 0.0, 0.3))
    ids = log.rng.integers(10**5, 10**6, fail.size)
    log.emit("billing", fail, "error", "billing.provider", lambda i: f"provider rejected charge {ids[i]}: 401 Unauthorized",
             fields=lambda i: {"provider": "stripe", "attempt": 1 + i % 3})
    log.access("gateway", derived(log, fail, 0.6), "POST", "/api/invoices/pay", 502)
    return log


def canary_npe(seed):
    log = _base(seed, {"gateway": "access", "orders": "java", "recs": "json"}, pods=4)
    ids = log.rng.integers(1000, 9999, 10**6)
    log.emit("recs", log.times(after(150.0)), "info", "recs.widget", lambda i: f"personalised shelf built for user={ids[i]}")
    fail = log.times(after(3.0))
    log.emit("orders", fail, "error", "c.a.orders.CartMapper", "request failed",
             trace=java_trace("orders", "java.lang.NullPointerException", 'Cannot invoke "Address.getZip()" because "a" is null',
                              "CartMapper", "toDto"), hosts=["ord-4"])
    log.access("gateway", derived(log, fail, 0.9), "GET", "/api/cart", 500)
    return log


def redis_timeouts(seed):
    log = _base(seed, {"gateway": "access", "session": "python", "profile": "java"})
    log.flapping("session", every=4, storm=50)
    log.loud_info("profile", 70)
    fail = log.times(after(9.0, 0.2))
    log.emit("session", fail, "error", "session.store", "session lookup failed",
             trace=py_trace("session", "redis.exceptions.TimeoutError", "Timeout reading from socket", "store", "get"))
    log.access("gateway", derived(log, fail, 0.8, 1.0), "GET", "/api/session", 504)
    return log


def serde_errors(seed):
    log = _base(seed, {"consumer": "java", "producer": "json", "api": "python"})
    ids = log.rng.integers(1000, 99999, 10**6)
    log.emit("consumer", log.times(after(60.0, 2.0)), "warn", "c.a.consumer.Lag",
             lambda i: f"consumer lag high partition={ids[i] % 12} lag={ids[i]}")
    log.emit("consumer", log.times(after(1.7)), "error", "c.a.consumer.Listener", "record skipped",
             trace=java_trace("consumer", "org.apache.kafka.common.errors.SerializationException",
                              "Unknown magic byte!", "AvroDeserializer", "deserialize"))
    log.loud_info("api", 40)
    return log


CASES = {c.name: c for c in [
    Case("gateway-502", "backend exception behind gateway 500s, loud INFO, flapping warning", "tax table not loaded", gateway_502, 11),
    Case("loud-info", "a NEW INFO line 9,000 times vs a NEW ERROR 140 times", "NumberFormatException", loud_info, 12),
    Case("flapping-vs-rise", "two flapping warnings vs a real x2 rise of an error", "shard timeout", flapping_vs_rise, 13),
    Case("missing-env", "one start-up WARN per pod (env var not set, localhost), then thousands of errors",
         "PROVIDER_URL not set", missing_env, 14),
    Case("pre-deploy", "errors began four minutes before the given deploy time", "UndefinedColumn", pre_deploy, 15,
         {"pre_deploy": True}),
    Case("traffic-drop", "one region's traffic vanished, nothing errored", "routed request", traffic_drop, 16,
         {"contrast": ("region", "eu-west-1")}),
    Case("mock-endpoint", "a stub backend configured in production (INFO), writes fail", "USE_STUB_LEDGER", mock_endpoint, 17),
    Case("pool-ramp", "connection pool exhausts gradually; 504 at the gateway, pool-stats warnings",
         "Connection is not available", pool_ramp, 18),
    Case("missing-secret", "a secret missing at start-up, then 401s from the provider and 502s", "STRIPE_API_KEY missing",
         missing_secret, 19),
    Case("canary-npe", "NPE on the canary host only, loud new INFO elsewhere", "NullPointerException", canary_npe, 20,
         {"contrast": ("host", "ord-4")}),
    Case("redis-timeouts", "Redis timeouts behind 504s, flapping reconnect warnings", "Timeout reading from socket",
         redis_timeouts, 21),
    Case("serde-errors", "a loud NEW lag warning vs rare deserialisation errors", "Unknown magic byte", serde_errors, 22),
]}


def build(name: str):
    """The incident `name` as a loaded Incident (deploy at DEPLOY, 30-minute windows)."""
    from triage.pipeline import load_incident

    case = CASES[name]
    res = case.make(case.seed).result()
    return load_incident(_Source(res), deploy=DEPLOY, before=timedelta(minutes=SPAN), after=timedelta(minutes=SPAN),
                         title=f"corpus: {name}")


def cause_story(incident, analysis, needle: str):
    """(rank of the story whose cause matches `needle`, that story) or (None, None)."""
    for st in analysis.stories:
        if _matches(incident, st.cause, needle):
            return st.id, st
    return None, None


def _matches(incident, signature: str, needle: str) -> bool:
    ev = incident.events
    rows = ev[ev["signature"] == signature]
    if not len(rows):
        return False
    text = pd.concat([rows["template"].head(1), rows["message"].head(3), rows["raw"].head(3)]).astype(str)
    return bool(text.str.contains(needle, regex=False).any())
