"""`--preset NAME` on a parser, without loading the preset machinery (every `--help` builds it).

`triage.presets.arguments.apply_preset` finds the parser again through PARSER_ATTR.
"""

from __future__ import annotations

import argparse

PARSER_ATTR = "_preset_parser"


def add_preset_argument(parser: argparse.ArgumentParser) -> None:
    """Add `--preset NAME` (a name from `triage presets list`, or a path to a .toml file)."""
    parser.add_argument(
        "--preset",
        metavar="NAME",
        default=None,
        help="saved query preset (name from `triage presets list`, or a .toml path); command-line options win",
    )
    parser.set_defaults(**{PARSER_ATTR: parser})
