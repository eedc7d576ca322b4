"""Which sources exist, their command-line options, and building one from parsed arguments.

Each remote source module offers `add_arguments(parser)` (options prefixed so they never clash)
and `from_args(args) -> Source`. Local files come from the positional FILES.
"""

from __future__ import annotations

import argparse
import importlib

SOURCE_MODULES = {
    "files": "triage.sources.files",
    "elasticsearch": "triage.sources.elasticsearch",
    "opensearch": "triage.sources.elasticsearch",
    "cloudwatch": "triage.sources.cloudwatch",
}


def _module(kind: str):
    try:
        return importlib.import_module(SOURCE_MODULES[kind])
    except ModuleNotFoundError as exc:
        if exc.name == SOURCE_MODULES[kind]:
            return None
        raise


def add_source_arguments(parser: argparse.ArgumentParser) -> None:
    """Add --source and every available source's own options to a sub-command's parser."""
    parser.add_argument(
        "--source",
        choices=sorted(SOURCE_MODULES),
        default=None,
        help="where logs come from (default: files given as arguments, or stdin with '-')",
    )
    seen = set()
    for kind, name in SOURCE_MODULES.items():
        if kind == "files" or name in seen:
            continue
        seen.add(name)
        module = _module(kind)
        if module is not None and hasattr(module, "add_arguments"):
            module.add_arguments(parser)


def build_source(args: argparse.Namespace):
    """The Source for these arguments. `args.source` None means local files (`args.files`)."""
    kind = args.source or "files"
    module = _module(kind)
    if module is None:
        raise ValueError(f"source '{kind}' is not available in this build")
    return module.from_args(args)
