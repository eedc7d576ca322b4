"""Cheap, deterministic log lines for the demo: numpy for times and choices, f-strings for text.

Each (service, host) stream is a list of (time in ns, record text); a record may span
several lines (stack traces). Lines are then parsed like any file would be.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from triage.demo import scenario as sc

NS_MIN = 60_000_000_000
_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
_MONTH_NAMES = pa.array(_MONTHS)


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

def gateway(rng, host: str, host_index: int, failures: np.ndarray) -> tuple[np.ndarray, pa.Array]:
    """The busiest stream (over half the lines), so its text is built column-wise in Arrow."""
    span = sc.SPAN_MINUTES
    t = times(rng, sc.GATEWAY_RPM, -span, span)
    n = t.size
    paths = ["/api/products/{}", "/api/cart", "/api/checkout", "/health", "/static/app.{}.js",
             "/api/products/{}/reviews", "/api/login", "/favicon.ico"]
    weights = np.array([0.38, 0.15, 0.08, 0.12, 0.12, 0.08, 0.05, 0.02])
    choice = rng.choice(len(paths), n, p=weights)
    post = np.isin(choice, [1, 2, 6])
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
    pick = pa.array(choice)
    prefix = pa.array([p.partition("{}")[0] for p in paths]).take(pick)
    suffix = pa.array([p.partition("{}")[2] for p in paths]).take(pick)
    templated = pa.array(["{}" in p for p in paths]).take(pick)
    path_of = pc.if_else(templated, _join(prefix, _text(ids_), suffix), prefix)
    lines = _join(
        "10.0.1.", _text(clients), " - - [", access_stamps(t), '] "', pa.array(["GET", "POST"]).take(pa.array(post.astype(np.int8))),
        " ", path_of, ' HTTP/1.1" ', _text(status), " ", _text(200 + ids_ % 3000),
        ' "-" "Mozilla/5.0" rt=', pa.array(np.char.mod("%.3f", rt).tolist(), pa.string()),
        f" target={target} elb=app/prod-alb/7f3a",
    )
    # failed charges surface as 502s on POST /api/pay, split across gateway hosts
    mine = failures[rng.random(failures.size) < sc.PAY_FAIL_TO_502 / len(sc.HOSTS["gateway"])]
    failed = [f'10.0.1.{rng.integers(2, 250)} - - [{st}] "POST /api/pay HTTP/1.1" 502 157 "-" "okhttp/4.9.3" '
              f'rt={rng.uniform(0.4, 5.0):.3f} target={target} elb=app/prod-alb/7f3a'
              for st in stamp(mine, "access")]
    return np.concatenate([t, mine]), pa.concat_arrays([lines, pa.array(failed, pa.string())])


def access_stamps(ns: np.ndarray) -> pa.Array:
    """'26/Nov/2026:14:02:07 +0000' (whole seconds, like `stamp(..., "access")`), in Arrow.

    Cut from numpy's ISO strings: several times faster than Arrow's strftime."""
    iso = pa.array(np.datetime_as_string(np.asarray(ns, dtype=np.int64).view("datetime64[ns]"), unit="s"))

    def cut(a: int, b: int) -> pa.Array:
        return pc.utf8_slice_codeunits(iso, a, b)

    month = _MONTH_NAMES.take(pc.subtract(pc.cast(cut(5, 7), pa.int8()), 1))
    return _join(cut(8, 10), "/", month, "/", cut(0, 4), ":", cut(11, 19), " +0000")


def _text(values: np.ndarray) -> pa.Array:
    return pa.array(values).cast(pa.string())


def _join(*parts) -> pa.Array:
    return pc.binary_join_element_wise(*parts, "")


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
    emit(ok, lambda s, it=iter(zip(orders, lat)): (lambda o, l: f"{s} INFO payments.api - charge ok order={o} provider=stripe-prod latency_ms={l:.0f}")(*next(it)))  # noqa: B008,E741
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


def all_streams(seed: int = sc.SEED) -> list[tuple[str, pa.Array, np.ndarray]]:
    """(service, lines, host of each line) per service: one time-sorted stream per service,
    so parsing is one pass per service. Records are merged by time (stable: ties keep host
    order) and multi-line records split into lines, column-wise."""
    rng = np.random.default_rng(seed)
    fails = failure_times(rng)
    every_failure = np.sort(np.concatenate(list(fails.values())))
    per_service: dict[str, list[tuple[str, np.ndarray, pa.Array]]] = {s: [] for s in sc.HOSTS}
    for i, h in enumerate(sc.HOSTS["gateway"]):
        per_service["gateway"].append((h, *gateway(rng, h, i, every_failure)))
    for h in sc.HOSTS["checkout"]:
        per_service["checkout"].append((h, *_columns(checkout(rng, h))))
    for h in sc.HOSTS["payments"]:
        per_service["payments"].append((h, *_columns(payments(rng, h, fails[h]))))
    for h in sc.HOSTS["worker"]:
        per_service["worker"].append((h, *_columns(worker(rng, h))))
    return [(service, *_merge(parts)) for service, parts in per_service.items()]


def _columns(records: list[tuple[int, str]]) -> tuple[np.ndarray, pa.Array]:
    when, texts = zip(*records) if records else ((), ())
    return np.array(when, dtype=np.int64), pa.array(texts, pa.string())


def _merge(parts: list[tuple[str, np.ndarray, pa.Array]]) -> tuple[pa.Array, np.ndarray]:
    hosts = np.array([h for h, _, _ in parts], dtype=object)
    when = np.concatenate([t for _, t, _ in parts])
    host_of = np.repeat(np.arange(len(parts)), [t.size for _, t, _ in parts])
    order = np.argsort(when, kind="stable")
    texts = pa.concat_arrays([x for _, _, x in parts]).take(pa.array(order))
    split = pc.split_pattern(texts, "\n")
    parent = pc.list_parent_indices(split).to_numpy()
    return split.flatten(), hosts[host_of[order][parent]]
