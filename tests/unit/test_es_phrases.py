"""Constant phrases of a signature, for counting it in the cluster."""

from triage.sources.elasticsearch.phrases import phrases, words


def test_words_follow_the_standard_tokenizer_roughly():
    assert words("KeyError: 'currency' in format_receipt at client.py") == [
        "keyerror", "currency", "in", "format_receipt", "at", "client.py"]


def test_template_runs_become_phrases_longest_first():
    members = ["connection to 10.1.2.3:5432 refused after 3 retries", "connection to 10.9.9.9:80 refused after 12 retries"]
    assert phrases("connection to <IP> refused after <NUM> retries", members) == ["connection to", "refused after", "retries"]


def test_part_words_glued_to_a_value_are_dropped():
    members = ["rhost=abc123 user=x", "rhost=abd77 user=x"]
    assert phrases("rhost=ab<*> user=x", members) == ["user x", "rhost"]  # not "rhost ab"


def test_a_run_missing_from_a_member_is_not_used():
    # a template quirk must never make the filter stricter than its own sample
    assert phrases("user <*> logged in", ["user a logged in", "user b logged  out"]) == ["user"]


def test_templates_that_are_not_message_text_fall_back_to_shared_words():
    members = ["Traceback (most recent call last):\n  File \"a.py\", line 3, in f\nValueError: bad 17",
               "Traceback (most recent call last):\n  File \"a.py\", line 9, in f\nValueError: bad 99"]
    got = phrases("ValueError (at a.py:f)", members)  # a trace display, not text of the message
    assert got and all(p in " ".join(words(members[0])) for p in got)
    assert got == ["traceback most recent call last file a.py line", "in f valueerror bad"]


def test_nothing_constant_means_no_phrase():
    assert phrases("<NUM> <NUM> <HEX>", ["12 34 ab12", "99 1 ff00"]) == []
