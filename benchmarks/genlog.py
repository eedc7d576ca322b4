"""Deterministic generator of realistic mixed plain-text application logs.

    python benchmarks/genlog.py 1000000 /tmp/app.log [--seed 7] [--truth /tmp/app.truth] [--no-header]

Writes N lines: ISO-8601 or syslog headers, levels, services and hosts, ~150
message templates with variable ids / IPs / durations / paths / users, and
occasional Java and Python stack traces (each trace line counts as a line).
`--truth` also writes one template number per line (trace continuation lines
get the number of the event they belong to), for accuracy checks.
`--no-header` writes the message part only (what parsers like Drain3 are usually fed).
Same seed -> byte-identical output on every machine.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone

SERVICES = ["checkout", "payments", "cart", "auth", "search", "inventory", "shipping", "gateway"]
USERS = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy"]
OBJECTS = ["order", "invoice", "session", "cart", "payment", "refund", "shipment", "token", "user", "sku"]
ACTIONS = ["created", "updated", "deleted", "loaded", "validated", "cached", "expired", "rejected", "queued"]
TARGETS = ["postgres", "redis", "kafka", "s3", "stripe-api", "ledger", "elastic", "memcached"]
ROUTES = ["/api/v1/orders/{n}", "/api/v1/users/{n}/cart", "/health", "/api/v2/search", "/static/app.{h}.js",
          "/api/v1/payments/{u}", "/login", "/api/v1/items/{n}/reviews"]
METHODS = ["GET", "POST", "PUT", "DELETE"]

Slot = Callable[[random.Random], str]


def _ip(r: random.Random) -> str:
    return f"10.{r.randrange(256)}.{r.randrange(256)}.{r.randrange(1, 255)}"


def _uuid(r: random.Random) -> str:
    h = f"{r.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _dur(r: random.Random) -> str:
    return f"{r.randrange(1, 5000)}ms" if r.random() < 0.7 else f"{r.random() * 30:.2f}s"


def _route(r: random.Random) -> str:
    return r.choice(ROUTES).format(n=r.randrange(1, 10**6), h=f"{r.getrandbits(32):08x}", u=_uuid(r))


SLOTS: dict[str, Slot] = {
    "ip": _ip,
    "port": lambda r: str(r.randrange(1024, 65535)),
    "uuid": _uuid,
    "dur": _dur,
    "num": lambda r: str(r.randrange(0, 100000)),
    "hex": lambda r: f"{r.getrandbits(48):012x}",
    "user": lambda r: r.choice(USERS) + str(r.randrange(1000)),
    "email": lambda r: f"{r.choice(USERS)}.{r.randrange(100)}@example.com",
    "route": _route,
    "method": lambda r: r.choice(METHODS),
    "status": lambda r: r.choice(["200", "201", "204", "301", "400", "404", "500", "503"]),
    "size": lambda r: f"{r.randrange(1, 900)}KB",
    "path": lambda r: f"/var/data/{r.choice(OBJECTS)}s/{r.randrange(10**5)}.json",
    "pct": lambda r: f"{r.random() * 100:.1f}%",
}


def _templates() -> list[str]:
    """~150 templates: a hand-written core plus combinations that read like real app logs."""
    core = [
        "GET {route} {status} {dur}",
        "POST {route} {status} {dur}",
        "request id={uuid} user={user} GET {route} took {dur}",
        "request id={uuid} user={user} POST {route} took {dur}",
        "connection to {ip}:{port} refused",
        "connection reset by peer {ip}:{port}",
        "pool exhausted: waited {dur} for connection",
        "cache miss for key user:{num}:profile",
        "retrying request to {ip} attempt {num}",
        "user {email} logged in from {ip}",
        "user {email} failed login from {ip}",
        "wrote {size} to {path}",
        "GC pause {dur} heap {pct}",
        "health check ok in {dur}",
        "slow query took {dur}: SELECT * FROM orders WHERE id = {num}",
        "circuit breaker OPEN for {ip}:{port}",
        "session {hex} expired after {dur}",
        "worker {num} started",
        "worker {num} stopped",
        "disk usage at {pct} on /dev/sda1",
        "feature flag new_checkout evaluated true for user {user}",
        "KeyError: 'currency' in format_receipt",
    ]
    combos = []
    for obj in OBJECTS:
        for act in ACTIONS[:8]:
            combos.append(f"{obj} {{num}} {act} by {{user}}")
    for tgt in TARGETS:
        combos.append(f"timeout talking to {tgt} after {{dur}}")
        combos.append(f"{tgt} latency {{dur}} (p99)")
    return core + combos


TEMPLATES = _templates()

_PY_TRACE = [
    "Traceback (most recent call last):",
    '  File "/srv/{svc}/app/payments/handlers.py", line {l1}, in handle',
    "    return self.client.charge(order)",
    '  File "/srv/{svc}/app/payments/client.py", line {l2}, in charge',
    "    raise ConnectionError(f'{{host}} refused')",
    "ConnectionError: {ip}:{port} refused",
]
_JAVA_TRACE = [
    "java.lang.IllegalStateException: order {num} has no items",
    "\tat com.shop.orders.OrderService.validate(OrderService.java:{l1})",
    "\tat com.shop.orders.OrderController.post(OrderController.java:{l2})",
    "\tat org.springframework.web.servlet.FrameworkServlet.service(FrameworkServlet.java:897)",
    "\t... 42 more",
]


def _header(r: random.Random, t: datetime, style: int, svc: str, host: str, level: str) -> str:
    if style == 0:
        return f"{t.isoformat(timespec='milliseconds').replace('+00:00', 'Z')} {level} [{svc}] "
    if style == 1:
        return f"{t:%b} {t.day:2d} {t:%H:%M:%S} {host} {svc}[{r.randrange(100, 40000)}]: {level} "
    return f"{t:%Y-%m-%d %H:%M:%S},{t.microsecond // 1000:03d} {level:<5} {svc} - "


def generate(n: int, seed: int = 7, start: datetime | None = None, header: bool = True) -> Iterator[tuple[str, int]]:
    """Yield (line, truth) for n lines; truth = template number (traces: 1000/1001)."""
    r = random.Random(seed)
    t = start or datetime(2024, 5, 14, 12, 0, tzinfo=timezone.utc)
    weights = [1.0 / (1 + i) ** 0.8 for i in range(len(TEMPLATES))]
    cum = []
    acc = 0.0
    for w in weights:
        acc += w
        cum.append(acc)
    slot_names = {i: [s for s in SLOTS if "{" + s + "}" in tpl] for i, tpl in enumerate(TEMPLATES)}
    done = 0
    while done < n:
        t += timedelta(milliseconds=r.randrange(1, 40))
        svc = r.choice(SERVICES)
        host = f"{svc}-{r.randrange(1, 4)}"
        style = SERVICES.index(svc) % 3
        if r.random() < 0.004:
            trace, truth = (_PY_TRACE, 1000) if r.random() < 0.5 else (_JAVA_TRACE, 1001)
            values = {"svc": svc, "l1": r.randrange(10, 400), "l2": r.randrange(10, 400), "ip": _ip(r),
                      "port": r.randrange(1024, 65535), "num": r.randrange(10**6)}
            head = _header(r, t, style, svc, host, "ERROR")
            lines = [(head if header else "") + "unhandled error"] + [x.format(**values) for x in trace]
            for line in lines[: n - done]:
                yield line, truth
                done += 1
            continue
        i = r.choices(range(len(TEMPLATES)), cum_weights=cum)[0]
        level = "ERROR" if "refused" in TEMPLATES[i] or "failed" in TEMPLATES[i] else r.choice(["INFO"] * 6 + ["WARN", "DEBUG"])
        msg = TEMPLATES[i].format(**{s: SLOTS[s](r) for s in slot_names[i]})
        head = _header(r, t, style, svc, host, level)  # drawn either way: same events with or without
        yield (head if header else "") + msg, i
        done += 1


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("n", type=int, help="number of lines")
    p.add_argument("out", help="output file, '-' for stdout")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--truth", help="also write one template number per line here")
    p.add_argument("--no-header", action="store_true", help="message part only, no timestamp/level/service")
    a = p.parse_args(argv)
    out = sys.stdout if a.out == "-" else open(a.out, "w", encoding="utf-8", newline="\n")
    truth = open(a.truth, "w", encoding="utf-8") if a.truth else None
    try:
        buf, tbuf = [], []
        for line, k in generate(a.n, a.seed, header=not a.no_header):
            buf.append(line)
            tbuf.append(str(k))
            if len(buf) >= 50000:
                out.write("\n".join(buf) + "\n")
                if truth:
                    truth.write("\n".join(tbuf) + "\n")
                buf, tbuf = [], []
        if buf:
            out.write("\n".join(buf) + "\n")
            if truth:
                truth.write("\n".join(tbuf) + "\n")
    finally:
        if out is not sys.stdout:
            out.close()
        if truth:
            truth.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
