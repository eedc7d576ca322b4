"""group_messages / add_signatures: grouping, stable ids, odd input."""

import os
import random
import subprocess
import sys

import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from triage.events import events_frame
from triage.signatures import add_signatures, group_messages


def test_same_template_same_id_other_events_other_ids():
    msgs = [f"user {u} logged in from 10.0.0.{u}" for u in range(5)] + [f"cache miss for key k{u}" for u in range(5)]
    got = group_messages(msgs).ids.to_pylist()
    assert len(set(got[:5])) == 1 and len(set(got[5:])) == 1 and got[0] != got[5]


def test_templates_cover_every_id_and_read_well():
    g = group_messages([f"GET /api/orders/{n} {200 + n} {n}ms" for n in range(1, 4)])
    assert set(g.ids.to_pylist()) == set(g.templates)
    assert list(g.templates.values()) == ["GET <PATH> <NUM> <DUR>"]
    same_status = group_messages([f"GET /api/orders/{n} 200 {n}ms" for n in range(1, 4)])
    assert list(same_status.templates.values()) == ["GET <PATH> 200 <DUR>"]  # a constant shows as itself


def test_ids_are_short_hex():
    ids = group_messages(["a b 1", "c d", ""]).ids.to_pylist()
    assert all(len(i) == 10 and int(i, 16) >= 0 for i in ids)


def test_slots_that_vary_merge_but_different_words_do_not():
    users = [f"session closed for user {u}" for u in ["root"] * 20 + ["cyrus", "news", "test"]]
    hosts = [f"connect to {h}.example.com failed" for h in ("db", "cache", "queue")]
    events = ["worker Started", "worker Stopped", "connection opened", "connection closed"]
    got = group_messages(users + hosts + events).ids.to_pylist()
    assert len(set(got[:23])) == 1
    assert len(set(got[23:26])) == 1
    assert len(set(got[26:])) == 4


def test_bracketed_argument_slot_merges_words_paths_and_ids():
    msgs = ["LOGIN chdir(pwd) failed", "LOGIN chdir(/home/a/b) failed", "LOGIN chdir(/p/bg1/da) failed"]
    g = group_messages(msgs)
    assert len(set(g.ids.to_pylist())) == 1
    assert list(g.templates.values()) == ["LOGIN chdir(<*>) failed"]


def test_event_verbs_and_dependencies_stay_apart():
    verbs = [f"order {n} {v} by bob" for n, v in enumerate(["created", "updated", "deleted", "queued"])]
    deps = [f"timeout talking to {d}" for d in ("postgres", "redis", "kafka")]
    got = group_messages(verbs + deps).ids.to_pylist()
    assert len(set(got)) == 7


def test_merged_signature_template_keeps_what_all_samples_share():
    msgs = [f"request id={n} GET /{p} took {n}ms" for n, p in enumerate(["health", "ready", "metrics"], 1)]
    g = group_messages(msgs)
    assert len(set(g.ids.to_pylist())) == 1
    assert list(g.templates.values()) == ["request id=<NUM> GET /<*> took <DUR>"]


def test_id_depends_only_on_template_not_hash_seed_or_order():
    msgs = ["disk full on /dev/sda1", "retry 3 of 5", "retry 4 of 5"]
    code = "import sys; from triage.signatures import group_messages; print(group_messages(sys.argv[1:]).ids.to_pylist())"
    runs = set()
    for seed in ("1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        out = subprocess.run([sys.executable, "-c", code, *msgs], env=env, capture_output=True, text=True, check=True)
        runs.add(out.stdout)
    assert len(runs) == 1
    assert group_messages(msgs[::-1]).ids.to_pylist() == group_messages(msgs).ids.to_pylist()[::-1]


def test_generated_templates_group_exactly():
    r = random.Random(3)
    makers = [
        lambda: f"order {r.randrange(10**6)} created by user{r.randrange(99)}",
        lambda: f"connection to 10.{r.randrange(256)}.0.{r.randrange(256)}:{r.randrange(1, 65535)} refused",
        lambda: f"slow query took {r.randrange(1, 9999)}ms: SELECT * FROM t WHERE id = {r.randrange(100)}",
        lambda: f"session {r.getrandbits(64):016x} expired",
        lambda: "health check ok",
    ]
    truth = [r.randrange(len(makers)) for _ in range(2000)]
    got = group_messages([makers[t]() for t in truth]).ids.to_pylist()
    pairs = set(zip(truth, got))
    assert len(pairs) == len(makers) == len(set(got))


def test_accepts_series_arrow_and_nulls():
    s = pd.Series(["a 1", None, "a 2"], dtype=pd.ArrowDtype(pa.string()))
    ids = group_messages(s).ids.to_pylist()
    assert ids[0] == ids[2] != ids[1]


def test_chunked_arrow_input_matches_list_input():
    chunked = group_messages(pa.chunked_array([["x 1", "y"], ["x 2"]])).ids.to_pylist()
    assert chunked == group_messages(["x 1", "y", "x 2"]).ids.to_pylist()


def test_empty_input():
    g = group_messages([])
    assert len(g.ids) == 0 and g.templates == {}


def test_add_signatures_adds_arrow_string_columns_and_keeps_index():
    ev = events_frame({"message": ["retry 1", "retry 2", "boom"], "level": ["info", "info", "error"]})
    ev.index = [10, 11, 12]
    out = add_signatures(ev)
    assert list(out.index) == [10, 11, 12]
    for col in ("signature", "template"):
        assert out[col].dtype == pd.ArrowDtype(pa.string())
    assert out["template"].tolist() == ["retry <NUM>", "retry <NUM>", "boom"]
    assert "signature" not in ev.columns


def test_huge_and_binaryish_lines_do_not_break():
    big = "x" * 2_000_000 + " 42"
    g = group_messages([big, "\x00\x1b[31m\u202e\ufffd", "\ud800 lone"])
    assert len(g.ids) == 3 and all(len(t) <= 2100 for t in g.templates.values())


@settings(max_examples=150, deadline=None)
@given(st.lists(st.text(alphabet=st.characters(blacklist_categories=())), max_size=20))
def test_never_raises_on_arbitrary_text(msgs):
    g = group_messages(msgs)
    ids = g.ids.to_pylist()
    assert len(ids) == len(msgs)
    assert set(ids) <= set(g.templates)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.one_of(st.none(), st.integers(), st.binary(max_size=50), st.text(max_size=200)), max_size=10))
def test_never_raises_on_mixed_junk(values):
    assert len(group_messages(values).ids) == len(values)


def test_level_left_in_message_does_not_split_an_event():
    msgs = [f"RAS KERNEL {lvl} instruction cache parity error corrected" for lvl in ("INFO", "FATAL", "INFO")]
    msgs += ["RAS KERNEL INFO data TLB error interrupt"]
    got = group_messages(msgs).ids.to_pylist()
    assert got[0] == got[1] == got[2] != got[3]


SAME = [
    ("took 250ms", "took 1.5 s"),
    ("from 10.1.2.3:8080 refused", "from 192.168.0.1:443 refused"),
    ("peer fe80::1 gone", "peer fe80::2:3 gone"),
    ("req 123e4567-e89b-12d3-a456-426614174000 done", "req 00000000-0000-0000-0000-000000000001 done"),
    ("ptr 0x7ffe1234 freed", "ptr 0xdeadbeef freed"),
    ("mail to bob@example.com bounced", "mail to carol.x@corp.example.org bounced"),
    ("at 2024-05-14T12:00:01.123Z start", "at 2023-01-02T03:04:05Z start"),
    ("at Mon Jun 14 15:16:01 2005 start", "at Tue Jul 5 01:02:03 2005 start"),
    ("wrote 12 KB", "wrote 3.5 MB"),
    ("open /var/data/orders/1234.json failed", "open /var/data/a/b/77.json failed"),
    ("GET https://api.example.com/v1/orders/42 ok", "GET http://x.io/ ok"),
    ("login user=alice status=ok", "login user=bob status=locked"),
    ("KeyError: 'currency'", "KeyError: 'amount'"),
    ("deleting blk_-1608999687919862906", "deleting blk_7503483334202473044"),
    ("ids 1, 2, 3 gone", "ids 4 gone"),
    ("chip FF:F2:9F:16:E2:23:00:0D up", "chip FF:F2:9F:15:7E:6E:00:EA up"),
]
APART = [
    ("connection opened", "connection closed"),
    ("GET /health 200", "POST /health 200"),
    ("disk full", "disk almost full"),
]


@pytest.mark.parametrize("a, b", SAME)
def test_messages_differing_only_in_values_share_a_signature(a, b):
    ids = group_messages([a, b]).ids.to_pylist()
    assert ids[0] == ids[1]


@pytest.mark.parametrize("a, b", APART)
def test_messages_with_other_words_do_not(a, b):
    ids = group_messages([a, b]).ids.to_pylist()
    assert ids[0] != ids[1]


def test_colour_codes_do_not_split_a_signature():
    ids = group_messages(["\x1b[31mERROR\x1b[0m disk 91% full", "ERROR disk 92% full"]).ids.to_pylist()
    assert ids[0] == ids[1]


_WORDS = st.sampled_from(["user", "root", "cache", "miss", "GET", "/api/x", "took", "id=7", "from", "ok", "failed"])
_VALUES = st.one_of(st.integers(0, 10**6).map(str), st.ip_addresses(v=4).map(str), st.uuids().map(str))
_LOGLIKE = st.lists(st.one_of(_WORDS, _VALUES), min_size=1, max_size=6).map(" ".join)


@settings(max_examples=60, deadline=None)
@given(st.lists(_LOGLIKE, min_size=1, max_size=30), st.randoms(use_true_random=False))
@example(["x 5 done", "x 1.2.3.4 done", "x 7 done"], random.Random(1))
def test_signatures_do_not_depend_on_input_order(msgs, rnd):
    g = group_messages(msgs)
    order = list(range(len(msgs)))
    rnd.shuffle(order)
    h = group_messages([msgs[i] for i in order])
    assert h.ids.to_pylist() == [g.ids.to_pylist()[i] for i in order]
    assert h.templates == g.templates


def test_ids_do_not_depend_on_how_much_was_loaded():
    """The same events get the same ids from a 10k-line and a 1M-line load (merging sees very different counts)."""
    from idload_support import messages

    big = messages(1_000_000)
    small = big.slice(0, 10_000)
    in_small = group_messages(small).ids
    in_big = group_messages(big).ids.slice(0, 10_000)
    assert in_small.equals(in_big)
    assert 5 <= len(set(in_small.to_pylist())) <= 20  # real grouping, not one id per line or one for all


def test_slot_with_many_distinct_values_merges_whatever_the_words_look_like():
    names = ["Admin", "oracle", "PlcmSpIp", "test", "Guest", "nagios", "ubnt", "Support", "pi"]
    msgs = [f"Rejected login for account {n} via portal" for n in names]
    g = group_messages(msgs)
    assert len(set(g.ids.to_pylist())) == 1
    assert list(g.templates.values()) == ["Rejected login for account <*> via portal"]


def test_a_few_capitalised_values_in_one_slot_stay_separate_events():
    msgs = [f"worker {v} cleanly" for v in ("Started", "Stopped", "Paused", "Resumed")] * 3
    assert len(set(group_messages(msgs).ids.to_pylist())) == 4


def test_leading_word_stays_the_subject_even_with_many_values():
    daemons = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india"]
    msgs = [f"{d} startup succeeded" for d in daemons]
    assert len(set(group_messages(msgs).ids.to_pylist())) == len(daemons)


def test_plain_words_with_a_dominant_value_and_rare_ones_are_data():
    names = ["root"] * 40 + ["admin", "oracle", "ftp", "git"]
    got = group_messages([f"Failed password for {n} from 10.0.0.1 port 22 ssh2" for n in names])
    assert len(set(got.ids.to_pylist())) == 1
    assert list(got.templates.values()) == ["Failed password for <*> from 10.0.0.1 port 22 ssh2"]


def test_plain_words_of_comparable_counts_stay_separate_events():
    msgs = [f"job {n} {v} cleanly" for n in range(30) for v in ("opened", "closed", "paused")]
    msgs += [f"{m} {n}" for m in ("GET", "POST", "DELETE") for n in range(30 if m == "GET" else 2)]
    assert len(set(group_messages(msgs).ids.to_pylist())) == 6


def test_same_words_merge_or_not_by_their_counts():
    from triage.signatures.merge import merge_templates

    keys = [f"queue drained for {t}" for t in ("billing", "emails", "search", "reports")]
    assert len(set(merge_templates(keys, [500, 4, 2, 1]))) == 1
    assert len(set(merge_templates(keys, [500, 450, 480, 470]))) == 4
    assert merge_templates(keys, [3, 1, 1, 1]) == merge_templates(keys, [3000, 1000, 1000, 1000])  # ratios, not sizes


def test_a_rare_failure_outcome_is_never_merged_into_the_common_event_by_counts():
    """The rare value may be the new failure the deploy brought: it keeps its own signature."""
    msgs = [f"request {v} in {n} ms" for v, k in (("completed", 1000), ("rejected", 5), ("aborted", 3)) for n in range(k)]
    got = group_messages(msgs)
    assert len(got.templates) == 3
    assert sorted(t.split()[1] for t in got.templates.values()) == ["aborted", "completed", "rejected"]
    # the same counts with names in the slot do merge: it is the failure word that keeps them apart
    names = [f"request {v} in {n} ms" for v, k in (("alice", 1000), ("bob", 5), ("carol", 3)) for n in range(k)]
    assert len(group_messages(names).templates) == 1


def test_a_word_that_keys_a_value_elsewhere_names_values():
    users = [f"session opened for user {u}" for u in ("cyrus", "news", "test")] * 10
    assert len(set(group_messages(users).ids.to_pylist())) == 3  # balanced, no evidence: three events
    got = group_messages(users + ["auth failure user=alice"]).ids.to_pylist()
    assert len(set(got[:-1])) == 1  # "user=<value>" elsewhere: the word after "user" is a value


def test_values_delimited_differently_are_one_token():
    msgs = ["acquire lock ws=WorkSource{1000}, uid=7", "acquire lock ws=WorkSource{1000, uid=7", "job done.", "job done"]
    g = group_messages(msgs)
    got = g.ids.to_pylist()
    assert got[0] == got[1] != got[2] == got[3]
    assert g.templates[got[0]] == "acquire lock ws=<*>, uid=<NUM>"


def test_booleans_and_masked_values_mixed_with_words_are_values():
    flags = group_messages([f"overlap:{b} for panel" for b in ("false", "true", "false")]).ids.to_pylist()
    assert len(set(flags)) == 1
    devices = group_messages([f"not allocating for non-ethernet device {d}" for d in ("eth0", "lo", "eth1")])
    assert len(set(devices.ids.to_pylist())) == 1
    profiles = group_messages([f"profile removed, Name: {p}" for p in ("OneStats", "stats2", "x3")])
    assert len(set(profiles.ids.to_pylist())) == 1


def test_masked_tokens_that_vary_together_merge():
    exts = ["txt"] * 5 + ["xml"] * 4 + ["pcapng"] * 3
    msgs = [f"skipping dir file [{n}]{n}.{e}, current file [{n}]{n}.{e}" for n, e in enumerate(exts)]
    assert len(set(group_messages(msgs).ids.to_pylist())) == 1
    two = [f"skipping dir file [{n}]{n}.{e}, current file [{n}]{n}.{e}" for n, e in enumerate(["txt", "xml"] * 3)]
    assert len(set(group_messages(two).ids.to_pylist())) == 2  # two kinds of file may be two events


def test_messages_made_only_of_key_value_pairs_still_merge_their_values():
    """The keys of masked values ("uid=") are the constant words such a message keeps."""
    msgs = ["lock=1, ws=WorkSource{10}, uid=7", "lock=2, ws=null, uid=8", "lock=3, ws=WorkSource{4}, uid=9"]
    assert len(set(group_messages(msgs).ids.to_pylist())) == 1


def test_partly_masked_tokens_differing_in_words_stay_separate_events():
    reasons = [f"link lost, reason = {r}:code:{i}" for r in ("Denied", "Expired", "Revoked") for i in range(5)]
    assert len(set(group_messages(reasons).ids.to_pylist())) == 3
    nodes = [f"link lost, reason = node-{r}:code:{i}" for r in range(3) for i in range(5)]
    assert len(set(group_messages(nodes).ids.to_pylist())) == 1  # the varying part is an id: one event


def test_quoted_lower_case_values_merge_but_quoted_states_stay_apart():
    keys = group_messages(["KeyError: 'currency'", "KeyError: 'amount'", "KeyError: 'user_id'"])
    assert len(keys.templates) == 1
    states = group_messages([f"job moved to state '{s}'" for s in ["RUNNING"] * 50 + ["FAILED"] * 2 + ["KILLED"]])
    assert sorted(states.templates.values()) == [f"job moved to state '{s}'" for s in ("FAILED", "KILLED", "RUNNING")]
    tags = group_messages([f'acquire lock tag="{t}" uid={n}' for n, t in enumerate(["AudioMix", "WakeLock", "Sync"])])
    assert len(tags.templates) == 1  # a quoted value after "key=" is data whatever it looks like


def test_windows_paths_with_an_id_are_one_value():
    msgs = [r"open C:\Users\bob\a1.txt failed", r"open C:\Users\al\b22.log failed", r"open D:\x\7.dat failed"]
    g = group_messages(msgs)
    assert list(g.templates.values()) == ["open <PATH> failed"]


def test_scoped_code_names_are_events_but_dotted_names_are_data():
    code = [f"[drv] {f} entered" for f in ("Device::start", "Device::stop", "Driver::start") for _ in range(3)]
    assert len(set(group_messages(code).ids.to_pylist())) == 3
    pkgs = [f"[drv] {p} entered" for p in ("com.example.a", "org.example.b", "net.example.c") for _ in range(3)]
    assert len(set(group_messages(pkgs).ids.to_pylist())) == 1


def test_a_value_with_other_punctuation_around_it_is_still_one_value():
    msgs = ["closing chat, peer = ******1234.", "closing chat, peer = 5678.", "closing chat, peer = 91011."]
    assert len(set(group_messages(msgs).ids.to_pylist())) == 1


def test_numbered_names_one_name_is_one_event_different_names_are_judged_as_words():
    workers = [f"heartbeat missed from worker{n}" for n in range(1, 6)] * 4
    assert len(set(group_messages(workers).ids.to_pylist())) == 1  # the number is an instance
    ifaces = [f"link up on interface {i}" for i in ["ee0"] * 45 + ["alt0"] * 44 + ["scip0"] * 2]
    assert len(set(group_messages(ifaces).ids.to_pylist())) == 3  # three interfaces, each about as often
    family = [f"unable to qualify my own domain name ({h}admin1)" for h in "abcde"] * 2
    assert len(set(group_messages(family).ids.to_pylist())) == 1  # hosts of one family: shared letters
    many = [f"link up on interface {n}{k}" for k, n in enumerate(["ee", "alt", "scip", "lo", "br", "wl", "en", "ib"])]
    assert len(set(group_messages(many).ids.to_pylist())) == 1  # many names: data whatever they look like


def test_a_list_of_numbered_names_is_one_value_of_any_length():
    msgs = ["cannot resolve source an14 an15 an16", "cannot resolve source bn1 bn2", "cannot resolve source cn7 cn8 cn9 cn10"]
    assert len(set(group_messages(msgs).ids.to_pylist())) == 1


def test_signatures_of_different_numbered_names_read_differently():
    g = group_messages(["link on en0 up", "link on awdl0 up"])
    assert sorted(g.templates.values()) == ["link on awdl<NUM> up", "link on en<NUM> up"]


def test_a_missing_reading_is_not_a_value():
    """"****" or "-" where a number belongs says the value is missing (a fan or sensor that failed)."""
    failed = [f"fan speeds ( {3500 + n} {3400 + n} **** {3300 + n} )" for n in range(20)]
    normal = [f"fan speeds ( {3500 + n} {3400 + n} {3450 + n} {3300 + n} )" for n in range(5)]
    got = group_messages(failed + normal).ids.to_pylist()
    assert len(set(got[:20])) == 1 and len(set(got[20:])) == 1 and got[0] != got[20]
    sizes = group_messages([f"reply size {n} bytes" for n in range(5)] + ["reply size - bytes"] * 2)
    assert len(sizes.templates) == 2
    ranges = group_messages(["port range 10 - 20 open", "port range 5 open", "ids 1, 2, 3 gone", "ids 4 gone"])
    assert len(ranges.templates) == 2  # punctuation between values still joins them into one list


def test_a_quoted_value_gets_the_same_id_whatever_else_was_loaded_and_quoted_states_stay_apart():
    alone = group_messages(["KeyError: 'currency'"] * 5)
    both = group_messages(["KeyError: 'currency'"] * 5 + ["KeyError: 'amount'"] * 5)
    assert set(alone.ids.to_pylist()) == set(both.ids.to_pylist())  # masked per event, not by the merge
    states = group_messages([f"job {n} state 'FAILED'" for n in range(20)] + [f"job {n} state 'Active'" for n in range(20)])
    assert len(states.templates) == 2


def test_ids_of_any_length_are_one_value_whether_masked_whole_or_in_part():
    msgs = [f"user u{n} logged in" for n in (7, 42, 1234, 12345, 987654)]
    assert len(group_messages(msgs).templates) == 1


def test_key_codes_of_block_dictionaries_equal_encoding_the_text_once():
    """Blocks encoded apart, then filtered (keys left unused, first appearances moved): the unified
    codes are what one dictionary encoding of the kept text gives, order of first appearance included."""
    import numpy as np
    import pyarrow.compute as pc

    from triage.signatures import key_codes

    rng = np.random.default_rng(11)
    words = np.array([f"user <*> did {i}" for i in range(40)], dtype=object)
    chunks, kept = [], []
    for _ in range(6):
        block = words[rng.integers(0, 40, 300)]
        keep = rng.random(300) < 0.3
        chunks.append(pc.dictionary_encode(pa.array(list(block))).filter(pa.array(keep)))
        kept.extend(block[keep])
    got = key_codes(pd.Series(pd.arrays.ArrowExtensionArray(pa.chunked_array(chunks))))
    want = pc.dictionary_encode(pa.array(kept))
    assert got.dictionary.to_pylist() == want.dictionary.to_pylist()
    assert got.indices.to_pylist() == want.indices.to_pylist()
    # plain strings (another reader's keys) pass through as text
    plain = key_codes(pd.Series(["a", "b"], dtype=pd.ArrowDtype(pa.string())))
    assert plain.to_pylist() == ["a", "b"]


def test_rows_of_a_chunked_column_in_the_order_asked():
    import numpy as np

    from triage.signatures.grouping import _rows

    rng = np.random.default_rng(5)
    values = [f"m{i}" for i in range(500)]
    chunked = pa.chunked_array([pa.array(values[i:i + 61]) for i in range(0, 500, 61)])
    for size in (0, 1, 7, 120):
        rows = rng.integers(0, 500, size)
        assert _rows(chunked, rows).to_pylist() == [values[r] for r in rows]
        assert _rows(pa.array(values), rows).to_pylist() == [values[r] for r in rows]
