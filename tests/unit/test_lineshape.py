"""Every supported line shape, multi-line folding, and the event table contract."""

from datetime import datetime, timezone

import pandas as pd
import pyarrow as pa
import pytest

from triage.events import EVENT_COLUMNS, LoadReport
from triage.parsing.lineshape import parse_lines, parse_messages

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=timezone.utc)


def ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text)


def one(line: str, **kw) -> dict:
    df = parse_lines([line], now=NOW, **kw)
    assert len(df) == 1
    return df.iloc[0].to_dict()


def test_event_table_has_the_agreed_schema():
    df = parse_lines(["2026-11-26T10:00:00Z ERROR boom", '{"msg": "x"}', "plain"], source="app.log", now=NOW)
    assert list(df.columns) == list(EVENT_COLUMNS)
    for col, dtype in EVENT_COLUMNS.items():
        assert str(df[col].dtype) == str(pd.Series([], dtype=dtype).dtype), col
    assert df["source"].tolist() == ["app.log"] * 3
    assert df["line"].tolist() == [1, 2, 3]


@pytest.mark.parametrize(
    "line, when, level, message",
    [
        ("2026-11-26T10:00:00.123Z ERROR payment failed", "2026-11-26T10:00:00.123Z", "error", "payment failed"),
        ("2026-11-26T11:00:00+01:00 WARN slow", "2026-11-26T10:00:00Z", "warn", "slow"),
        ("2026-11-26 10:00:00,250 INFO [main] com.shop.App - started", "2026-11-26T10:00:00.250Z", "info", "started"),
        ("2026-11-26 10:00:00.250 [http-nio-8080-exec-1] ERROR c.s.PayClient - refused", "2026-11-26T10:00:00.250Z", "error", "refused"),
        ("2026-11-26 10:00:00,001 - payments.db - WARNING - pool low", "2026-11-26T10:00:00.001Z", "warn", "pool low"),
        ("2026/11/26 10:00:00 [error] 1234#0: *5 connect() failed", "2026-11-26T10:00:00Z", "error", "1234#0: *5 connect() failed"),
        ("2026/11/26 10:00:00 http: TLS handshake error", "2026-11-26T10:00:00Z", None, "http: TLS handshake error"),
        ("2026/11/26 10:00:00.123456 main.go:42: listening", "2026-11-26T10:00:00.123456Z", "info", "main.go:42: listening"),
        ("[2026-11-26 10:00:00] CRITICAL disk full", "2026-11-26T10:00:00Z", "fatal", "disk full"),
        ("1764151200 ERROR epoch seconds", "2025-11-26T10:00:00Z", "error", "epoch seconds"),
        ("1764151200123 INFO epoch millis", "2025-11-26T10:00:00.123Z", "info", "epoch millis"),
        ("2026-11-26T10:00:00Z <warn> bracketed", "2026-11-26T10:00:00Z", "warn", "bracketed"),
        ("2026-11-26T10:00:00Z DEBUG: colon", "2026-11-26T10:00:00Z", "debug", "colon"),
    ],
)
def test_timestamped_text_lines(line, when, level, message):
    ev = one(line)
    assert ev["timestamp"] == ts(when)
    assert (ev["level"] if ev["level"] is not pd.NA else None) == level
    assert ev["message"] == message
    assert ev["raw"] == line


def test_a_logger_class_is_not_a_service_a_plain_name_is():
    ev = one("2026-11-26 10:00:00,250 INFO [main] com.shop.App - started")
    assert pd.isna(ev["service"]) and ev["message"] == "started"  # a qualified class names code
    assert one("2026-11-26 10:00:00,001 - payments.db - WARNING - pool low")["service"] == "payments.db"
    ev = one("2026-11-26 10:00:00,001 INFO [http-nio-8080-exec-3] c.e.checkout.OrderService - order 7 placed")
    assert pd.isna(ev["service"]) and ev["message"] == "order 7 placed"
    assert one("2026-11-26T10:00:00Z INFO [checkout] cart saved")["service"] == "checkout"
    # a thread name is not a service
    assert pd.isna(one("2026-11-26T10:00:00Z INFO [pool-1-thread-3] cart saved")["service"])


def test_syslog_line_with_host_and_program():
    ev = one("Nov 26 10:00:00 web-1 sshd[4321]: Failed password for root")
    assert ev["timestamp"] == ts("2026-11-26T10:00:00Z")
    assert (ev["host"], ev["service"], ev["message"]) == ("web-1", "sshd", "Failed password for root")


def test_syslog_year_rolls_back_when_the_date_would_be_in_the_future():
    report = LoadReport()
    df = parse_lines(["Dec 31 23:59:00 h app: last year"], now=NOW, report=report)
    assert df["timestamp"][0] == ts("2025-12-31T23:59:00Z")
    assert any("no year" in n for n in report.notes)


def test_syslog_year_follows_the_dated_lines_of_the_same_input():
    df = parse_lines(["2024-05-14T12:00:00Z INFO dated", "May 14 12:00:01 h app: undated"], now=NOW)
    assert df["timestamp"][1] == ts("2024-05-14T12:00:01Z")


def test_rfc5424_priority_gives_the_level():
    ev = one("<11>1 2026-11-26T10:00:00.5Z web-2 billing 77 ID47 - charge declined")
    assert (ev["level"], ev["host"], ev["service"], ev["message"]) == ("error", "web-2", "billing", "charge declined")


def test_nginx_access_log_status_sets_level_and_http_status():
    df = parse_lines(
        [
            '10.0.0.7 - - [26/Nov/2026:10:00:00 +0000] "GET /api/orders/42 HTTP/1.1" 502 157 "-" "curl/8.0"',
            '10.0.0.8 - bob [26/Nov/2026:11:00:01 +0100] "POST /login HTTP/1.1" 401 0 "-" "Mozilla/5.0"',
            '10.0.0.9 - - [26/Nov/2026:10:00:02 +0000] "GET /health HTTP/1.1" 200 2 "-" "kube-probe"',
        ],
        now=NOW,
    )
    assert df["http_status"].tolist() == [502, 401, 200]
    assert df["level"].tolist() == ["error", "warn", "info"]
    assert df["message"][0] == "GET /api/orders/42 HTTP/1.1 502 Bad Gateway"
    assert df["timestamp"][1] == ts("2026-11-26T10:00:01Z")


def test_apache_error_log():
    ev = one("[Thu Nov 26 10:00:00.123456 2026] [proxy:error] [pid 1234] (111)Connection refused: AH00957")
    assert ev["timestamp"] == ts("2026-11-26T10:00:00.123456Z")
    assert ev["level"] == "error"
    assert ev["message"] == "(111)Connection refused: AH00957"
    old = one("[Sun Dec 04 04:47:44 2005] [error] mod_jk child workerEnv in error state 6")
    assert old["timestamp"] == ts("2005-12-04T04:47:44Z") and old["level"] == "error"


def test_klog_level_letter_and_year():
    df = parse_lines(
        ["I1126 10:00:00.123456    4242 controller.go:116] synced", "E1126 10:00:01.000000    4242 reflector.go:9] watch failed"],
        now=NOW,
    )
    assert df["level"].tolist() == ["info", "error"]
    assert df["message"].tolist() == ["synced", "watch failed"]
    assert df["timestamp"][0] == ts("2026-11-26T10:00:00.123456Z")


def test_logfmt_lines():
    ev = one('time="2026-11-26T10:00:00Z" level=error msg="db \\"primary\\" down" service=orders host=db-1 status=503')
    assert ev["timestamp"] == ts("2026-11-26T10:00:00Z")
    assert (ev["level"], ev["service"], ev["host"], ev["http_status"]) == ("error", "orders", "db-1", 503)
    assert ev["message"] == 'db "primary" down'


def test_kubernetes_cri_and_prefixed_lines():
    ev = one("2026-11-26T10:00:00.123456789Z stderr F 2026-11-26 10:00:00,123 ERROR [main] c.s.App - boom")
    assert ev["timestamp"] == ts("2026-11-26T10:00:00.123Z")  # the app's own time wins over the runtime's
    assert (ev["level"], ev["message"]) == ("error", "boom") and pd.isna(ev["service"])  # c.s.App: a logger
    cri = one("2026-11-26T10:00:00Z stdout F WARN cache cold")
    assert (cri["level"], cri["message"]) == ("warn", "cache cold")
    pre = one("nova-api.log.1 2026-11-26 10:00:00.008 25746 INFO nova.api [req-1] GET /servers")
    assert pre["timestamp"] == ts("2026-11-26T10:00:00.008Z") and pre["level"] == "info"
    assert (pre["message"], pre["service"]) == ("GET /servers", "nova.api")
    compose = one("checkout-1  | 2026-11-26T10:00:00Z ERROR payment refused")
    assert compose["timestamp"] == ts("2026-11-26T10:00:00Z") and compose["level"] == "error"


def test_python_basic_config_and_bare_levels_without_time():
    df = parse_lines(["ERROR:payments.api:card declined", "WARNING: low disk", "[INFO] ready"], now=NOW)
    assert df["level"].tolist() == ["error", "warn", "info"]
    assert df["message"].tolist() == ["card declined", "low disk", "ready"]
    assert df["service"][0] == "payments.api"
    assert df["timestamp"].isna().all()


def test_naive_text_times_use_the_given_zone():
    ev = one("2026-11-26 11:00:00 INFO local time", tz="Europe/Berlin")
    assert ev["timestamp"] == ts("2026-11-26T10:00:00Z")
    # explicit offsets are kept whatever --tz says
    assert one("2026-11-26T11:00:00Z INFO utc", tz="Europe/Berlin")["timestamp"] == ts("2026-11-26T11:00:00Z")


def test_mixed_zones_and_out_of_order_times_all_parse():
    df = parse_lines(
        ["2026-11-26T10:00:00+02:00 INFO a", "2026-11-26T07:00:00Z INFO b", "2026-11-26T03:00:00-05:00 INFO c"], now=NOW
    )
    assert df["timestamp"].tolist() == [ts("2026-11-26T08:00:00Z"), ts("2026-11-26T07:00:00Z"), ts("2026-11-26T08:00:00Z")]


# --- JSON ------------------------------------------------------------------------------------


def test_ecs_json_with_nested_objects():
    line = (
        '{"@timestamp":"2026-11-26T10:00:00.5Z","log":{"level":"ERROR"},"message":"charge failed",'
        '"service":{"name":"payments"},"host":{"name":"pay-2"},"http":{"response":{"status_code":503}},'
        '"error":{"type":"java.net.ConnectException","stack_trace":"java.net.ConnectException: refused\\n\\tat a.B.c(B.java:1)"},'
        '"trace":{"id":"abc"}}'
    )
    ev = one(line)
    assert ev["timestamp"] == ts("2026-11-26T10:00:00.5Z")
    assert (ev["level"], ev["service"], ev["host"], ev["http_status"]) == ("error", "payments", "pay-2", 503)
    assert ev["message"] == "charge failed\njava.net.ConnectException: refused\n\tat a.B.c(B.java:1)"
    assert ev["fields"] == '{"trace.id":"abc"}'


def test_ecs_json_with_dotted_keys():
    ev = one('{"@timestamp":"2026-11-26T10:00:00Z","log.level":"warn","message":"m","service.name":"cart","host.name":"h","http.response.status_code":"404"}')
    assert (ev["level"], ev["service"], ev["host"], ev["http_status"]) == ("warn", "cart", "h", 404)


def test_error_type_without_stack_is_appended_to_the_message():
    ev = one('{"time":"2026-11-26T10:00:00Z","level":"error","msg":"lookup failed","error.type":"KeyError","error.message":"currency"}')
    assert ev["message"] == "lookup failed\nKeyError: currency"


@pytest.mark.parametrize(
    "line, when, level, service, message",
    [
        ('{"time":"2026-11-26T10:00:00Z","level":"info","msg":"hi","logger":"api.views"}', "2026-11-26T10:00:00Z", "info", "api.views", "hi"),
        ('{"ts":1764151200.25,"level":"warn","msg":"zap"}', "2025-11-26T10:00:00.25Z", "warn", None, "zap"),
        ('{"time":1764151200000,"level":50,"msg":"pino error"}', "2025-11-26T10:00:00Z", "error", None, "pino error"),
        ('{"timestamp":"2026-11-26 10:00:00","severity":"CRITICAL","message":"gcp","app":"web"}', "2026-11-26T10:00:00Z", "fatal", "web", "gcp"),
        ('{"log":"plain docker line\\n","stream":"stderr","time":"2026-11-26T10:00:00.000000001Z"}', "2026-11-26T10:00:00.000000001Z", "info", None, "plain docker line\n"),
    ],
)
def test_common_json_loggers(line, when, level, service, message):
    ev = one(line)
    assert ev["timestamp"] == ts(when)
    assert (ev["level"] if ev["level"] is not pd.NA else None) == level
    assert (ev["service"] if ev["service"] is not pd.NA else None) == service
    assert ev["message"] == message


def test_mixed_json_and_text_keep_line_order():
    df = parse_lines(
        ["2026-11-26T10:00:00Z INFO text one", '{"time":"2026-11-26T10:00:01Z","level":"error","msg":"json two"}', "2026-11-26T10:00:02Z WARN text three"],
        now=NOW,
    )
    assert df["message"].tolist() == ["text one", "json two", "text three"]
    assert df["level"].tolist() == ["info", "error", "warn"]
    assert df["line"].tolist() == [1, 2, 3]


def test_malformed_json_is_salvaged_or_kept_as_text_and_counted():
    report = LoadReport()
    df = parse_lines(['{"level": "error", "msg": "ok"}', '{"level": "error", "msg": trunc', "{{ nothing here"],
                     report=report, now=NOW)
    assert df["message"].tolist() == ["ok", '{"level": "error", "msg": trunc', "{{ nothing here"]
    assert df["level"].tolist()[:2] == ["error", "error"]  # the broken record keeps its level
    assert report.skipped["malformed JSON lines (known keys salvaged)"] == 1
    assert report.skipped["malformed JSON lines (kept as text)"] == 1


# --- folding -----------------------------------------------------------------------------------


def test_java_stack_trace_is_folded_into_its_event():
    lines = [
        "2026-11-26 10:00:00,000 ERROR [main] c.s.Checkout - order failed",
        "java.lang.IllegalStateException: no items",
        "\tat com.shop.Checkout.validate(Checkout.java:42)",
        "\tat com.shop.Checkout.run(Checkout.java:10)",
        "Caused by: java.sql.SQLException: timeout",
        "\t... 12 more",
        "2026-11-26 10:00:01,000 INFO [main] c.s.Checkout - next",
    ]
    df = parse_lines(lines, now=NOW)
    assert len(df) == 2
    assert df["line"].tolist() == [1, 7]
    assert df["message"][0] == "order failed\n" + "\n".join(lines[1:6])
    assert df["raw"][0] == "\n".join(lines[:6])


def test_python_traceback_is_folded():
    lines = [
        "2026-11-26 10:00:00,000 - api - ERROR - request failed",
        "Traceback (most recent call last):",
        '  File "/app/api.py", line 12, in handle',
        "    charge(order)",
        "KeyError: 'currency'",
        "",
        "During handling of the above exception, another exception occurred:",
        "2026-11-26 10:00:00,500 - api - INFO - recovered",
    ]
    df = parse_lines(lines, now=NOW)
    assert len(df) == 2
    assert df["message"][0].endswith("KeyError: 'currency'\nDuring handling of the above exception, another exception occurred:")
    assert df["line"][1] == 8


def test_go_panic_becomes_its_own_event_timed_after_the_previous_one():
    lines = [
        "2026/11/26 10:00:00 serving on :8080",
        "panic: runtime error: invalid memory address or nil pointer dereference",
        "[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x4a1b2c]",
        "",
        "goroutine 1 [running]:",
        "main.handler(0xc000010000)",
        "\t/app/main.go:12 +0x1d",
        "exit status 2",
    ]
    df = parse_lines(lines, now=NOW)
    assert len(df) == 2
    assert df["message"][1].startswith("panic: runtime error")
    assert "goroutine 1 [running]:" in df["message"][1] and df["message"][1].endswith("exit status 2")
    assert df["timestamp"][1] == ts("2026-11-26T10:00:00Z")
    assert df["level"][1] == "fatal"


def test_node_frames_are_folded():
    lines = [
        "2026-11-26T10:00:00.000Z ERROR TypeError: Cannot read properties of undefined (reading 'id')",
        "    at getUser (/app/src/users.js:10:15)",
        "    at processTicksAndRejections (node:internal/process/task_queues:95:5)",
        "2026-11-26T10:00:01.000Z INFO ok",
    ]
    df = parse_lines(lines, now=NOW)
    assert len(df) == 2 and df["message"][0].count("\n") == 2


def test_tracebacks_fold_even_in_logs_without_headers():
    lines = [
        "starting worker",
        "Traceback (most recent call last):",
        '  File "w.py", line 3, in <module>',
        "ValueError: bad input",
        "worker stopped",
        "java.lang.RuntimeException: boom",
        "\tat a.B.c(B.java:1)",
    ]
    df = parse_lines(lines, now=NOW)
    assert df["message"].tolist() == [
        "starting worker\n" + "\n".join(lines[1:4]),
        "worker stopped\njava.lang.RuntimeException: boom\n\tat a.B.c(B.java:1)",
    ]


def test_plain_lines_without_headers_stay_separate():
    df = parse_lines(["alpha", "beta", "ValueError: not after a frame"], now=NOW)
    assert df["message"].tolist() == ["alpha", "beta", "ValueError: not after a frame"]


def test_content_mode_takes_every_line_as_a_bare_message():
    lines = ["2026-11-26T10:00:00Z ERROR boom", "\tat x.y(Z.java:1)"]
    df = parse_lines(lines, content=True, now=NOW)
    assert df["message"].tolist() == lines
    assert df["timestamp"].isna().all() and df["level"].isna().all()


def test_first_line_offsets_line_numbers_and_blank_lines_are_dropped():
    df = parse_lines(["", "2026-11-26T10:00:00Z INFO a", "   ", "2026-11-26T10:00:01Z INFO b"], first_line=100, now=NOW)
    assert df["line"].tolist() == [101, 103]


# --- odd text ---------------------------------------------------------------------------------


def test_ansi_colours_do_not_hide_the_level_and_raw_keeps_them():
    line = "2026-11-26T10:00:00Z \x1b[31mERROR\x1b[0m red alert"
    ev = one(line)
    assert ev["level"] == "error" and ev["message"] == "red alert" and ev["raw"] == line


def test_markup_and_control_characters_stay_text():
    line = "2026-11-26T10:00:00Z WARN user sent [bold red]not markup[/] \x07\x00 end"
    ev = one(line)
    assert ev["message"] == "user sent [bold red]not markup[/] \x07\x00 end"
    assert ev["raw"] == line


def test_megabyte_line_is_clipped_and_counted():
    report = LoadReport()
    df = parse_lines(["2026-11-26T10:00:00Z ERROR " + "x" * 2_000_000, "2026-11-26T10:00:01Z INFO ok"], report=report, now=NOW)
    assert len(df) == 2
    assert len(df["raw"][0]) == 65536
    assert df["level"][0] == "error"
    assert report.skipped["lines longer than 64 KiB (clipped)"] == 1


def test_lines_without_time_among_timed_ones_are_counted():
    report = LoadReport()
    df = parse_lines(["2026-11-26T10:00:00Z INFO a", "ERROR: no time here", "2026-11-26T10:00:01Z INFO c", "2026-11-26T10:00:02Z INFO d"], report=report, now=NOW)
    assert len(df) == 4
    assert report.skipped["events without a readable timestamp (kept, untimed)"] == 1


def test_accepts_pyarrow_and_pandas_input():
    arr = pa.array(["2026-11-26T10:00:00Z INFO a", None])
    assert parse_lines(arr, now=NOW)["message"].tolist() == ["a"]
    s = pd.Series(["2026-11-26T10:00:00Z INFO a"], dtype="string[pyarrow]")
    assert parse_lines(s, now=NOW)["message"].tolist() == ["a"]


def test_empty_input_gives_an_empty_table():
    df = parse_lines([], now=NOW)
    assert list(df.columns) == list(EVENT_COLUMNS) and len(df) == 0


# --- parse_messages (CloudWatch style) ------------------------------------------------------------


def test_parse_messages_one_event_per_record_with_fallback_times():
    given = pd.to_datetime(["2026-11-26T09:00:00Z"] * 4, utc=True)
    df = parse_messages(
        [
            '{"level":"error","message":"json record"}',
            "2026-11-26T10:00:00Z WARN own time wins",
            "Traceback (most recent call last):\n  File \"h.py\", line 1\nKeyError: 'x'",
            '{\n  "level": "info",\n  "msg": "pretty printed"\n}',
        ],
        timestamps=given,
        source="/aws/lambda/pay",
        now=NOW,
    )
    assert len(df) == 4
    assert df["timestamp"].tolist() == [ts("2026-11-26T09:00:00Z"), ts("2026-11-26T10:00:00Z"), ts("2026-11-26T09:00:00Z"), ts("2026-11-26T09:00:00Z")]
    assert df["level"].tolist()[:2] == ["error", "warn"]
    assert df["message"][2] == "Traceback (most recent call last):\n  File \"h.py\", line 1\nKeyError: 'x'"
    assert df["message"][3] == "pretty printed"
    assert (df["source"] == "/aws/lambda/pay").all()


def test_a_second_layout_later_in_the_input_is_detected_not_folded():
    first = [f"Nov 26 10:{i // 60:02d}:{i % 60:02d} web-1 app[1]: syslog line {i}" for i in range(600)]
    second = [f"2026-11-26T11:{i // 60:02d}:{i % 60:02d}Z ERROR iso line {i}" for i in range(300)]
    df = parse_lines(first + second, now=NOW)
    assert len(df) == 900
    assert df["level"].iloc[-1] == "error" and df["message"].iloc[-1] == "iso line 299"


@pytest.mark.parametrize(
    "line, when, level, service, message",
    [
        ("17/06/09 20:10:40 INFO executor.CoarseGrainedExecutorBackend: Registered signal handlers", "2017-06-09T20:10:40Z", "info", None, "Registered signal handlers"),
        ("081109 203615 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1 terminating", "2008-11-09T20:36:15Z", "info", None, "PacketResponder 1 terminating"),
        ("- 1117838570 2005.06.03 R02-M1-N0 2005-06-03-15.42.50.675872 R02-M1-N0 RAS KERNEL INFO cache parity error corrected", "2005-06-03T22:42:50Z", "info", "KERNEL", "cache parity error corrected"),
        ("20171223-22:15:29:606|Step_LSC|30002312|onStandStepChanged 3579", "2017-12-23T22:15:29.606Z", "info", "Step_LSC", "onStandStepChanged 3579"),
        ("Jun 19 04:09:11 combo syslogd 1.4.1: restart.", "2026-06-19T04:09:11Z", "info", "syslogd 1.4.1", "restart."),
    ],
)
def test_hadoop_spark_bgl_healthapp_and_versioned_syslog_programs(line, when, level, service, message):
    ev = one(line)
    assert ev["timestamp"] == ts(when)
    assert (None if pd.isna(ev["level"]) else ev["level"]) == level
    assert (None if pd.isna(ev["service"]) else ev["service"], ev["message"]) == (service, message)


def test_bracketed_month_day_time_without_year_and_program_prefix():
    ev = one("[10.30 16:49:06] chrome.exe - proxy.example:5070 open through proxy HTTPS")
    assert ev["timestamp"] == ts("2026-10-30T16:49:06Z")
    assert (ev["service"], ev["message"]) == ("chrome.exe", "proxy.example:5070 open through proxy HTTPS")


def test_an_exception_after_the_level_is_not_taken_for_a_logger():
    ev = one("2026-11-26T10:00:00Z ERROR java.lang.IllegalStateException: no items")
    assert ev["message"] == "java.lang.IllegalStateException: no items" and pd.isna(ev["service"])


def test_unrecognised_dated_lines_start_new_events_even_in_a_headed_file():
    lines = [f"2026-11-26T10:00:0{i}Z INFO line {i}" for i in range(6)] + ["Thu Nov 26 10:00:07 UTC 2026 odd layout", "  continuation"]
    df = parse_lines(lines, now=NOW)
    assert len(df) == 7 and df["message"].iloc[-1] == "odd layout\n  continuation"
    assert df["timestamp"].iloc[-1] == ts("2026-11-26T10:00:07Z")  # its own header, learned from the leftover line


def test_json_in_many_chunks_with_a_bad_line_and_changing_types():
    from triage.parsing.lineshape import JSON_CHUNK

    n = 2 * JSON_CHUNK + 10
    lines = [f'{{"time":"2026-11-26T10:00:00Z","level":"info","msg":"m{i}","n":{i}}}' for i in range(n)]
    lines[5] = '{"time": broken'  # first chunk falls back to the per-line reader
    lines[JSON_CHUNK + 1] = '{"time":1764151200,"level":50,"msg":"pino","n":"text"}'  # a type change inside chunk two
    lines[-1] = '{"time":"2026-11-26T10:00:06Z","level":"warn","msg":"last","status":503}'
    report = LoadReport()
    df = parse_lines(lines, report=report, now=NOW)
    assert len(df) == n and df["line"].tolist() == list(range(1, n + 1))
    assert df["message"][5] == '{"time": broken' and df["message"][4] == "m4"
    assert (df["level"][JSON_CHUNK + 1], df["fields"][JSON_CHUNK + 1]) == ("error", '{"n":"text"}')
    assert (df["level"].iloc[-1], df["http_status"].iloc[-1]) == ("warn", 503)
    assert df["fields"][3] == '{"n":3}'
    assert report.skipped["malformed JSON lines (kept as text)"] == 1


def test_json_times_keep_their_zone_and_naive_ones_use_tz():
    lines = [
        '{"timestamp":"2026-11-26 11:00:00","level":"info","msg":"naive"}',
        '{"timestamp":"2026-11-26T10:00:00Z","level":"info","msg":"utc"}',
        '{"timestamp":"2026-11-26T11:00:00+01:00","level":"info","msg":"offset"}',
    ]
    df = parse_lines(lines, tz="Europe/Berlin", now=NOW)
    assert df["timestamp"].tolist() == [ts("2026-11-26T10:00:00Z")] * 3
    pino = parse_lines(['{"time":1764151200000,"level":30,"msg":"pino"}'], tz="Europe/Berlin", now=NOW)
    assert pino["timestamp"][0] == ts("2025-11-26T10:00:00Z")


def test_kubernetes_cri_files_are_unwrapped_then_parsed_and_folded():
    lines = [
        '2026-11-26T10:00:00.100Z stdout F {"level":"error","msg":"charge failed","service":"payments"}',
        "2026-11-26T10:00:01.000Z stderr F 2026-11-26 10:00:01,000 ERROR [main] c.s.Pay - refused",
        "2026-11-26T10:00:01.001Z stderr F java.net.ConnectException: Connection refused",
        "2026-11-26T10:00:01.002Z stderr F \tat c.s.Pay.charge(Pay.java:88)",
        "2026-11-26T10:00:02.000Z stdout F plain line without its own time",
    ]
    df = parse_lines(lines, now=NOW)
    assert len(df) == 3
    assert (df["level"][0], df["service"][0], df["message"][0]) == ("error", "payments", "charge failed")
    assert df["message"][1] == "refused\njava.net.ConnectException: Connection refused\n\tat c.s.Pay.charge(Pay.java:88)"
    assert df["timestamp"].tolist() == [ts("2026-11-26T10:00:00.1Z"), ts("2026-11-26T10:00:01Z"), ts("2026-11-26T10:00:02Z")]
    assert df["raw"][2] == lines[4]


def test_docker_compose_prefix_gives_the_service():
    df = parse_lines(["checkout-1  | 2026-11-26T10:00:00Z ERROR boom", "payments-1  | WARN: slow"], now=NOW)
    assert df["service"].tolist() == ["checkout-1", "payments-1"]
    assert df["level"].tolist() == ["error", "warn"] and df["message"].tolist() == ["boom", "slow"]


def test_bracketed_service_then_host():
    lines = [f"2026-11-26T10:00:0{i}Z ERROR [checkout] web-{i % 3 + 1} connection refused to db {i}" for i in range(9)]
    df = parse_lines(lines, now=NOW)
    assert set(df["service"]) == {"checkout"} and df["host"].tolist()[:3] == ["web-1", "web-2", "web-3"]
    assert df["message"].iloc[0] == "connection refused to db 0"
    # a first word that varies like message text is not a host
    words = [f"2026-11-26T10:00:0{i}Z ERROR [checkout] step-{i} of the job failed" for i in range(9)]
    df = parse_lines(words, now=NOW)
    assert df["host"].isna().all() and df["message"].iloc[0] == "step-0 of the job failed"
