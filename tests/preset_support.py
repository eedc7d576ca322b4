"""The options `triage report`/`triage open` share, as a parser for preset tests."""

from __future__ import annotations

import argparse

from triage.presets.arguments import add_preset_argument
from triage.sources.registry import add_source_arguments


def command_parser() -> argparse.ArgumentParser:
    """The options `triage report`/`triage open` share (contracts.md), plus sources and --preset."""
    parser = argparse.ArgumentParser(prog="triage report")
    parser.add_argument("files", nargs="*")
    parser.add_argument("--deploy")
    parser.add_argument("--before", default=None)
    parser.add_argument("--after", default="30m")
    parser.add_argument("--metrics", action="append")
    parser.add_argument("--tz")
    parser.add_argument("--content", action="store_true")
    add_source_arguments(parser)
    add_preset_argument(parser)
    return parser
