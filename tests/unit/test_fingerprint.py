"""Stack-trace fingerprints: same bug -> one signature, other type or call site -> another."""

from triage.signatures import group_messages
from triage.signatures.fingerprint import fingerprint


def py_trace(exc="ConnectionError", line=88, host="10.0.0.7", func="charge", root="/srv/app"):
    return (
        f"payment failed for order {line * 7}\n"
        "Traceback (most recent call last):\n"
        f'  File "{root}/payments/handlers.py", line {line + 11}, in handle\n'
        "    return client.charge(order)\n"
        f'  File "{root}/payments/client.py", line {line}, in {func}\n'
        "    raise ConnectionError(host)\n"
        '  File "/usr/lib/python3.11/site-packages/urllib3/pool.py", line 412, in urlopen\n'
        "    raise err\n"
        f"{exc}: {host} refused"
    )


def java_trace(exc="java.lang.IllegalStateException", n=17, method="validate", lam=3):
    return (
        f"{exc}: order {n} has no items\n"
        f"\tat com.shop.orders.OrderService.{method}(OrderService.java:{n + 100})\n"
        f"\tat com.shop.orders.OrderService.lambda$post${lam}(OrderService.java:{n})\n"
        "\tat org.springframework.web.servlet.FrameworkServlet.service(FrameworkServlet.java:897)\n"
        f"\t... {n} more"
    )


def go_trace(addr="0xc000012345", line=42, func="main.handle"):
    return (
        "panic: runtime error: invalid memory address or nil pointer dereference\n"
        "[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x4a2b3c]\n\n"
        "goroutine 1 [running]:\n"
        f"{func}({addr}, 0x1)\n"
        f"\t/home/dev/app/main.go:{line} +0x1d\n"
        "runtime.main()\n"
        "\t/usr/local/go/src/runtime/proc.go:250 +0x207"
    )


def node_trace(exc="TypeError", line=12, col=5, fn="renderCart"):
    return (
        f"{exc}: Cannot read properties of undefined (reading 'items')\n"
        f"    at {fn} (/app/src/cart.js:{line}:{col})\n"
        f"    at /app/node_modules/express/lib/router/layer.js:95:{col}\n"
        "    at processTicksAndRejections (node:internal/process/task_queues:95:5)"
    )


def ids(messages):
    return group_messages(messages).ids.to_pylist()


def test_python_same_bug_other_ids_and_lines_is_one_signature():
    a, b = ids([py_trace(line=88, host="10.0.0.7"), py_trace(line=91, host="10.9.9.9", root="/home/ci/build")])
    assert a == b


def test_python_other_exception_type_or_call_site_splits():
    base, other_type, other_site = ids([py_trace(), py_trace(exc="TimeoutError"), py_trace(func="refund")])
    assert len({base, other_type, other_site}) == 3


def test_python_template_names_type_and_in_app_frame():
    g = group_messages([py_trace(), py_trace(host="10.1.1.1")])
    template = g.templates[g.ids[0].as_py()]
    assert template == "payment failed for order <NUM> — ConnectionError: <IP> refused (at payments/client.py:charge)"


def test_framework_frames_do_not_count_as_call_site():
    fp = fingerprint(py_trace())
    assert fp is not None and "urllib3" not in fp.key and fp.frame == "payments/client.py:charge"


def test_java_lambda_counters_line_numbers_and_more_lines_do_not_split():
    assert len(set(ids([java_trace(n=17, lam=3), java_trace(n=942, lam=12)]))) == 1


def test_java_other_type_or_method_splits():
    got = ids([java_trace(), java_trace(exc="java.lang.NullPointerException"), java_trace(method="price")])
    assert len(set(got)) == 3


def test_java_caused_by_root_cause_counts():
    wrapped = "java.lang.RuntimeException: boom\n\tat com.shop.A.run(A.java:1)\nCaused by: java.io.IOException: disk\n\tat com.shop.B.write(B.java:9)"
    other = wrapped.replace("java.io.IOException", "java.sql.SQLException")
    fp = fingerprint(wrapped)
    assert fp is not None and "java.io.IOException" in fp.key and fp.frame == "com.shop.B.write"
    assert len(set(ids([wrapped, other]))) == 2


def test_go_panic_addresses_do_not_split_call_site_does():
    a, b, c = ids([go_trace(addr="0xc000012345", line=42), go_trace(addr="0xc0000aaaa0", line=47), go_trace(func="main.serve")])
    assert a == b != c


def test_node_columns_do_not_split_type_does():
    a, b, c = ids([node_trace(line=12, col=5), node_trace(line=14, col=9), node_trace(exc="RangeError")])
    assert a == b != c
    assert fingerprint(node_trace()).frame == "src/cart.js:renderCart"


def test_multiline_without_trace_groups_on_first_line():
    assert fingerprint("config dump:\n  a=1\n  b=2") is None
    a, b = ids(["config dump 3:\n  a=1", "config dump 4:\n  b=7"])
    assert a == b


def test_deep_python_traces_differ_by_their_innermost_frames():
    outer = "".join(f'  File "/srv/app/web/layer{i}.py", line {i}, in call{i}\n    x()\n' for i in range(80))

    def trace(func, exc):
        return f"request failed\nTraceback (most recent call last):\n{outer}" f'  File "/srv/app/shop/cart.py", line 9, in {func}\n    y()\n{exc}: boom'

    a, b, c = group_messages([trace("total", "KeyError"), trace("total", "KeyError"), trace("checkout", "ValueError")]).ids.to_pylist()
    assert a == b != c


PG_TRACE = (
    "Failed to finalize invoice {n}\n"
    "org.springframework.dao.DataIntegrityViolationException: could not execute statement\n"
    "\tat org.springframework.orm.jpa.EntityManagerFactoryUtils.convert(EntityManagerFactoryUtils.java:{l})\n"
    "\tat app//com.acme.billing.InvoiceService.finalizeInvoice(InvoiceService.java:{l})\n"
    "\tat com.acme.billing.InvoiceController.post(InvoiceController.java:61)\n"
    "\tat java.base/java.lang.Thread.run(Thread.java:833)\n"
    "Caused by: org.postgresql.util.PSQLException: ERROR: duplicate key value violates unique constraint\n"
    "\tat org.postgresql.core.v3.QueryExecutorImpl.receiveErrorResponse(QueryExecutorImpl.java:2676)\n"
    "\tat com.zaxxer.hikari.pool.ProxyPreparedStatement.executeUpdate(ProxyPreparedStatement.java:61)\n"
    "\t... 12 more"
)


def test_deepest_in_app_frame_not_the_driver_or_pool_and_the_log_message_is_the_title():
    fp = fingerprint(PG_TRACE.format(n=7, l=10))
    assert fp is not None and fp.frame == "com.acme.billing.InvoiceService.finalizeInvoice"
    assert "org.postgresql.util.PSQLException" in fp.key  # the root cause still tells bugs apart
    g = group_messages([PG_TRACE.format(n=n, l=n) for n in range(1, 30)])
    (template,) = g.templates.values()
    assert template.startswith("Failed to finalize invoice <NUM> — ")
    assert template.endswith("(at com.acme.billing.InvoiceService.finalizeInvoice)")


def test_trace_without_an_introducing_message_has_no_title():
    g = group_messages([py_trace().split("\n", 1)[1]] * 3)
    (template,) = g.templates.values()
    assert template.startswith("ConnectionError: ") and " — " not in template
