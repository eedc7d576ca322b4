"""Slot values: reading a signature's variable parts back out of its events."""

import numpy as np
import pandas as pd

from triage.signatures import add_signatures, group_messages
from triage.signatures.slots import fill_constants, signature_slots, slot_values, summarise


def test_values_are_read_per_event_and_misfits_are_null():
    msgs = ["connect host=a.internal  port=80 failed", "connect host=b port=8080 failed", "something else"]
    host, port = slot_values(msgs, "connect host=<*> port=<NUM> failed")
    assert host.to_pylist() == ["a.internal", "b", None]
    assert port.to_pylist() == ["80", "8080", None]


def test_regex_characters_in_the_template_are_literal():
    (v,) = slot_values(["price (usd) is 3.50 [ok]", "price (usd) is 4 [ok]"], "price (usd) is <NUM> [ok]")
    assert v.to_pylist() == ["3.50", "4"]


def test_top_values_with_shares_and_before_after_change():
    msgs = ["call host=db.prod port=5432 failed"] * 8 + ["call host=mock-payments.internal port=5432 failed"] * 4
    after = np.array([False] * 6 + [True] * 6)
    rep = summarise(msgs, "call host=<*> port=<NUM> failed", after=after)
    host, port = rep.slots
    assert host.label == "host=" and host.distinct == 2 and host.events == 12
    top = {v.value: v for v in host.values}
    assert top["db.prod"].count == 8 and round(top["db.prod"].share, 3) == round(8 / 12, 3)
    mock = top["mock-payments.internal"]
    assert (mock.before, mock.after, mock.change) == (0, 4, "NEW")
    assert round(mock.after_share, 3) == round(4 / 6, 3)
    assert port.constant == "5432" and host.constant is None
    assert rep.before == 6 and rep.after == 6 and rep.unmatched == 0
    assert rep.to_dict()["slots"][0]["values"][1]["change"] == "NEW"


def test_a_value_new_after_the_deploy_is_listed_even_when_rare_overall():
    msgs = [f"user u{i} ok" for i in range(40)] + ["user mallory ok"] * 3
    after = np.array([False] * 40 + [True] * 3)
    (slot,) = summarise(msgs, "user <*> ok", after=after, top=3).slots
    assert "mallory" in [v.value for v in slot.values]


def test_constants_are_kept_and_varying_parts_masked():
    msgs = [f"provider responded 401 Unauthorized in {i} ms" for i in range(30)]
    assert fill_constants("provider responded <NUM> Unauthorized in <NUM> ms", msgs) == \
        "provider responded 401 Unauthorized in <NUM> ms"
    mixed = [f"provider responded {400 + i % 3} in 5 ms" for i in range(30)]
    assert fill_constants("provider responded <NUM> in <NUM> ms", mixed) == "provider responded <NUM> in 5 ms"
    assert fill_constants("x <NUM>", ["x 1", "x 1"]) == "x <NUM>"  # two events say nothing


def test_grouping_shows_constant_slots_as_their_value():
    msgs = [f"payment to host='mock-payments.internal', port=8080 failed after {i} ms" for i in range(60)]
    msgs += [f"payment to host='pay{i}.example', port=8080 failed after {i} ms" for i in range(2)]
    g = group_messages(msgs)
    assert len(g.templates) == 1
    (tpl,) = g.templates.values()
    assert "host='mock-payments.internal'" in tpl and "port=8080" in tpl and "<NUM>" not in tpl.split("after")[0]
    assert "<" in tpl.split("after")[1]


def test_signature_slots_on_an_event_table():
    ts = pd.date_range("2026-11-26 10:00", periods=20, freq="min", tz="UTC")
    ev = pd.DataFrame({"timestamp": ts, "message": [f"charge {i} failed host=h{i % 2}" for i in range(20)]})
    ev = add_signatures(ev)
    sig = ev["signature"].iloc[0]
    rep = signature_slots(ev, sig, deploy=ts[10])
    assert rep.before == 10 and rep.after == 10
    hosts = next(s for s in rep.slots if s.label == "host=")
    assert {v.value: (v.before, v.after) for v in hosts.values} == {"h0": (5, 5), "h1": (5, 5)}


def test_trace_templates_read_the_introducing_line_only():
    msgs = [f"charge failed for order ord-{i}\nTraceback (most recent call last):\n"
            f'  File "/app/payments/client.py", line 8, in charge\n    x()\nConnectionError: refused' for i in range(5)]
    g = group_messages(msgs)
    (template,) = g.templates.values()
    assert template.startswith("charge failed for order <*> — ConnectionError")
    (slot,) = summarise(msgs, template).slots
    assert slot.events == 5 and slot.distinct == 5 and slot.values[0].value.startswith("ord-")
