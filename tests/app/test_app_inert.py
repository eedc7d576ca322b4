"""Log text is displayed literally: no markup, no escapes, no control characters, bounded size."""

from triage.app.inert import clean, first_line, inert, template_text


def test_markup_stays_literal():
    text = inert("[bold]x[/bold] [@click=app.quit]quit[/]")
    assert text.plain == "[bold]x[/bold] [@click=app.quit]quit[/]"
    assert not text.spans


def test_escape_and_control_characters_become_visible():
    s = clean("a\x1b[31mred\x07\x9b2J\x00\u202eevil")
    assert "\x1b" not in s and "\x07" not in s and "\x9b" not in s and "\x00" not in s and "\u202e" not in s
    assert s.startswith("a\u241b[31mred")


def test_newlines_only_kept_when_multiline():
    assert "\n" not in clean("a\nb")
    assert clean("a\nb", multiline=True) == "a\nb"


def test_invalid_utf8_surrogates_are_replaced():
    broken = b"ok \xff\xfe".decode("utf-8", "surrogateescape")
    assert clean(broken) == "ok \ufffd\ufffd"


def test_huge_lines_are_clipped_with_a_note():
    s = clean("x" * 1_000_000, limit=100)
    assert s.startswith("x" * 100) and s.endswith("(+999,900 chars)")


def test_placeholders_are_highlighted_but_brackets_are_not_markup():
    text = template_text("GET <PATH> took <NUM> ms [red]")
    styled = {text.plain[s.start:s.end] for s in text.spans}
    assert styled == {"<PATH>", "<NUM>"}
    assert text.plain.endswith("[red]")


def test_first_line_notes_more_lines():
    assert first_line("Traceback\n  File x\nError") == "Traceback  (+2 lines)"
