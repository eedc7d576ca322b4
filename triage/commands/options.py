"""The incident options `triage open` and `triage report` share, defined and validated once.

FILES, --deploy, --before/--after, --tz, --metrics, --content, --version-label, --title,
the sources' own options and --preset. Window lengths are checked by their argparse type,
so a bad value fails the same way on every command (and in a preset, whose values go
through the same type). The checks that need other options (the deploy time needs the
zone) are the functions below, raising `CliError` with exit code 2.

Importing this module is cheap: `triage --help` must not load pandas or the AWS SDK.
"""

from __future__ import annotations

import argparse
from datetime import timedelta

DEFAULT_WINDOW = timedelta(minutes=30)
MAX_WINDOW = timedelta(days=366)
"""A deploy's effect is compared over minutes to hours; a year is a typo, not a query."""


def window_length(text: str) -> timedelta:
    """argparse type for --before/--after: a duration longer than zero and at most MAX_WINDOW."""
    from triage.timeparse import parse_duration

    if str(text).strip().startswith("-"):
        raise argparse.ArgumentTypeError(
            f"a window is a length, longer than zero (got {text!r}); the windows always extend away from the deploy")
    try:
        value = parse_duration(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"bad window length: {exc}") from None
    if value <= timedelta(0):
        raise argparse.ArgumentTypeError(f"a window must be longer than zero (got {text!r})")
    if value > MAX_WINDOW:
        raise argparse.ArgumentTypeError(
            f"a window can be at most {MAX_WINDOW.days} days (got {text!r}); a deploy's effect is compared over "
            "minutes to hours")
    return value


window_length.__name__ = "window length"  # argparse names the type in its fallback message


def add_incident_arguments(p: argparse.ArgumentParser) -> None:
    """FILES, the deploy and its windows, zone, metrics, labels, every source's options and --preset."""
    from triage.sources.registry import add_source_arguments

    p.add_argument("files", nargs="*", metavar="FILE", help="log files, directories, globs, or '-' for stdin")
    p.add_argument("--deploy", metavar="T",
                   help="deploy time: ISO/RFC time, epoch, '14:02', or relative like now-45m (required)")
    p.add_argument("--before", type=window_length, default=None, metavar="D",
                   help=f"window before the deploy (default {_minutes(DEFAULT_WINDOW)}, or the config file's)")
    p.add_argument("--after", type=window_length, default=None, metavar="D",
                   help=f"window after the deploy (default {_minutes(DEFAULT_WINDOW)}, or the config file's)")
    p.add_argument("--metrics", metavar="CSV", action="append", default=[],
                   help="metric series CSV (long or wide); repeatable")
    p.add_argument("--tz", metavar="ZONE", default=None,
                   help="zone for times without one, and for display: UTC (default), local, Europe/Berlin")
    p.add_argument("--version-label", metavar="V", default=None, help="the deployed version, for the header and note")
    p.add_argument("--title", default=None, help="incident title for the header and note (default: from the deploy)")
    p.add_argument("--content", action="store_true",
                   help="every line is a bare message: no header detection or multi-line folding")
    p.add_argument("--rollback", metavar="T", default=None,
                   help="rollback (or hotfix) time: the statistics add a third window, since the rollback")
    add_source_arguments(p)
    from triage.presets.option import add_preset_argument

    add_preset_argument(p)


def _minutes(td: timedelta) -> str:
    return f"{int(td.total_seconds() // 60)}m"


def _cli_error(message: str, code: int = 2):
    from triage.cli import CliError

    return CliError(message, code)


def zone(args: argparse.Namespace):
    """The tzinfo for --tz (exit 2 on an unknown zone)."""
    from triage.timeparse import resolve_tz

    try:
        return resolve_tz(args.tz)
    except ValueError as exc:
        raise _cli_error(str(exc)) from None


def windows(args: argparse.Namespace) -> tuple[timedelta, timedelta]:
    """(before, after): the given lengths (already checked by `window_length`), else the defaults."""
    return args.before or DEFAULT_WINDOW, args.after or DEFAULT_WINDOW


def deploy_time(args: argparse.Namespace, tz, *, hint: str = ""):
    """--deploy as a UTC datetime; exit 2 when it is missing, unreadable or outside what log times can hold."""
    from triage.timeparse import EARLIEST, LATEST, parse_time

    if not args.deploy:
        raise _cli_error("--deploy is required (e.g. --deploy 2026-11-26T14:02Z or --deploy now-45m)" + hint)
    try:
        deploy = parse_time(args.deploy, tz=tz)
    except (ValueError, OverflowError) as exc:
        raise _cli_error(f"bad --deploy: {exc}") from None
    if not EARLIEST + MAX_WINDOW * 2 <= deploy <= LATEST - MAX_WINDOW * 2:
        raise _cli_error(f"bad --deploy: {args.deploy!r} reads as {deploy.date().isoformat()}, "
                         "outside the years log times can hold")
    return deploy


def rollback_time(args: argparse.Namespace, tz, deploy):
    """--rollback as a UTC datetime after the deploy, or None; exit 2 when unreadable or before the deploy."""
    text = getattr(args, "rollback", None)
    if not text:
        return None
    from triage.timeparse import parse_time

    try:
        rollback = parse_time(text, tz=tz)
    except (ValueError, OverflowError) as exc:
        raise _cli_error(f"bad --rollback: {exc}") from None
    if rollback <= deploy:
        raise _cli_error(f"bad --rollback: {text!r} is not after the deploy")
    return rollback


def log_source(args: argparse.Namespace):
    """The Source for --source (or FILES); a fixable source problem exits 1, a bad option value 2."""
    from triage.events import SourceError
    from triage.sources.registry import build_source

    try:
        return build_source(args)
    except (SourceError, OSError) as exc:
        raise _cli_error(str(exc), 1) from None
    except ValueError as exc:
        raise _cli_error(str(exc)) from None
    except Exception as exc:  # a source that fails to build says why in one line, never a traceback
        raise _cli_error(str(exc), 1) from None


def metric_sources(args: argparse.Namespace, tz) -> list:
    """CSV files (--metrics) plus CloudWatch metrics (--cw-metric/--cw-preset-metrics) next to any log
    source. A path typo fails here (exit 2); a file or API that fails while loading only becomes a
    note in the load report (the logs stay)."""
    out = _csv_metric_sources(args, tz)
    if (getattr(args, "source", None) or "files") == "cloudwatch":  # the CloudWatch source loads its own
        return out
    if not any(getattr(args, name, None) for name in ("cw_metric", "cw_preset_metrics", "cw_dim")):
        return out  # no CloudWatch metrics asked for: no AWS SDK to load
    from triage.events import SourceError
    from triage.sources import cloudwatch

    try:
        extra = cloudwatch.metrics_from_args(args)
    except (ValueError, SourceError) as exc:
        raise _cli_error(str(exc)) from None
    if extra is not None:
        out.append(extra)
    return out


def _csv_metric_sources(args: argparse.Namespace, tz) -> list:
    from pathlib import Path

    paths = list(getattr(args, "metrics", None) or [])
    if not paths:
        return []
    missing = [p for p in paths if not Path(p).is_file()]
    if missing:
        raise _cli_error(f"--metrics: no such file: {', '.join(missing)}")
    from triage.sources.metrics_csv import CsvMetricsSource

    try:
        return [CsvMetricsSource(p, tz=tz) for p in paths]
    except Exception as exc:  # a readable line, never a traceback
        raise _cli_error(f"--metrics: {exc}", 1) from None


def apply_defaults(args: argparse.Namespace) -> argparse.Namespace:
    """`--preset` then the config file fill what the command line left out (in that order)."""
    from triage.presets import apply_preset

    return config_defaults(apply_preset(args))


def config_defaults(args: argparse.Namespace) -> argparse.Namespace:
    """The config file's tz/windows/export folder where still unset; a bad config file exits 2."""
    from triage.config import ConfigError, with_config

    try:
        return with_config(args)
    except ConfigError as exc:
        raise _cli_error(str(exc)) from None


def app_look(args: argparse.Namespace) -> tuple[dict | None, str | None]:
    """(keymap, theme) for the app from the config file; $TRIAGE_KEYMAP still wins for the keymap."""
    import os

    config = getattr(args, "config", None)
    if config is None:
        return None, None
    keymap = None
    if config.keymap and not os.environ.get("TRIAGE_KEYMAP"):
        from triage.app import read_keymap

        try:
            keymap = read_keymap(config.keymap)
        except ValueError as exc:
            raise _cli_error(f"{config.path}:{config.line_of('keymap')}: key 'keymap': {exc}") from None
    return keymap, config.theme


def set_theme(app, args: argparse.Namespace, theme: str | None) -> None:
    """Apply the config file's Textual theme; an unknown name exits 2 and lists the known ones."""
    if theme is None:
        return
    if theme not in app.available_themes:
        config = args.config
        raise _cli_error(f"{config.path}:{config.line_of('theme')}: key 'theme': unknown theme {theme!r} "
                         f"(known: {', '.join(sorted(app.available_themes))})")
    app.theme = theme
