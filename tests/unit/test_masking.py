"""Masking: variable parts become placeholders, constant words stay."""

import pytest

from triage.signatures.masking import mask_text


@pytest.mark.parametrize(
    "text, expected",
    [
        ("took 250ms", "took <DUR>"),
        ("took 1.5 s to connect", "took <DUR> to connect"),
        ("retry 3 of 5", "retry <NUM> of <NUM>"),
        ("from 10.1.2.3:8080 refused", "from <IP> refused"),
        ("peer fe80:0:0:0:202:b3ff:fe1e:8329 gone", "peer <IP> gone"),
        ("req 123e4567-e89b-12d3-a456-426614174000 done", "req <UUID> done"),
        ("ptr 0x7ffe1234 freed", "ptr <HEX> freed"),
        ("commit 3fa9c1e2b7 deployed", "commit <HEX> deployed"),
        ("mac 00:1b:44:11:3a:b7 up", "mac <HEX> up"),
        ("mail to bob.smith@example.com bounced", "mail to <EMAIL> bounced"),
        ("at 2024-05-14T12:00:01.123Z start", "at <TS> start"),
        ("at 2024-05-14 12:00:01,123 start", "at <TS> start"),
        ("at Mon Jun 14 15:16:01 2005 start", "at <TS> start"),
        ("wrote 12KB", "wrote <SIZE>"),
        ("open /var/data/orders/1234.json failed", "open <PATH> failed"),
        ("GET https://api.example.com/v1/orders/42?x=1 ok", "GET <URL> ok"),
        ("login user=alice status=ok", "login user=<*> status=<*>"),
        ("KeyError: 'currency'", "KeyError: '<*>'"),  # a quoted word: a value, masked per event (stable ids)
        ("tag=\"View\" set", "tag=\"<*>\" set"),
        ("tag='View' set", "tag='<*>' set"),
        ("generating core.1234", "generating core.<NUM>"),
        ("worker-17 stopped", "<*> stopped"),
        ("link on eth0 up, worker17 gone", "link on eth<NUM> up, worker<NUM> gone"),  # the name stays
        (r"copy C:\Users\a1\f.txt done", "copy <PATH> done"),
        (r"mount \\?\Volume2\x failed", "mount <PATH> failed"),
    ],
)
def test_variable_parts_are_masked(text, expected):
    assert mask_text(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "connection refused",
        "GET /health",  # a path without an id is a constant
        "pool exhausted: waiting for connection",
        "job state 'FAILED' after retry",  # a quoted state (capitalised) is left to the merge: an event
    ],
)
def test_constant_text_is_kept(text):
    assert mask_text(text) == text


def test_only_first_line_is_masked():
    assert mask_text("failed 42 times\n  at x.y(Z.java:1)") == "failed <NUM> times"


def test_markup_stays_literal_and_colour_codes_are_dropped():
    assert mask_text("[bold red]boom[/] \x1b[31mred\x1b[0m done") == "[bold red]boom[/] red done"
    assert mask_text("a\x00b\x07c") == "a b c"


def test_quoted_request_line_keeps_its_shape():
    assert mask_text('"GET /a HTTP/1.1" status: 200') == '"GET /a HTTP/<NUM>" status: <NUM>'


def test_a_name_keeps_its_letters_and_loses_its_short_number_in_the_key():
    import pyarrow as pa

    from triage.signatures.masking import key_mask_array

    got = key_mask_array(pa.array(["up on eth0 worker17 IPV6 tc19060 e6200003 x86_64 ab12cd"], pa.large_string()))
    assert got.to_pylist() == ["up on eth<*> worker<*> IPV<*> <*> <*> <*> <*>"]
