"""Cheap, deterministic log lines for the demo: numpy for times and choices, f-strings for text.

Each (service, host) stream is a list of (time in ns, record text); a record may span
several lines (stack traces). Lines are then parsed like any file would be.
"""

from __future__ import annotations

import numpy as np

from triage.demo import scenario as sc

NS_MIN = 60_000_000_000
_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def deploy_ns() -> int:
    return int(np.datetime64(sc.DEMO_DEPLOY.replace(tzinfo=None), "ns").astype(np.int64))


def times(rng, rate_per_min, lo_min: float, hi_min: float) -> np.ndarray:
    """Poisson arrivals in [lo, hi) minutes from the deploy; `rate_per_min` may be a function of minute."""
    starts = np.arange(np.floor(lo_min), np.ceil(hi_min))
    rates = rate_per_min(starts) if callable(rate_per_min) else np.full(starts.size, float(rate_per_min))
    counts = rng.poisson(np.maximum(rates, 0.0))
    t = np.repeat(starts, counts) + rng.random(int(counts.sum()))
    t = t[(t >= lo_min) & (t < hi_min)]
    return np.sort(deploy_ns() + (t * NS_MIN).astype(np.int64))


def iso_ms(ns: np.ndarray) -> list[str]:
    """'2026-11-26T14:02:07.123' for each time (callers add the zone or reshape)."""
    return np.datetime_as_string(np.asarray(ns, dtype=np.int64).view("datetime64[ns]"), unit="ms").tolist()


def stamp(ns: np.ndarray, fmt: str) -> list[str]:
    iso = iso_ms(ns)
    if fmt in ("java", "json"):
        return [s + "Z" for s in iso]
    if fmt == "python":
        return [f"{s[:10]} {s[11:19]},{s[20:23]}" for s in iso]
    return [f"{s[8:10]}/{_MONTHS[int(s[5:7]) - 1]}/{s[:4]}:{s[11:19]} +0000" for s in iso]  # access


def ids(rng, n: int, prefix: str, lo: int = 10000, hi: int = 99999) -> list[str]:
    return [f"{prefix}{v}" for v in rng.integers(lo, hi, n)]


def before_after(before: float, after: float):
    return lambda m: np.where(m < 0, before, after)


def ramp_after(before: float, start: float, end: float, minutes: float = sc.SPAN_MINUTES):
    return lambda m: np.where(m < 0, before, start + (end - start) * np.clip(m / minutes, 0, 1) ** 1.5)


# ------------------------------------------------------------------ gateway (ALB-style access log)

def gateway(rng, host: str, host_index: int, failures: np.ndarray) -> list[tuple[int, str]]:
    span = sc.SPAN_MINUTES
    t = times(rng, sc.GATEWAY_RPM, -span, span)
    n = t.size
    paths = np.array(["/api/products/{}", "/api/cart", "/api/checkout", "/health", "/static/app.{}.js",
                      "/api/products/{}/reviews", "/api/login", "/favicon.ico"], dtype=object)
    weights = np.array([0.38, 0.15, 0.08, 0.12, 0.12, 0.08, 0.05, 0.02])
    choice = rng.choice(len(paths), n, p=weights)
    methods = np.where(np.isin(choice, [1, 2, 6]), "POST", "GET")
    status = np.full(n, 200)
    status[choice == 7] = 404
    status[(choice == 6) & (rng.random(n) < 0.08)] = 401
    status[(choice == 0) & (rng.random(n) < 0.01)] = 404
    status[(choice == 4) & (rng.random(n) < 0.3)] = 304
    status[rng.random(n) < 0.0007] = 503  # background noise, before and after
    rt = rng.gamma(2.0, 0.03, n)
    ids_ = rng.integers(1000, 9999, n)
    clients = rng.integers(2, 250, n)
    target = f"10.0.{2 + host_index}.{14 + host_index}:8080"
    stamps = stamp(t, "access")
    path_of = [p.format(v) for p, v in zip(paths[choice].tolist(), ids_.tolist())]
    size = (200 + ids_ % 3000).tolist()
    rts = np.char.mod("%.3f", rt).tolist()
    tail = f'"-" "Mozilla/5.0" rt={{}} target={target} elb=app/prod-alb/7f3a'
    out = [
        (ti, f'10.0.1.{c} - - [{s}] "{m} {p} HTTP/1.1" {st} {sz} ' + tail.format(r))
        for ti, c, s, m, p, st, sz, r in zip(t.tolist(), clients.tolist(), stamps, methods.tolist(), path_of,
                                             status.tolist(), size, rts)
    ]
    # failed charges surface as 502s on POST /api/pay, split across gateway hosts
    mine = failures[rng.random(failures.size) < sc.PAY_FAIL_TO_502 / len(sc.HOSTS["gateway"])]
    fstamps = stamp(mine, "access")
    for ti, st in zip(mine, fstamps):
        out.append((int(ti), f'10.0.1.{rng.integers(2, 250)} - - [{st}] "POST /api/pay HTTP/1.1" 502 157 "-" "okhttp/4.9.3" '
                             f'rt={rng.uniform(0.4, 5.0):.3f} target={target} elb=app/prod-alb/7f3a'))
    return out


# ------------------------------------------------------------------ payments (Python text + tracebacks)

MOCK_TRACE = (
    "Traceback (most recent call last):\n"
    '  File "/app/payments/client.py", line 88, in charge\n'
    '    resp = self.session.post(self.endpoint + "/v1/charges", json=body, timeout=5)\n'
    '  File "/usr/local/lib/python3.11/site-packages/requests/sessions.py", line 637, in post\n'
    '    return self.request("POST", url, data=data, json=json, **kwargs)\n'
    '  File "/usr/local/lib/python3.11/site-packages/requests/adapters.py", line 519, in send\n'
    "    raise ConnectionError(e, request=request)\n"
    "requests.exceptions.ConnectionError: HTTPConnectionPool(host='mock-payments.internal', port=8080): "
    "Max retries exceeded with url: /v1/charges (Caused by NewConnectionError('<urllib3.connection.HTTPConnection "
    "object at 0x{addr:x}>: Failed to establish a new connection: [Errno 111] Connection refused'))"
)


def payments(rng, host: str, failures: np.ndarray) -> list[tuple[int, str]]:
    span = sc.SPAN_MINUTES
    out: list[tuple[int, str]] = []

    def emit(t, fmt_fn):
        st = stamp(t, "python")
        out.extend((int(ti), fmt_fn(s)) for ti, s in zip(t, st))

    ok = times(rng, before_after(sc.CHARGES_RPM, 0.0), -span, span)
    orders, lat = ids(rng, ok.size, "ord-"), rng.gamma(3.0, 60.0, ok.size)
    emit(ok, lambda s, it=iter(zip(orders, lat)): (lambda o, l: f"{s} INFO payments.api - charge ok order={o} provider=stripe-prod latency_ms={l:.0f}")(*next(it)))
    declined = times(rng, 0.8, -span, span)
    orders_d = iter(ids(rng, declined.size, "ord-"))
    emit(declined, lambda s: f"{s} WARNING payments.api - card declined for order {next(orders_d)} reason=insufficient_funds")
    health = times(rng, 6.0, -span, span)
    emit(health, lambda s: f"{s} INFO payments.health - GET /health 200")
    boot = np.array([deploy_ns() + int(rng.uniform(2, 20) * 1e9)])
    emit(boot, lambda s: f"{s} INFO payments.config - loaded config version={sc.DEMO_VERSION} "
                         "PAYMENT_ENDPOINT=http://mock-payments.internal:8080 USE_MOCK_SERVICE=true")
    mine_orders = iter(ids(rng, failures.size, "ord-"))
    addrs = iter(rng.integers(0x7F0000000000, 0x7FFFFFFFFFFF, failures.size))
    emit(failures, lambda s: f"{s} ERROR payments.client - charge failed for order {next(mine_orders)}\n"
                             + MOCK_TRACE.format(addr=int(next(addrs))))
    return out


# ------------------------------------------------------------------ checkout (Java text + stack traces)

POOL_TRACE = (
    "org.springframework.jdbc.CannotGetJdbcConnectionException: Failed to obtain JDBC Connection\n"
    "\tat org.springframework.jdbc.datasource.DataSourceUtils.getConnection(DataSourceUtils.java:84)\n"
    "\tat com.example.checkout.OrderRepository.reserve(OrderRepository.java:112)\n"
    "\tat com.example.checkout.OrderService.place(OrderService.java:57)\n"
    "Caused by: java.sql.SQLTransientConnectionException: HikariPool-1 - Connection is not available, "
    "request timed out after {wait}ms.\n"
    "\tat com.zaxxer.hikari.pool.HikariPool.createTimeoutException(HikariPool.java:696)\n"
    "\t... 42 more"
)


def checkout(rng, host: str) -> list[tuple[int, str]]:
    span = sc.SPAN_MINUTES
    factor = sc.BAD_HOST_FACTOR if host == sc.BAD_HOST else 1.0
    out: list[tuple[int, str]] = []

    def emit(t, fmt_fn):
        st = stamp(t, "java")
        thr = rng.integers(1, 40, t.size)
        out.extend((int(ti), fmt_fn(s, th)) for ti, s, th in zip(t, st, thr))

    placed = times(rng, 18.0, -span, span)
    orders = iter(ids(rng, placed.size, "ord-"))
    emit(placed, lambda s, th: f"{s} INFO [http-nio-8080-exec-{th}] c.e.checkout.OrderService - order {next(orders)} placed")
    cart = times(rng, 10.0, -span, span)
    emit(cart, lambda s, th: f"{s} DEBUG [http-nio-8080-exec-{th}] c.e.checkout.CartController - cart updated items={th % 7 + 1}")
    stock = times(rng, 0.5, -span, span)
    skus = iter(ids(rng, stock.size, "sku-"))
    emit(stock, lambda s, th: f"{s} WARN [http-nio-8080-exec-{th}] c.e.checkout.Inventory - low stock for {next(skus)}")
    lo, hi = sc.POOL_RAMP
    pool = times(rng, ramp_after(lo * factor, lo * factor, hi * factor), -span, span)
    waits = iter(rng.choice([30000, 30001, 30002], pool.size))
    orders_p = iter(ids(rng, pool.size, "ord-"))
    emit(pool, lambda s, th: f"{s} ERROR [http-nio-8080-exec-{th}] c.e.checkout.OrderRepository - could not reserve "
                             f"stock for order {next(orders_p)}\n" + POOL_TRACE.format(wait=next(waits)))
    stats = times(rng, ramp_after(0.2, 0.2, 3.0 * factor), -span, span)
    emit(stats, lambda s, th: f"{s} WARN [HikariPool-1 housekeeper] com.zaxxer.hikari.pool.HikariPool - HikariPool-1 - "
                              f"Pool stats (total=20, active=20, idle=0, waiting={th % 9 + 1})")
    return out


# ------------------------------------------------------------------ worker (JSON lines)

def worker(rng, host: str) -> list[tuple[int, str]]:
    span = sc.SPAN_MINUTES
    out: list[tuple[int, str]] = []

    def emit(t, level, logger, msg_fn, extra=""):
        st = stamp(t, "json")
        for i, (ti, s) in enumerate(zip(t, st)):
            out.append((int(ti), f'{{"time":"{s}","level":"{level}","logger":"{logger}","service":"worker",'
                                 f'"host":"{host}","msg":"{msg_fn(i)}"{extra}}}'))

    jobs = times(rng, 20.0, -span, span)
    jid, dur = ids(rng, jobs.size, "job-"), rng.gamma(2.0, 40.0, jobs.size)
    emit(jobs, "info", "worker.jobs", lambda i: f"job {jid[i]} done in {dur[i]:.0f}ms")
    retry = times(rng, 0.6, -span, span)
    emit(retry, "warn", "worker.jobs", lambda i: f"job retry scheduled attempt={i % 3 + 1}")
    bug = times(rng, before_after(sc.RECEIPT_BUG_RPM, 0.0), -span, span)
    bid = ids(rng, bug.size, "ord-")
    emit(bug, "error", "worker.receipts",
         lambda i: f"receipt render failed for order {bid[i]}: KeyError: 'currency' in format_receipt")
    if host == sc.HOSTS["worker"][0]:
        rare = np.array([deploy_ns() + int(m * NS_MIN) for m in sc.RARE_ERROR_MINUTES], dtype=np.int64)
        emit(rare, "error", "worker.archive", lambda i: "S3 upload retry exhausted for bucket receipts-archive")
    return out


def failure_times(rng) -> dict[str, np.ndarray]:
    """Failed-charge times per payments host (the gateway reuses them for its 502s)."""
    return {h: times(rng, before_after(0.0, sc.MOCK_FAILURES_RPM), 0.0, sc.SPAN_MINUTES) for h in sc.HOSTS["payments"]}


def all_streams(seed: int = sc.SEED) -> list[tuple[str, list[str], list[str]]]:
    """(service, lines, host of each line) per service: one time-sorted stream per service,
    so parsing is one pass per service."""
    rng = np.random.default_rng(seed)
    fails = failure_times(rng)
    every_failure = np.sort(np.concatenate(list(fails.values())))
    per_service: dict[str, list[tuple[int, str, str]]] = {s: [] for s in sc.HOSTS}
    for i, h in enumerate(sc.HOSTS["gateway"]):
        per_service["gateway"] += [(t, h, x) for t, x in gateway(rng, h, i, every_failure)]
    for h in sc.HOSTS["checkout"]:
        per_service["checkout"] += [(t, h, x) for t, x in checkout(rng, h)]
    for h in sc.HOSTS["payments"]:
        per_service["payments"] += [(t, h, x) for t, x in payments(rng, h, fails[h])]
    for h in sc.HOSTS["worker"]:
        per_service["worker"] += [(t, h, x) for t, x in worker(rng, h)]
    out = []
    for service, recs in per_service.items():
        recs.sort(key=lambda r: r[0])
        lines: list[str] = []
        hosts: list[str] = []
        for _, host, text in recs:
            parts = text.split("\n")
            lines += parts
            hosts += [host] * len(parts)
        out.append((service, lines, hosts))
    return out
