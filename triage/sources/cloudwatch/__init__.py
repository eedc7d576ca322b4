"""AWS CloudWatch as a source: logs (FilterLogEvents or Logs Insights) and metrics (GetMetricData).

`--source cloudwatch --log-group NAME|PREFIX* ...` goes through the registry to
`from_args`. Where the paging, the Insights slicing and the metric batching live:
logs.py, insights.py, metrics.py; the AWS session and error hints: session.py.

The package itself stays light: the options (`options.py`) load at once, because every
parser lists them; the source (`source.py`, with its client and pandas) only on first use.
"""

from __future__ import annotations

from typing import Any

from triage.sources.cloudwatch.options import DEFAULT_MAX_EVENTS, MODES, add_arguments

_SOURCE_NAMES = frozenset({
    "CloudWatchSource", "CloudWatchMetricsSource", "Fetched", "from_args", "metrics_from_args", "metric_specs", "window",
})


def __getattr__(name: str) -> Any:
    if name in _SOURCE_NAMES:
        from triage.sources.cloudwatch import source

        return getattr(source, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "CloudWatchMetricsSource", "CloudWatchSource", "DEFAULT_MAX_EVENTS", "Fetched", "MODES", "add_arguments", "from_args", "metric_specs", "metrics_from_args", "window",
]
