"""The options `triage report`/`triage open` share, as a parser for preset tests."""

from __future__ import annotations

import argparse

from triage.commands.options import add_incident_arguments


def command_parser() -> argparse.ArgumentParser:
    """The real shared incident options (triage.commands.options): files, windows, sources, --preset."""
    parser = argparse.ArgumentParser(prog="triage report")
    add_incident_arguments(parser)
    return parser
