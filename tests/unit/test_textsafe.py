"""One definition of unsafe characters, used by every exit (notes, `triage group`, presets, the app)."""

import pytest

from triage.commands.group_output import safe
from triage.commands.presets import _clean
from triage.note import inert
from triage.textsafe import UNSAFE, escape, is_safe, pictures, repair_utf8

HOSTILE = "a\x1b[2J\x07\x00\x9b\x7f\u2028\u2029\u202e\u202a\u2066\u2069\u200e\u061c\u200b\ufeff\rz"


def test_escape_spells_every_unsafe_character():
    out = escape(HOSTILE)
    assert is_safe(out) and out.startswith("a\\x1b[2J\\x07\\x00\\x9b\\x7f\\u2028") and out.endswith("\\x0dz")
    assert escape("tab\tand\nnewline") == "tab\tand\nnewline"
    assert escape("a\nb", newlines=False) == "a\\x0ab"
    assert escape(None) == "" and escape(42) == "42"


def test_every_unsafe_code_point_is_escaped_and_nothing_else():
    for c in UNSAFE:
        assert chr(c) not in escape(chr(c)) and chr(c) not in pictures(chr(c))
    ordinary = "héllo wörld € 你好 👩‍💻 [bold] `x` <b>"
    assert escape(ordinary) == ordinary and pictures(ordinary) == ordinary  # the ZWJ inside the emoji stays


def test_pictures_keep_one_cell_per_character():
    out = pictures("x\x1by\u202ez")
    assert out == "x\u241by\ufffdz"
    assert pictures("a\nb", multiline=True) == "a\nb" and pictures("a\nb") == "a\u240ab"


def test_lone_surrogates_are_repaired():
    bad = b"caf\xe9".decode("utf-8", "surrogateescape")
    for out in (repair_utf8(bad), escape(bad), pictures(bad)):
        assert out.startswith("caf\ufffd") and set(out[3:]) == {"\ufffd"}
        out.encode("utf-8")


@pytest.mark.parametrize("cleaner", [safe, inert, _clean], ids=["group", "note", "presets"])
def test_every_cli_exit_uses_the_same_set(cleaner):
    out = cleaner(HOSTILE)
    for c in UNSAFE - {0x0A, 0x09}:
        assert chr(c) not in out
    assert "\\u202e" in out


def test_status_and_config_lines_use_the_same_set():
    from triage.commands.config import safe as config_safe
    from triage.commands.progress_line import _text
    from triage.textsafe import blank

    for out in (config_safe(HOSTILE), blank(HOSTILE), _text(1, 2, HOSTILE)):
        assert not any(chr(c) in out for c in UNSAFE)
    assert "\n" not in blank("a\nb") and blank("a\u202eb") == "a b"
    assert "hunter2pw" not in _text(1, 2, "reading https://u:hunter2pw@es.internal:9200/logs-*")
