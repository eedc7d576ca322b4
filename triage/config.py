"""The user's defaults: one TOML file in the platform config dir, read with tomllib, validated strictly.

    # ~/.config/triage/config.toml   (or $TRIAGE_CONFIG_DIR/config.toml)
    tz = "Europe/Berlin"        # display zone and zone of times without one
    before = "45m"              # default windows around the deploy
    after = "1h"
    export_dir = "~/incidents"  # default folder for exported notes
    theme = "gruvbox"           # a Textual theme name
    keymap = "~/.config/triage/keys.toml"

Precedence: command-line options, then a `--preset`, then this file, then the built-in
defaults. Every key is optional; an unknown key, a wrong type or an unreadable value is an
error naming the file, the line and the key (exit 2), never silently ignored. The folder is
the one user presets live under (`queries/`), so one env var moves both.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CONFIG_ENV = "TRIAGE_CONFIG_DIR"
FILE_NAME = "config.toml"
MAX_BYTES = 100_000
KEYS = ("tz", "before", "after", "export_dir", "theme", "keymap")


class ConfigError(ValueError):
    """A config problem the user can fix: says which file, line and key."""

    def __init__(self, message: str, *, path: Path, line: int | None = None, key: str | None = None):
        where = f"{path}:{line}" if line else str(path)
        what = f"key '{key}': " if key else ""
        super().__init__(f"{where}: {what}{message}")


@dataclass(frozen=True)
class Config:
    """The validated defaults; None where the file says nothing."""

    path: Path
    tz: str | None = None
    before: Any = None  # timedelta
    after: Any = None  # timedelta
    export_dir: str | None = None
    theme: str | None = None
    keymap: str | None = None
    present: bool = False
    lines: dict[str, int] = field(default_factory=dict, compare=False, repr=False)

    def line_of(self, key: str) -> int | None:
        return self.lines.get(key)


def config_dir() -> Path:
    """$TRIAGE_CONFIG_DIR, else platformdirs' user config dir for triage."""
    override = os.environ.get(CONFIG_ENV)
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_config_dir("triage"))


def config_path() -> Path:
    return config_dir() / FILE_NAME


def load_config(path: Path | None = None) -> Config:
    """The config at `path` (default: config_path()); an absent file is an empty Config."""
    path = path or config_path()
    try:
        if path.stat().st_size > MAX_BYTES:
            raise ConfigError(f"too large for a config file ({path.stat().st_size:,} bytes)", path=path)
        data = path.read_bytes()
    except FileNotFoundError:
        return Config(path=path)
    except OSError as exc:
        raise ConfigError(f"cannot read: {exc.strerror or exc}", path=path) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"not UTF-8 text (byte {exc.start})", path=path) from None
    return parse_config(text, path)


def parse_config(text: str, path: Path) -> Config:
    import tomllib

    from triage.presets.toml_lines import key_lines, line_of

    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"TOML syntax error: {exc}", path=path) from None
    lines = key_lines(text)

    def fail(key: str, message: str) -> ConfigError:
        return ConfigError(message, path=path, line=line_of(lines, key), key=key)

    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in KEYS:
            raise fail(key, f"unknown key (known: {', '.join(KEYS)})")
        if not isinstance(value, str) or not value.strip():
            raise fail(key, f"expected a non-empty string, got {_describe(value)}")
        values[key] = _check(key, value.strip(), fail)
    return Config(path=path, present=True, lines={k: line_of(lines, k) or 0 for k in values}, **values)


def _check(key: str, value: str, fail) -> Any:
    if key in ("before", "after"):
        import argparse

        from triage.commands.options import window_length

        try:
            return window_length(value)
        except argparse.ArgumentTypeError as exc:
            raise fail(key, str(exc)) from None
    if key == "tz":
        from triage.timeparse import resolve_tz

        try:
            resolve_tz(value)
        except ValueError as exc:
            raise fail(key, str(exc)) from None
        return value
    if key in ("export_dir", "keymap"):
        return os.path.expanduser(value)
    return value


def _describe(value: object) -> str:
    kinds = {bool: "true/false", int: "an integer", float: "a number", list: "a list", dict: "a table"}
    return next((name for kind, name in kinds.items() if isinstance(value, kind)), type(value).__name__)


def with_config(args, config: Config | None = None):
    """Fill the options `args` left at None (tz, before, after, export_dir) from the config file.

    Call after `apply_preset`, so the order is: command line, preset, config, built-in default.
    Records which ones it filled in `args.config_filled` (for messages and `config show`).
    """
    config = config or load_config()
    filled = []
    for key in ("tz", "before", "after", "export_dir"):
        value = getattr(config, key)
        if value is not None and hasattr(args, key) and getattr(args, key) is None:
            setattr(args, key, value)
            filled.append(key)
    args.config_filled = filled
    args.config = config
    return args
