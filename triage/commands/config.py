"""`triage config path | show`: where the defaults file lives, and what it sets."""

from __future__ import annotations

import argparse

from triage.cli import one_line_errors
from triage.textsafe import escape

BUILT_IN = {"tz": "UTC", "before": "30m", "after": "30m", "export_dir": "the current directory",
            "theme": "textual-dark", "keymap": "none ($TRIAGE_KEYMAP if set)"}


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("config", help="show the config file's path and the defaults it sets",
                                   description="Defaults for tz, before/after, export_dir, theme and keymap, "
                                               "in config.toml under $TRIAGE_CONFIG_DIR or the user config dir. "
                                               "Command-line options and presets win over it.")
    sub = parser.add_subparsers(dest="config_command", metavar="ACTION")
    p_path = sub.add_parser("path", help="print the config file's path (it may not exist yet)")
    p_path.set_defaults(func=run_path)
    p_show = sub.add_parser("show", help="validate the config file and print every default with where it comes from")
    p_show.set_defaults(func=run_show)
    for each in (parser, p_path, p_show):
        one_line_errors(each)
    parser.set_defaults(func=lambda args: (parser.print_help(), 2)[1])


def run_path(args: argparse.Namespace) -> int:
    from triage.config import config_path

    print(config_path())
    return 0


def run_show(args: argparse.Namespace) -> int:
    from triage.cli import CliError
    from triage.config import KEYS, ConfigError, load_config

    try:
        config = load_config()
    except ConfigError as exc:
        raise CliError(str(exc), 2) from None
    print(f"# {safe(str(config.path))}" + ("" if config.present else " (not found: built-in defaults)"))
    for key in KEYS:
        value = getattr(config, key)
        if value is None:
            print(f"{key} = {BUILT_IN[key]}  (built-in)")
        else:
            shown = _minutes(value) if key in ("before", "after") else safe(str(value))
            print(f"{key} = {shown}  (line {config.line_of(key)})")
    return 0


def safe(text: str) -> str:
    """Printable text only: a config value must not drive the terminal (triage.textsafe)."""
    return escape(text, newlines=False)


def _minutes(td) -> str:
    seconds = int(td.total_seconds())
    return f"{seconds // 60}m" if seconds % 60 == 0 else f"{seconds}s"
