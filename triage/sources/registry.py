"""Which sources exist, their command-line options, and building one from parsed arguments.

Each remote source package keeps its argparse options in a light `options` module
(`add_arguments(parser)`, options prefixed so they never clash), so `triage --help` builds
every parser without importing boto3, the Elasticsearch client or pandas; the package itself
offers `from_args(args) -> Source` and is imported only when a source is built. Local files
come from the positional FILES.
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
OPTION_MODULES = {
    "elasticsearch": "triage.sources.elasticsearch.options",
    "cloudwatch": "triage.sources.cloudwatch.options",
}


def _module(name: str):
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name == name:
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
    for name in OPTION_MODULES.values():
        module = _module(name)
        if module is not None:
            module.add_arguments(parser)


def build_source(args: argparse.Namespace):
    """The Source for these arguments. `args.source` None means local files (`args.files`)."""
    kind = args.source or "files"
    module = _module(SOURCE_MODULES[kind])
    if module is None:
        raise ValueError(f"source '{kind}' is not available in this build")
    return module.from_args(args)
