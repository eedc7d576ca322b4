"""`triage serve`: its own options, everything else handed to `triage open`/`demo` and checked up front."""

from __future__ import annotations

from triage.cli import build_parser, main
from triage.commands.serve import served_argv


def parse(*argv):
    args, rest = build_parser().parse_known_args(["serve", *argv])
    args.rest = rest
    return args


def test_serve_options_are_taken_out_and_the_rest_keeps_its_order():
    args = parse("a.log", "--deploy", "2026-11-26 14:02", "--port", "9100", "b.log", "--tz=UTC")
    assert (args.host, args.port) == ("127.0.0.1", 9100)
    assert served_argv(args) == ["open", "a.log", "--deploy", "2026-11-26 14:02", "b.log", "--tz=UTC"]
    demo = parse("--demo", "--tz", "Europe/Berlin", "--host", "0.0.0.0")
    assert served_argv(demo) == ["demo", "--tz", "Europe/Berlin"] and demo.host == "0.0.0.0"


def test_a_bad_served_argument_is_one_line_and_exit_2_before_serving(capsys):
    assert main(["serve", "app.log", "--deploy", "now", "--before", "0"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("triage: error: open: ") and "window" in err and "\n" not in err
    assert main(["serve", "--demo", "--no-such-option"]) == 2
    assert "unrecognized arguments: --no-such-option" in capsys.readouterr().err
    assert main(["serve", "--demo", "--port", "70000"]) == 2
    assert "--port must be 1-65535" in capsys.readouterr().err


def test_other_commands_still_refuse_unknown_arguments(capsys):
    assert main(["group", "app.log", "--port", "9100"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("triage: error: unrecognized arguments: --port 9100")
