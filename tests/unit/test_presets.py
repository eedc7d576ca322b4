"""Presets: file format, validation messages, secret refusal, precedence, and the
command-line glue (`--preset`, command-line values win, save-as-preset)."""

from __future__ import annotations

import argparse
import json
import textwrap
from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest

from preset_support import command_parser
from triage.cli import CliError, main
from triage.events import STR
from triage.presets import (
    Preset,
    PresetError,
    add_preset_argument,
    apply_preset,
    filter_signatures,
    find_preset,
    list_presets,
    load_preset,
    parse_preset,
    preset_from_args,
    save_preset,
)
from triage.sources.registry import add_source_arguments


@pytest.fixture
def dirs(tmp_path, monkeypatch):
    """An empty project (cwd) and user config dir; returns (project/queries, user/queries)."""
    project = tmp_path / "project"
    user = tmp_path / "config"
    (project / "queries").mkdir(parents=True)
    (user / "queries").mkdir(parents=True)
    monkeypatch.chdir(project)
    monkeypatch.setenv("TRIAGE_CONFIG_DIR", str(user))
    return project / "queries", user / "queries"


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / f"{name}.toml"
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


ES_PRESET = """
    # checkout errors in prod
    name = "checkout"
    description = "checkout 5xx"
    source = "elasticsearch"

    [connection]
    url_env = "PROD_ES_URL"
    timeout = "45s"
    max_docs = 50000

    [query]
    index = "logs-checkout-*"
    query = 'http.response.status_code:[500 TO 599]'
    fields = { level = "severity", service = "app" }
    filters = { "kubernetes.namespace" = "prod" }

    [window]
    before = "1h"
    after = "15m"

    [signatures]
    exclude = ['GET /health']
"""


# --- load / save ------------------------------------------------------------------------

def test_save_then_load_gives_the_same_preset(dirs, tmp_path):
    project, _ = dirs
    original = load_preset(write(project, "checkout", ES_PRESET))
    out = save_preset(original, tmp_path / "out" / "checkout.toml")
    again = load_preset(out)
    assert (again.name, again.source, again.description) == ("checkout", "elasticsearch", "checkout 5xx")
    assert again.values == original.values
    assert again.get("query.fields") == {"level": "severity", "service": "app"}


def test_multiline_insights_query_survives_a_round_trip(tmp_path):
    insights = "fields @message\n| filter @message like /(?i)timed out/\n| parse @message 'took *ms' as ms"
    preset = Preset(name="slow", source="cloudwatch", values={"query.insights": insights, "query.log_groups": ["/ecs/a"]})
    again = load_preset(save_preset(preset, tmp_path / "slow.toml"))
    assert again.get("query.insights") == insights
    assert again.get("query.log_groups") == ["/ecs/a"]


def test_save_refuses_to_overwrite_unless_asked(tmp_path):
    first = Preset(name="p", source="files", values={"window.before": "10m"})
    second = Preset(name="p", source="files", values={"window.before": "20m"})
    path = save_preset(first, tmp_path / "p.toml")
    with pytest.raises(FileExistsError):
        save_preset(second, path)
    assert load_preset(path).get("window.before") == "10m"
    save_preset(second, path, overwrite=True)
    assert load_preset(path).get("window.before") == "20m"
    assert [p.name for p in tmp_path.iterdir()] == ["p.toml"]  # no temp files left behind


def test_save_defaults_to_the_user_presets_dir(dirs):
    _, user = dirs
    path = save_preset(Preset(name="mine", source="files"))
    assert path == user / "mine.toml"
    assert find_preset("mine").origin == "user"


def test_save_refuses_a_file_name_that_does_not_match_the_name(tmp_path):
    with pytest.raises(PresetError, match="mine.toml"):
        save_preset(Preset(name="mine", source="files"), tmp_path / "other.toml")


def test_save_refuses_what_load_would_refuse(tmp_path):
    bad = Preset(name="bad", source="cloudwatch", values={"query.insights": "filter token=abcdefgh1234"})
    with pytest.raises(PresetError, match="query.insights"):
        save_preset(bad, tmp_path / "bad.toml")
    assert not (tmp_path / "bad.toml").exists()


# --- validation messages: file, line, key ---------------------------------------------------

BAD = [
    ("unknown key with a hint", """
        source = "elasticsearch"
        [query]
        index = "logs-*"
        indx = "x"
     """, 4, "query.indx", "did you mean 'query.index'"),
    ("wrong type", """
        source = "files"
        [window]
        before = 30
     """, 3, "window.before", "expected a string, got an integer"),
    ("bad duration", """
        source = "files"
        [window]
        after = "soonish"
     """, 3, "window.after", "cannot read duration"),
    ("bad time", """
        source = "files"
        [window]
        deploy = "the day before yesterday-ish"
     """, 3, "window.deploy", "cannot read time"),
    ("bad zone", """
        source = "files"
        [window]
        tz = "Mars/Olympus"
     """, 3, "window.tz", "unknown time zone"),
    ("missing source", """
        description = "no source"
     """, None, None, "missing required key 'source'"),
    ("missing index", """
        source = "opensearch"
        [query]
        query = "x"
     """, None, None, "missing required key 'query.index'"),
    ("key for another source", """
        source = "files"
        [query]
        index = "logs-*"
     """, 3, "query.index", "does not apply to source 'files'"),
    ("bad choice", """
        source = "cloudwatch"
        [query]
        mode = "fast"
     """, 3, "query.mode", "must be one of auto, filter, insights"),
    ("bad regex", """
        source = "files"
        [signatures]
        include = ['(unclosed']
     """, 3, "signatures.include", "not a valid regular expression"),
    ("bad status", """
        source = "files"
        [signatures]
        http_status = ["5x"]
     """, 3, "signatures.http_status", "status class like 5xx"),
    ("list of non-strings", """
        source = "cloudwatch"
        [query]
        log_groups = ["/a", 3]
     """, 3, "query.log_groups", "a list with non-string items"),
    ("bool as string", """
        source = "elasticsearch"
        [connection]
        insecure = "yes"
        [query]
        index = "x"
     """, 3, "connection.insecure", "expected true or false"),
    ("env value instead of a name", """
        source = "elasticsearch"
        [connection]
        url_env = "https://es.internal:9200"
        [query]
        index = "x"
     """, 3, "connection.url_env", "environment variable NAME"),
    ("unknown field in an inline table", """
        source = "elasticsearch"
        [query]
        index = "x"
        fields = { level = "severity", levl = "lvl" }
     """, 4, "query.fields.levl", "unknown field name"),
    ("section that is not a table", """
        source = "files"
        window = "30m"
     """, 2, "window", "must be a table"),
    ("unknown key after a multi-line string", """
        source = "cloudwatch"
        [query]
        insights = '''
        fields @message
        | filter @message like /x/
        '''
        log_group = ["/a"]
     """, 7, "query.log_group", "did you mean 'query.log_groups'"),
    ("dotted key", """
        source = "files"
        window.before = "1h"
        window.afterr = "1h"
     """, 3, "window.afterr", "unknown key"),
    ("name that does not match the file", """
        name = "other"
        source = "files"
     """, 1, "name", "does not match the file name 'p.toml'"),
    ("zero max docs", """
        source = "elasticsearch"
        [connection]
        max_docs = 0
        [query]
        index = "x"
     """, 3, "connection.max_docs", "positive integer"),
]


@pytest.mark.parametrize("label,text,line,key,fragment", BAD, ids=[b[0] for b in BAD])
def test_validation_errors_name_file_line_and_key(tmp_path, label, text, line, key, fragment):
    path = write(tmp_path, "p", text)
    with pytest.raises(PresetError) as info:
        load_preset(path)
    err = info.value
    assert (err.line, err.key) == (line, key)
    assert fragment in err.message
    where = f"{path}:{line}: " if line else f"{path}: "
    assert str(err).startswith(where)


def test_toml_syntax_errors_carry_their_line(tmp_path):
    path = write(tmp_path, "p", 'source = "files"\n[window]\nbefore = 30m\n')
    with pytest.raises(PresetError) as info:
        load_preset(path)
    assert info.value.line == 3
    assert "TOML syntax error" in str(info.value)
    assert str(info.value).startswith(f"{path}:3:")


def test_unreadable_and_non_utf8_files_are_clear_errors(tmp_path):
    path = tmp_path / "p.toml"
    path.write_bytes(b'source = "files"\ndescription = "caf\xe9"\n')
    with pytest.raises(PresetError, match="not UTF-8"):
        load_preset(path)
    with pytest.raises(PresetError, match="cannot read"):
        load_preset(tmp_path / "missing.toml")
    (tmp_path / "dir.toml").mkdir()
    with pytest.raises(PresetError, match="cannot read"):
        load_preset(tmp_path / "dir.toml")
    big = tmp_path / "big.toml"
    big.write_text('source = "files"\n' + "# padding\n" * 200_000)
    with pytest.raises(PresetError, match="too large"):
        load_preset(big)


# --- secrets are refused, and never repeated in the message -------------------------------

SECRETS = [
    ("password key", '[connection]\npassword = "hunter2-prod"\n', "connection.password", "hunter2-prod"),
    ("api key key", '[connection]\napi_key = "abc"\n', "connection.api_key", None),
    ("url with password", '[connection]\nurl = "https://elastic:s3cretPass@es.prod:9200"\n', "connection.url", "s3cretPass"),
    ("aws key id in a query", "[query]\nquery = 'user.id:AKIAIOSFODNN7EXAMPLE'\n", "query.query", "AKIAIOSFODNN7EXAMPLE"),
    ("aws secret key", '[query]\nquery = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"\n', "query.query", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
    ("jwt", "[query]\nquery = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U'\n",
     "query.query", "eyJhbGciOiJIUzI1NiJ9"),
    ("bearer header", "[query]\nquery = 'Authorization: Bearer abcdef0123456789abcdef'\n", "query.query", "abcdef0123456789abcdef"),
    ("inline token", "[query]\nquery = 'token=9f8e7d6c5b4a'\n", "query.query", "9f8e7d6c5b4a"),
    ("private key", '[query]\nquery = "-----BEGIN RSA PRIVATE KEY-----"\n', "query.query", None),
]


@pytest.mark.parametrize("label,body,key,secret", SECRETS, ids=[s[0] for s in SECRETS])
def test_credentials_are_refused_naming_the_key(tmp_path, label, body, key, secret):
    path = write(tmp_path, "p", 'source = "elasticsearch"\n' + body + '[query]\nindex = "x"\n'
                 if not body.startswith("[query]") else 'source = "elasticsearch"\n' + body + 'index = "x"\n')
    with pytest.raises(PresetError) as info:
        load_preset(path)
    assert info.value.key == key
    assert info.value.line == 3
    assert "credential" in str(info.value) or "password" in str(info.value)
    if secret:
        assert secret not in str(info.value)


def test_auth_failure_words_are_not_mistaken_for_credentials(tmp_path):
    path = write(tmp_path, "p", """
        source = "elasticsearch"
        [connection]
        url = "https://es.prod.internal:9200"
        [query]
        index = "logs-*"
        query = 'message:("token expired" OR "invalid api key" OR unauthorized) OR error.type:ExpiredTokenException'
    """)
    assert load_preset(path).get("connection.url") == "https://es.prod.internal:9200"


# --- where presets live: precedence and duplicates ----------------------------------------

def test_project_beats_user_beats_shipped_and_conflicts_are_reported(dirs):
    project, user = dirs
    write(project, "files-timeouts", 'source = "files"\ndescription = "ours"\n')
    write(user, "files-timeouts", 'source = "files"\ndescription = "mine"\n')
    write(user, "only-mine", 'source = "files"\n')
    entries = {e.name: e for e in list_presets()}
    winner = entries["files-timeouts"]
    assert (winner.origin, winner.description) == ("project", "ours")
    assert [e.origin for e in winner.shadowed] == ["user", "shipped"]
    assert [e.origin for e in winner.conflicts] == ["user", "shipped"]
    assert entries["only-mine"].origin == "user"
    assert entries["es-http-5xx"].origin == "shipped"
    assert find_preset("files-timeouts").description == "ours"


def test_identical_copies_are_not_conflicts(dirs):
    project, _ = dirs
    shipped = find_preset("files-timeouts")
    (project / "files-timeouts.toml").write_bytes(shipped.path.read_bytes())
    entry = {e.name: e for e in list_presets()}["files-timeouts"]
    assert entry.origin == "project"
    assert [e.origin for e in entry.shadowed] == ["shipped"]
    assert entry.conflicts == []


def test_invalid_files_are_listed_with_their_error_not_dropped(dirs):
    project, _ = dirs
    write(project, "broken", 'source = "files"\nbefore = "1h"\n')
    entry = {e.name: e for e in list_presets()}["broken"]
    assert entry.preset is None
    assert "window.before" in entry.error and ":2:" in entry.error
    with pytest.raises(PresetError, match="broken.toml:2"):
        find_preset("broken")


def test_unknown_name_suggests_close_ones(dirs):
    with pytest.raises(PresetError, match="did you mean.*es-timeouts"):
        find_preset("es-timeout")


def test_presets_list_cli_shows_origin_and_conflicts(dirs, capsys):
    project, user = dirs
    write(project, "cw-timeouts", 'source = "cloudwatch"\ndescription = "ours"\n')
    assert main(["presets", "list"]) == 0
    out = capsys.readouterr().out
    line = next(row for row in out.splitlines() if row.startswith("cw-timeouts "))
    assert "project" in line and "ours" in line
    assert "cw-timeouts: project" in out and "DIFFERENT shipped" in out
    assert str(user) in out


def test_presets_list_json(dirs, capsys):
    project, _ = dirs
    write(project, "x", 'source = "files"\ndescription = "d"\n')
    assert main(["presets", "list", "--json"]) == 0
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["x"]["origin"] == "project" and rows["x"]["error"] is None
    assert rows["es-timeouts"]["origin"] == "shipped"


def test_presets_output_keeps_control_characters_inert(dirs, capsys):
    project, _ = dirs
    write(project, "evil", 'source = "files"\ndescription = "\\u001b[31mred\\u0007 [bold]x[/bold]"\n')
    assert main(["presets", "list"]) == 0
    assert main(["presets", "show", "evil"]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out
    assert "[bold]x[/bold]" in out


def test_presets_validate_cli(dirs, capsys):
    project, _ = dirs
    good = write(project, "good", 'source = "files"\n')
    bad = write(project, "bad", 'source = "files"\n[window]\nafter = "later"\n')
    assert main(["presets", "validate", str(good)]) == 0
    assert main(["presets", "validate", str(good), str(bad)]) == 1
    captured = capsys.readouterr()
    assert f"ok      {good}" in captured.out
    assert f"INVALID {bad}:3: key 'window.after'" in captured.out
    assert "1 of 2 preset file(s) invalid" in captured.err


def test_presets_show_prints_the_file_and_the_options(dirs, capsys):
    assert main(["presets", "show", "es-timeouts"]) == 0
    out = capsys.readouterr().out
    assert 'name = "es-timeouts"' in out
    assert "--source elasticsearch --index 'logs-*'" in out
    assert main(["presets", "show", "nope-nothing"]) == 1
    assert "no preset named 'nope-nothing'" in capsys.readouterr().err


# --- --preset on a command line ---------------------------------------------------------------

def test_preset_fills_what_the_command_line_left_out(dirs, monkeypatch):
    project, _ = dirs
    write(project, "checkout", ES_PRESET)
    monkeypatch.setenv("PROD_ES_URL", "https://es.prod.internal:9200")
    args = apply_preset(command_parser().parse_args(["--preset", "checkout", "--query", "service.name:cart"]))
    assert args.source == "elasticsearch"
    assert args.es_url == ["https://es.prod.internal:9200"]  # --es-url is repeatable: a list, as argparse makes
    assert args.query == "service.name:cart"  # command line wins
    assert args.index == "logs-checkout-*"
    assert args.es_timeout == 45.0  # "45s" through the option's float type
    assert args.es_max_docs == 50000
    assert args.es_field == ["level=severity", "service=app"]
    assert args.es_filter == ["kubernetes.namespace=prod"]
    assert (args.before, args.after) == (timedelta(hours=1), timedelta(minutes=15))  # through the window type
    assert args.loaded_preset.name == "checkout"


def test_command_line_values_win_over_every_preset_value(dirs, monkeypatch):
    project, _ = dirs
    write(project, "checkout", ES_PRESET)
    monkeypatch.setenv("PROD_ES_URL", "https://es.prod.internal:9200")
    argv = ["--preset", "checkout", "--es-url", "http://localhost:9200", "--index", "x-*", "--es-timeout", "5",
            "--es-field", "level=lvl", "--before", "5m", "--after", "2h"]
    args = apply_preset(command_parser().parse_args(argv))
    assert args.es_url == ["http://localhost:9200"]
    assert args.index == "x-*"
    assert args.es_timeout == 5.0
    assert args.es_field == ["level=lvl"]
    assert (args.before, args.after) == (timedelta(minutes=5), timedelta(hours=2))


def test_missing_env_reference_is_a_clear_error_without_values(dirs, monkeypatch):
    project, _ = dirs
    path = write(project, "checkout", ES_PRESET)
    monkeypatch.delenv("PROD_ES_URL", raising=False)
    with pytest.raises(CliError) as info:
        apply_preset(command_parser().parse_args(["--preset", "checkout"]))
    assert str(info.value) == f"{path}:7: key 'connection.url_env': environment variable PROD_ES_URL is not set"


def test_a_conflicting_source_is_refused(dirs):
    with pytest.raises(CliError, match="preset is for 'elasticsearch' but --source cloudwatch"):
        apply_preset(command_parser().parse_args(["--preset", "es-timeouts", "--source", "cloudwatch"]))
    args = apply_preset(command_parser().parse_args(["--preset", "es-timeouts", "--source", "opensearch"]))
    assert args.source == "opensearch" and args.index == "logs-*"


def test_file_globs_expand_in_the_current_directory(dirs):
    project, _ = dirs
    logs = project.parent / "logs"
    logs.mkdir()
    for name in ("b.log", "a.log", "c.txt"):
        (logs / name).write_text("x\n")
    write(project, "local", 'source = "files"\n[query]\nfiles = ["logs/*.log"]\n')
    args = apply_preset(command_parser().parse_args(["--preset", "local"]))
    assert args.files == ["logs/a.log", "logs/b.log"]
    assert args.source is None  # files are the default source
    args = apply_preset(command_parser().parse_args(["--preset", "local", "logs/c.txt"]))
    assert args.files == ["logs/c.txt"]
    write(project, "nothing", 'source = "files"\n[query]\nfiles = ["nowhere/*.log"]\n')
    with pytest.raises(CliError, match=r"nothing.toml:3: key 'query.files': no file matches 'nowhere/\*.log'"):
        apply_preset(command_parser().parse_args(["--preset", "nothing"]))


def test_a_preset_path_works_like_a_name(tmp_path):
    path = write(tmp_path, "adhoc", 'source = "files"\n[window]\nbefore = "2h"\n')
    args = apply_preset(command_parser().parse_args(["--preset", str(path)]))
    assert args.before == timedelta(hours=2)


def test_without_preset_nothing_changes():
    args = command_parser().parse_args(["a.log"])
    before = dict(vars(args))
    apply_preset(args)
    assert args.loaded_preset is None
    assert {k: v for k, v in vars(args).items() if k != "loaded_preset"} == before


def test_option_missing_from_the_command_is_reported(dirs):
    project, _ = dirs
    write(project, "p", 'source = "files"\n[metrics]\ncsv = ["m.csv"]\n')
    parser = argparse.ArgumentParser()
    parser.add_argument("files", nargs="*")
    add_preset_argument(parser)
    with pytest.raises(CliError, match="key 'metrics.csv': this command has no option for it"):
        apply_preset(parser.parse_args(["--preset", "p"]))


def test_shadowed_preset_warns_on_stderr(dirs, capsys):
    project, _ = dirs
    write(project, "files-timeouts", 'source = "files"\n')
    apply_preset(command_parser().parse_args(["--preset", "files-timeouts"]))
    err = capsys.readouterr().err
    assert "preset 'files-timeouts' is defined in" in err and "using the project one" in err


# --- save the current query as a preset --------------------------------------------------------

def test_current_query_round_trips_through_a_preset(dirs, monkeypatch):
    project, user = dirs
    write(project, "checkout", ES_PRESET)
    monkeypatch.setenv("PROD_ES_URL", "https://es.prod.internal:9200")
    args = apply_preset(command_parser().parse_args(["--preset", "checkout", "--query", "service.name:cart"]))
    saved = preset_from_args(args, "cart", "cart errors")
    assert saved.get("connection.url_env") == "PROD_ES_URL"  # the reference, not the URL it resolved to
    assert "connection.url" not in saved.values
    assert saved.get("query.query") == "service.name:cart"
    assert saved.get("connection.timeout") == "45s"
    assert saved.get("signatures.exclude") == ["GET /health"]
    path = save_preset(saved)
    again = apply_preset(command_parser().parse_args(["--preset", "cart"]))
    assert path.parent == user
    for dest in ("source", "es_url", "index", "query", "es_timeout", "es_max_docs", "es_field", "es_filter", "before", "after"):
        assert getattr(again, dest) == getattr(args, dest), dest


def test_current_cloudwatch_query_as_preset():
    argv = ["--source", "cloudwatch", "--log-group", "/ecs/checkout", "--log-group", "/ecs/pay*",
            "--insights", "filter @message like /ERROR/", "--region", "eu-west-1", "--profile", "prod-ro",
            "--cw-metric", "AWS/ECS:CPUUtilization", "--before", "45m", "--deploy", "now-1h"]
    preset = preset_from_args(command_parser().parse_args(argv), "cw-now")
    assert preset.source == "cloudwatch"
    assert preset.values == {
        "connection.region": "eu-west-1",
        "connection.profile": "prod-ro",
        "query.log_groups": ["/ecs/checkout", "/ecs/pay*"],
        "query.insights": "filter @message like /ERROR/",
        "window.before": "45m",
        "metrics.cloudwatch": ["AWS/ECS:CPUUtilization"],
    }  # the deploy time belongs to the incident, not to the saved query


def test_a_url_with_a_password_cannot_be_saved():
    args = command_parser().parse_args(["--source", "elasticsearch", "--es-url", "https://u:pw12345@es:9200", "--index", "x"])
    with pytest.raises(PresetError) as info:
        preset_from_args(args, "leak")
    assert info.value.key == "connection.url" and "pw12345" not in str(info.value)


# --- signature selection ---------------------------------------------------------------------

def _events():
    return pd.DataFrame({
        "template": pd.Series(["GET /health <NUM>", "request timed out after <DUR>", "Deadlock found",
                               "GET /api <NUM>", None], dtype=STR),
        "http_status": pd.Series([200, None, None, 503, 502], dtype="Int16"),
    })


def test_filter_signatures_include_status_and_exclude():
    events = _events()
    both = Preset(name="p", source="files", values={"signatures.include": ["(?i)TIMED OUT", "Deadlock"],
                                                   "signatures.http_status": ["5xx"]})
    assert list(filter_signatures(events, both).index) == [1, 2, 3, 4]
    only_status = Preset(name="p", source="files", values={"signatures.http_status": ["500-502"]})
    assert list(filter_signatures(events, only_status).index) == [4]
    exclude = Preset(name="p", source="files", values={"signatures.exclude": ["^GET "]})
    assert list(filter_signatures(events, exclude).index) == [1, 2, 4]
    assert filter_signatures(events, None) is events
    assert filter_signatures(events, Preset(name="p", source="files")) is events


def test_filter_signatures_uses_message_before_grouping():
    events = pd.DataFrame({"message": pd.Series(["pool exhausted", "ok"], dtype=STR)})
    preset = parse_preset('source = "files"\n[signatures]\ninclude = ["pool"]\n', path="p.toml")
    assert list(filter_signatures(events, preset)["message"]) == ["pool exhausted"]


def test_typed_options_round_trip_through_a_preset(tmp_path, monkeypatch):
    """`triage open` parses windows into timedeltas; presets still read and write plain text."""
    from datetime import timedelta

    from triage.timeparse import parse_duration

    parser = argparse.ArgumentParser()
    parser.add_argument("files", nargs="*")
    parser.add_argument("--before", type=parse_duration, default=None)
    parser.add_argument("--after", type=parse_duration, default=None)
    add_source_arguments(parser)
    add_preset_argument(parser)
    path = write(tmp_path, "w", 'source = "files"\n[window]\nbefore = "1h30m"\n')
    args = apply_preset(parser.parse_args(["--preset", str(path), "--after", "90s"]))
    assert (args.before, args.after) == (timedelta(minutes=90), timedelta(seconds=90))
    saved = preset_from_args(args, "w2")
    assert (saved.get("window.before"), saved.get("window.after")) == ("90m", "90s")
    again = apply_preset(parser.parse_args(["--preset", str(save_preset(saved, tmp_path / "w2.toml"))]))
    assert (again.before, again.after) == (args.before, args.after)


def test_every_preset_key_is_documented():
    from triage.presets.schema import KEYS

    doc = (Path(__file__).resolve().parents[2] / "docs" / "presets.md").read_text(encoding="utf-8")
    missing = [k.path for k in KEYS if f"`{k.path}`" not in doc]
    assert missing == []


def test_validate_without_files_checks_every_preset_found(dirs, capsys):
    project, user = dirs
    write(project, "good", 'source = "files"\n')
    write(user, "bad", 'source = "files"\nsource2 = 1\n')
    assert main(["presets", "validate"]) == 1
    captured = capsys.readouterr()
    assert f"ok      {project / 'good.toml'}" in captured.out
    assert f"INVALID {user / 'bad.toml'}:2: key 'source2': unknown key" in captured.out
    assert "es-http-5xx.toml" in captured.out  # shipped ones too


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_names = st.from_regex(r"[a-z][a-z0-9_-]{0,8}", fullmatch=True)
_values = st.one_of(st.text(max_size=20), st.integers(), st.booleans(),
                    st.lists(st.text(max_size=8), max_size=3),
                    st.text(alphabet="ab\n'\"", max_size=12))


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(_names, st.dictionaries(_names, _values, min_size=1, max_size=4), min_size=1, max_size=4))
def test_key_lines_finds_every_key_tomli_w_writes(doc):
    """Whatever TOML we (or tomli-w) write, each key's reported line holds that key."""
    import tomli_w

    from triage.presets.toml_lines import key_lines

    text = tomli_w.dumps(doc, multiline_strings=True)
    lines = key_lines(text)
    rows = text.splitlines()
    for section, table in doc.items():
        for key in table:
            line = lines[f"{section}.{key}"]
            assert rows[line - 1].lstrip().startswith((key, f'"{key}"')), (section, key, text)
