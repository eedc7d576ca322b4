"""Elasticsearch and OpenSearch as a log (and metric) source: `--source elasticsearch|opensearch`.

The heavy counting runs in the cluster (aggregations give exact per-bucket totals);
documents for signature grouping are paged with a point in time, sampled evenly over
time above `--es-max-docs` and labelled as estimates. See connect.py (clients), failures.py
(error classes), query.py (mapping, paging) and metrics.py (aggregated series).

The package itself stays light: the options (`options.py`) load at once, because every
parser lists them; the source (`source.py`, with its client and pandas) only on first use.
"""

from __future__ import annotations

from typing import Any

from triage.sources.elasticsearch.options import DEFAULT_MAX_DOCS, add_arguments

_SOURCE_NAMES = frozenset({
    "ElasticsearchSource", "from_args", "DEFAULT_PAGE_SIZE",
})


def __getattr__(name: str) -> Any:
    if name in _SOURCE_NAMES:
        from triage.sources.elasticsearch import source

        return getattr(source, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "DEFAULT_MAX_DOCS", "DEFAULT_PAGE_SIZE", "ElasticsearchSource", "add_arguments", "from_args",
]
