"""Test-only helpers for the Elasticsearch/OpenSearch source.

- `make_docs`: a generated ECS incident (deterministic), bulk-indexed into an osmem-server clone.
- `Proxy`: a small http.server in a thread in front of osmem that can (a) play Elasticsearch 9
  for elasticsearch-py (compatibility media type, `_pit` paths, product header) and (b) inject
  failures (status codes, slow answers, malformed JSON, dropped connections), optionally over TLS.
No product code knows about any of this.
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import random
import re
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote, urlsplit

DEPLOY = dt.datetime(2026, 3, 4, 14, 0, tzinfo=dt.timezone.utc)
SERVICES = ("checkout", "payments", "search")
HOSTS = ("pod-1", "pod-2", "pod-3")


def make_docs(n: int, *, deploy: dt.datetime = DEPLOY, span: dt.timedelta = dt.timedelta(hours=1),
              seed: int = 7) -> list[dict]:
    """ECS documents evenly over [deploy - span/2, deploy + span/2).

    Steady noise everywhere; after the deploy a NEW connection error with a stack trace on
    payments (1 in 10 docs) and 5xx statuses; before it a GONE KeyError (1 in 20 docs).
    """
    rnd = random.Random(seed)
    start = deploy - span / 2
    step = span / n
    docs = []
    for i in range(n):
        ts = start + step * i
        after = ts >= deploy
        doc = {"@timestamp": ts.isoformat().replace("+00:00", "Z"),
               "service": {"name": SERVICES[i % 3]}, "host": {"name": HOSTS[(i // 3) % 3]},
               "http": {"response": {"status_code": 200}},
               "log": {"level": "INFO"}, "message": f"GET /api/items/{rnd.randint(1, 9999)} 200 {rnd.randint(3, 90)}ms",
               "trace": {"id": f"{rnd.getrandbits(64):016x}"}}
        if after and i % 10 == 0:
            doc.update(service={"name": "payments"}, log={"level": "ERROR"},
                       message=f"ConnectionError: mock-payments:{rnd.randint(8000, 8999)} refused",
                       http={"response": {"status_code": 503}},
                       error={"type": "ConnectionError", "stack_trace":
                              "Traceback (most recent call last):\n  File \"payments/client.py\", line 88, in charge\n"
                              "    sock.connect(addr)\nConnectionError: mock-payments refused"})
        elif not after and i % 20 == 1:
            doc.update(log={"level": "warning"}, message=f"KeyError: 'currency' in format_receipt order={rnd.randint(1, 10**6)}")
        docs.append(doc)
    return docs


ECS_MAPPING = {"properties": {
    "@timestamp": {"type": "date"}, "message": {"type": "text"},
    "log": {"properties": {"level": {"type": "keyword"}}},
    "service": {"properties": {"name": {"type": "keyword"}}},
    "host": {"properties": {"name": {"type": "keyword"}}},
    "http": {"properties": {"response": {"properties": {"status_code": {"type": "integer"}}}}},
    "error": {"properties": {"type": {"type": "keyword"}, "stack_trace": {"type": "text"}}},
    "trace": {"properties": {"id": {"type": "keyword"}}},
    "system": {"properties": {"cpu": {"properties": {"total": {"properties": {"norm": {"properties": {
        "pct": {"type": "float"}}}}}}}}},
}}


def index_docs(url: str, index: str, docs: list[dict], *, mapping: dict | None = ECS_MAPPING, chunk: int = 5000) -> None:
    """Create the index (with a mapping unless None: dynamic) and bulk-load the docs."""
    from opensearchpy import OpenSearch

    client = OpenSearch(hosts=[url], timeout=120)
    body = {"mappings": mapping} if mapping is not None else {}
    client.indices.create(index=index, body=body)
    for i in range(0, len(docs), chunk):
        ops = []
        for d in docs[i:i + chunk]:
            ops.append({"index": {"_index": index}})
            ops.append(d)
        res = client.bulk(body=ops)
        assert not res["errors"], "bulk indexing failed"
    client.indices.refresh(index=index)
    client.close()


# -- the proxy -------------------------------------------------------------------------------

@dataclass
class Fault:
    """Inject `action` on requests whose "METHOD path" matches `pattern` (regex).

    Skips the first `skip` matches, then fires `times` times (None = forever).
    Actions: "status" (answer `status` with an error body), "drop" (close without answering),
    "slow" (sleep `delay` s, then forward), "malformed" (200 with broken JSON).
    """

    pattern: str
    action: str
    status: int = 500
    times: int | None = 1
    skip: int = 0
    delay: float = 0.0
    reason: str = ""
    headers: dict = field(default_factory=dict)
    seen: int = 0
    fired: int = 0

    def take(self, line: str) -> bool:
        if not re.search(self.pattern, line):
            return False
        self.seen += 1
        if self.seen <= self.skip or (self.times is not None and self.fired >= self.times):
            return False
        self.fired += 1
        return True


_COMPAT = re.compile(r"application/vnd\.elasticsearch\+json;\s*compatible-with=\d+")


class Proxy:
    """http.server in a thread on 127.0.0.1 forwarding to `upstream` (an osmem URL or None)."""

    def __init__(self, upstream: str | None, *, elasticsearch: bool = False, tls: tuple[str, str] | None = None,
                 timeout: float = 60.0):
        self.upstream = urlsplit(upstream) if upstream else None
        self.timeout = timeout  # per forwarded request (benchmarks count millions of documents)
        self.elasticsearch = elasticsearch
        self.faults: list[Fault] = []
        self.requests: list[tuple[str, str, dict]] = []
        self.bodies: list[bytes] = []
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.server.daemon_threads = True
        self.server.proxy = self  # type: ignore[attr-defined]
        scheme = "http"
        if tls:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(*tls)
            self.server.socket = ctx.wrap_socket(self.server.socket, server_side=True)
            scheme = "https"
        self.url = f"{scheme}://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Proxy:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def add(self, fault: Fault) -> Fault:
        self.faults.append(fault)
        return fault

    def lines(self) -> list[str]:
        return [f"{m} {p}" for m, p, _ in self.requests]

    def fault_for(self, line: str) -> Fault | None:
        with self.lock:
            for f in self.faults:
                if f.take(line):
                    return f
        return None

    # Elasticsearch 9 <-> OpenSearch translation, only what the source uses.
    def to_upstream(self, method: str, path: str, body: bytes) -> tuple[str, str, bytes]:
        if not self.elasticsearch:
            return method, path, body
        m = re.match(r"^/([^/?]+)/_pit(\?.*)?$", path)
        if m:
            return method, f"/{m.group(1)}/_search/point_in_time{m.group(2) or ''}", body
        if path.startswith("/_pit"):
            pit = json.loads(body or b"{}").get("id")
            return "DELETE", "/_search/point_in_time", json.dumps({"pit_id": [pit]}).encode()
        if "/_field_caps" in path and body:  # ES 9 clients send `fields` in the body; osmem wants the query
            fields = json.loads(body).get("fields") or []
            sep = "&" if "?" in path else "?"
            return "GET", f"{path}{sep}fields={quote(','.join(fields))}", b""
        return method, path, body

    def from_upstream(self, method: str, path: str, data: bytes) -> bytes:
        if not self.elasticsearch or not data:
            return data
        if path in ("/", ""):
            info = json.loads(data)
            info["version"] = {"number": "9.1.0", "build_flavor": "default", "lucene_version": "10.2.2"}
            info["tagline"] = "You Know, for Search"
            return json.dumps(info).encode()
        if re.match(r"^/[^/?]+/_pit", path):
            res = json.loads(data)
            return json.dumps({"id": res["pit_id"], "_shards": res.get("_shards", {})}).encode()
        if path.startswith("/_pit"):
            return json.dumps({"succeeded": True, "num_freed": 1}).encode()
        return data

    def forward(self, method: str, path: str, headers: dict, body: bytes) -> tuple[int, dict, bytes]:
        assert self.upstream is not None
        conn = http.client.HTTPConnection(self.upstream.hostname, self.upstream.port, timeout=self.timeout)
        try:
            clean = {"Content-Type": "application/json", "Accept": "application/json"}
            conn.request(method, path, body=body or None, headers=clean)
            resp = conn.getresponse()
            return resp.status, {"Content-Type": resp.getheader("Content-Type", "application/json")}, resp.read()
        finally:
            conn.close()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:  # keep test output quiet
        pass

    def do_GET(self) -> None:
        self._handle()

    do_POST = do_PUT = do_DELETE = do_HEAD = do_GET

    def _handle(self) -> None:
        proxy: Proxy = self.server.proxy  # type: ignore[attr-defined]
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        with proxy.lock:
            proxy.requests.append((self.command, self.path, {k.lower(): v for k, v in self.headers.items()}))
            proxy.bodies.append(body)
        fault = proxy.fault_for(f"{self.command} {self.path}")
        if fault and fault.action == "drop":
            self.close_connection = True
            return
        if fault and fault.action == "slow":
            time.sleep(fault.delay)
        if fault and fault.action == "status":
            err = {"error": {"type": "injected", "reason": fault.reason or f"injected {fault.status}"},
                   "status": fault.status}
            return self._send(fault.status, json.dumps(err).encode(), fault.headers)
        if fault and fault.action == "malformed":
            return self._send(200, b'{"hits": {"hits": [{"_source": ', {})
        method, path, up_body = proxy.to_upstream(self.command, self.path, body)
        status, _, data = proxy.forward(method, path, dict(self.headers), up_body)
        if 200 <= status < 300:
            data = proxy.from_upstream(self.command, self.path, data)
        self._send(status, data, {})

    def _send(self, status: int, data: bytes, headers: dict) -> None:
        proxy: Proxy = self.server.proxy  # type: ignore[attr-defined]
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        if proxy.elasticsearch:
            self.send_header("X-Elastic-Product", "Elasticsearch")
        for k, v in headers.items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)


def self_signed_cert(directory: Path) -> tuple[str, str]:
    """(cert.pem, key.pem) for 127.0.0.1/localhost, made with `cryptography`."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "triage-test")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return str(cert_path), str(key_path)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def recorder() -> tuple[list, Callable]:
    """A Progress callback that records (done, total, message)."""
    seen: list = []
    return seen, lambda done, total, message: seen.append((done, total, message))
