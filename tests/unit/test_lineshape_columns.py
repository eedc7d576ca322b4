"""Header columns users' logs have around the timestamp: a pid before it, a named month in it,
a level letter or a facility.severity after it. Invented lines, one layout per test."""

from datetime import datetime, timezone

import pandas as pd
import pyarrow as pa

from triage.parsing.lineshape import parse_lines
from triage.parsing.logtime import parse_timestamps

NOW = datetime(2026, 12, 5, 12, 0, tzinfo=timezone.utc)


def ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text).tz_convert("UTC")


def parse(lines, **kw):
    return parse_lines(lines, now=NOW, **kw)


def test_a_pid_and_role_before_a_day_month_year_date_keeps_the_date():
    # Was read as a time of day alone: dated today instead of 2 Dec.
    lines = ["7:M 02 Dec 2026 09:10:11.123 * Ready to accept connections", "7:S 02 Dec 2026 09:10:12.500 * Synced"]
    df = parse(lines)
    assert df["timestamp"].tolist() == [ts("2026-12-02T09:10:11.123Z"), ts("2026-12-02T09:10:12.5Z")]
    assert df["message"][0] == "* Ready to accept connections"


def test_a_bracketed_day_month_year_without_a_zone_keeps_the_date():
    df = parse(["[02/Dec/2026 09:10:11] job started", "[02/Dec/2026 09:10:13] job done"])
    assert df["timestamp"].tolist() == [ts("2026-12-02T09:10:11Z"), ts("2026-12-02T09:10:13Z")]


def test_named_month_dates_are_read_without_a_year_or_with_one():
    texts = ["02 Dec 2026 09:10:11.123", "[02/Dec/2026 09:10:11]", "13 Apr 12:52:30.731", "20 Dec 12:00:00", "Thu Nov 26 10:00:07 UTC 2026"]
    got = parse_timestamps(pa.array(texts), "generic", now=NOW).tolist()
    assert got == [ts("2026-12-02T09:10:11.123Z"), ts("2026-12-02T09:10:11Z"), ts("2026-04-13T12:52:30.731Z"),
                   ts("2025-12-20T12:00:00Z"), ts("2026-11-26T10:00:07Z")]  # 20 Dec would be in the future


def test_access_lines_with_padded_columns_a_vhost_or_no_zone():
    lines = [
        '10.1.10.51 -  -  [23/Dec/2026:21:20:35 +0000] "POST /api/rest HTTP/1.1" 200 - "-" "-"  293',
        'www.example.com 1.2.3.4 - bob [23/Dec/2026:16:41:07 -0500] "GET / HTTP/1.0" 503 368 "-" "curl"',
        '172.18.0.1 - - [23/Dec/2026 22:02:58] "GET /missing HTTP/1.1" 404 -',
    ]
    df = parse(lines, tz="UTC")
    assert len(df) == 3
    assert df["timestamp"].tolist() == [ts("2026-12-23T21:20:35Z"), ts("2026-12-23T21:41:07Z"), ts("2026-12-23T22:02:58Z")]
    assert df["level"].tolist() == ["info", "error", "warn"]


def test_a_pid_column_before_an_epoch_or_a_time_of_day():
    lines = [
        "1743339613.560493 poll([{fd=11}], 1, 49) = 0",
        "10000 1743339614.000561 arch_prctl(ARCH_SET_FS, 0x7f) = 0",
        "[10003] 1743339615.010612 <... accept4 resumed> = 4",
    ]
    df = parse(lines)
    assert len(df) == 3
    assert df["timestamp"].tolist() == [ts("2025-03-30T13:00:13.560493Z"), ts("2025-03-30T13:00:14.000561Z"), ts("2025-03-30T13:00:15.010612Z")]
    assert df["message"][1] == "arch_prctl(ARCH_SET_FS, 0x7f) = 0"
    timed = parse(["478760 12:21:46.359506 openat(AT_FDCWD) = 3", "478761 12:21:47.000001 close(3) = 0"])
    assert timed["timestamp"].tolist() == [ts("2026-12-05T12:21:46.359506Z"), ts("2026-12-05T12:21:47.000001Z")]
    assert timed["message"][1] == "close(3) = 0"


def test_a_level_letter_after_the_time_and_id_columns():
    lines = [
        "12-03 09:10:11.123  1234  5678 E Payments: card declined",
        "12-03 09:10:11.200  1234  5679 I Payments: retry scheduled",
        "12-03 09:10:12.001  1234  5680 W Net    : slow upstream",
        "12-03 09:10:12.300 D/Cache( 1766): warmed",
    ]
    df = parse(lines)
    assert df["level"].tolist() == ["error", "info", "warn", "debug"]
    assert df["message"][0] == "card declined" and df["service"][0] == "Payments"


def test_a_single_letter_that_only_some_messages_start_with_is_no_level():
    lines = [f"12-03 09:10:1{i} 1234 worker started job {i}" for i in range(6)] + ["12-03 09:10:17 1234 I think this is fine", "12-03 09:10:18 1234 E coli sample ready"]
    df = parse(lines)
    assert df["level"].tolist() == ["info"] * 8  # timed, no marker: the default, never "error" for `E coli`
    assert df["message"].iloc[-1].endswith("E coli sample ready")


def test_esx_severity_code_after_the_time():
    lines = ["2026-12-03T09:10:11.640Z In(14) vmsyslogd[1001]: Logs rotated", "2026-12-03T09:10:12.100Z Er(11) hostd[1002]: vm lost", "2026-12-03T09:10:13Z Wa(180) vmkwarning: cpu0 slow"]
    df = parse(lines)
    assert df["level"].tolist() == ["info", "error", "warn"]
    assert df["message"][0] == "Logs rotated" and df["service"][1] == "hostd"


def test_syslog_facility_and_severity_before_the_program():
    lines = ["Dec  3 09:10:11 gw-1 daemon.err mcad[2910]: contact failed", "Dec  3 09:10:12 gw-1 user.notice syswrapper: applied", "Dec  3 09:10:13 gw-1 kernel: plain line"]
    df = parse(lines)
    assert df["level"].tolist() == ["error", "info", "info"]
    assert df["service"].tolist() == ["mcad", "syswrapper", "kernel"]
    assert df["message"][0] == "contact failed"


def test_a_level_letter_before_or_a_level_word_inside_a_bracketed_time():
    df = parse(["E [03/Dec/2026:09:10:11 +0000] Unable to bind", "I [03/Dec/2026:09:10:12 +0000] Listening"])
    assert df["level"].tolist() == ["error", "info"] and df["message"][0] == "Unable to bind"
    df = parse(["[DEBUG 2026-12-03 09:10:11 main]  exec started", "[ WARN 2026-12-03 09:10:12 main] exec slow"])
    assert df["level"].tolist() == ["debug", "warn"]
    assert df["timestamp"][1] == ts("2026-12-03T09:10:12Z")


def test_a_level_word_after_a_padded_thread_column():
    df = parse(["[2026-12-03T09:10:11.969Z tomcat-http--188" + " " * 80 + "ERROR com.acme.Async - request failed"])
    assert df["level"][0] == "error"


def test_glog_with_a_year_in_the_header():
    df = parse(["I20261203 09:10:11.089828 400441 config.cc:27] Loading config", "E1203 09:10:12.000001 400441 main.cc:9] boom"])
    assert df["timestamp"].tolist() == [ts("2026-12-03T09:10:11.089828Z"), ts("2026-12-03T09:10:12.000001Z")]
    assert df["level"].tolist() == ["info", "error"]


def test_an_unread_line_with_a_date_after_a_few_columns_is_its_own_event():
    lines = [f"2026-12-03 09:10:1{i} INFO svc tick {i}" for i in range(6)]
    lines += ["job-42 (2026-12-03 09:10:20) finished", "WHERE created_at > '2026-01-01 00:00:00'"]
    df = parse(lines, tz="UTC")
    assert len(df) == 7  # the SQL line continues the job line; the job line is not folded into tick 5
    assert df["message"][5] == "svc tick 5"
    assert df["timestamp"][6] == ts("2026-12-03T09:10:20Z")
    assert df["message"][6].endswith("WHERE created_at > '2026-01-01 00:00:00'")


def test_otel_json_time_in_nanoseconds():
    df = parse(['{"timestamp_ns":"1700000000000000000","severity":"INFO","body":"started"}', '{"timeUnixNano":1700000001000000000,"severity":"ERROR","body":"boom"}'])
    assert df["timestamp"].tolist() == [ts("2023-11-14T22:13:20Z"), ts("2023-11-14T22:13:21Z")]
    assert df["message"].tolist() == ["started", "boom"]


def test_mysql_time_lines():
    df = parse(["# Time: 170213 16:00:33", "# Time: 170213  6:00:34", "170213 16:00:35 [ERROR] Cannot open"], tz="UTC")
    assert df["timestamp"].tolist() == [ts("2017-02-13T16:00:33Z"), ts("2017-02-13T06:00:34Z"), ts("2017-02-13T16:00:35Z")]
    assert df["level"][2] == "error"


def test_a_host_word_before_the_program_after_a_learned_header():
    lines = [
        f"- 1764753011 2026.12.03 rack{i} Dec 3 09:10:1{i} rack{i}/rack{i} backupd(pam_env)[29{i}]: snapshot rotated" for i in range(5)
    ] + ["- 1764753020 2026.12.03 admin1 Dec 3 09:10:20 ops@admin1 /opt/tools/bin/syncer[1682]: peer unreachable"]
    df = parse(lines)
    assert df["message"].tolist() == ["snapshot rotated"] * 5 + ["peer unreachable"]
    assert df["service"].tolist() == ["backupd(pam_env)"] * 5 + ["/opt/tools/bin/syncer"]


def test_words_before_an_epoch_column_are_header_columns_when_the_epochs_are_a_clock():
    lines = [f"{52001 + i} rack-{i} disk health {1764753011 + 60 * i} 1 spindle degraded" for i in range(6)]
    df = parse(lines)
    assert df["timestamp"][1] == ts("2025-12-03T09:11:11Z")
    assert all(m.endswith("spindle degraded") and "disk" not in m for m in df["message"])
    ids = [f"order {1000000000 + 987654321 * (i % 2) + i} shipped to {c}" for i, c in enumerate("abcdef")]
    assert parse(ids)["timestamp"].isna().all()  # ids years apart are no clock


def test_a_responsible_pid_after_the_syslog_program():
    df = parse(["Dec  3 09:10:11 mac-1 guardd[129] ([31211]): blocked outbound to /var/run/socket"])
    assert df["service"][0] == "guardd" and df["message"][0] == "blocked outbound to /var/run/socket"


def test_a_dotted_name_after_the_syslog_program_stays_in_the_message():
    lines = [f"Dec  3 09:10:1{i} mac-1 cts[258]: org.example.job{i}.daily: due, running now" for i in range(3)]
    lines += [f"Dec  3 09:10:2{i} mac-1 kernel[0]: wl0 link {i} up" for i in range(7)]
    df = parse(lines)
    assert df["service"].tolist()[:4] == ["cts"] * 3 + ["kernel"]
    assert df["message"][2] == "org.example.job2.daily: due, running now"
    java = parse([f"2026-12-03 09:10:1{i} INFO org.acme.Billing: charged order {i}" for i in range(4)])
    assert java["message"][1] == "charged order 1"  # no program named: the logger comes off as before


def test_a_thread_column_with_brackets_inside_and_a_dash_before_the_message():
    lines = [
        "2026-12-03 09:10:11,747 - INFO  [Replica[id=3]/10.0.0.5:7000:Replicator@120] - replica caught up",
        "2026-12-03 09:10:12,394 - WARN  [Flusher:42:Journal$Flusher@88] - flush slow",
    ]
    df = parse(lines)
    assert df["level"].tolist() == ["info", "warn"]
    assert df["message"].tolist() == ["replica caught up", "flush slow"]
