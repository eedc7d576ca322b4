"""What a preset file may contain: every key, its type, which sources it applies to,
and the command-line option it fills. One table, so the loader, the argument filler
and the docs cannot drift apart.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from triage.timeparse import parse_duration, parse_time, resolve_tz

SOURCES = ("files", "elasticsearch", "opensearch", "cloudwatch")
ES = frozenset({"elasticsearch", "opensearch"})
CW = frozenset({"cloudwatch"})
FILES = frozenset({"files"})
ALL = frozenset(SOURCES)

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$")
ENV_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")
STATUS_RE = re.compile(r"^(?:[1-5]xx|[1-5]\d\d(?:-[1-5]\d\d)?)$")
FIELD_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
DOC_FIELD_RE = re.compile(r"^[A-Za-z0-9_@][A-Za-z0-9_.@-]*$")


def table_key_problem(path: str, name: str) -> str | None:
    """Keys of `query.fields` are our logical names; keys of `query.filters` are document fields."""
    if path == "query.filters":
        return None if DOC_FIELD_RE.match(name) else "not a document field name"
    if not FIELD_NAME_RE.match(name):
        return "field names are letters, digits and _"
    try:
        from triage.sources.elasticsearch.query import ECS_DEFAULTS
    except ImportError:  # the Elasticsearch source is optional
        return None
    if name not in ECS_DEFAULTS:
        return f"unknown field name; use one of {', '.join(ECS_DEFAULTS)}"
    return None


def _duration(value: str) -> None:
    parse_duration(value)


def _time(value: str) -> None:
    parse_time(value)


def _zone(value: str) -> None:
    resolve_tz(value)


def _regex(value: str) -> None:
    try:
        re.compile(value)
    except re.error as exc:
        raise ValueError(f"not a valid regular expression: {exc}") from None


def _env_name(value: str) -> None:
    if not ENV_RE.match(value):
        raise ValueError("must be an environment variable NAME (letters, digits, _), not its value")


def _status(value: str) -> None:
    if not STATUS_RE.match(value):
        raise ValueError("must be a status class like 5xx, a code like 503, or a range like 500-504")


def _choice(*options: str) -> Callable[[str], None]:
    def check(value: str) -> None:
        if value not in options:
            raise ValueError(f"must be one of {', '.join(options)}")

    check.options = options  # type: ignore[attr-defined]
    return check


def _at_least(low: float) -> Callable[[object], None]:
    def check(value) -> None:
        if value < low:
            raise ValueError(f"must be at least {low:g}")

    return check


GATE_STATUSES = ("NEW", "SPIKE")
GATE_LEVELS = ("debug", "info", "warn", "error", "fatal")


@dataclass(frozen=True)
class Key:
    """One allowed key. `kind`: str, bool, int (> 0), count (>= 0), number (int or float),
    str_list, str_table. `dest`: argparse dest it fills (None: read by the command itself)."""

    path: str
    kind: str
    sources: frozenset = ALL
    dest: str | None = None
    check: Callable[[str], None] | None = None
    env: bool = False  # the value names an environment variable whose value fills `dest`
    help: str = ""


KEYS: tuple[Key, ...] = (
    Key("name", "str", help="preset name; defaults to the file name (must match it)"),
    Key("description", "str", help="one line shown in lists and pickers"),
    Key("source", "str", check=_choice(*SOURCES), dest="source", help="files, elasticsearch, opensearch or cloudwatch"),
    # connection: by reference only
    Key("connection.url", "str", ES, "es_url", help="cluster URL without credentials"),
    Key("connection.url_env", "str", ES, "es_url", _env_name, env=True, help="env var holding the cluster URL"),
    Key("connection.cloud_id_env", "str", ES, "es_cloud_id", _env_name, env=True, help="env var holding an Elastic Cloud id"),
    Key("connection.ca", "str", ES, "es_ca", help="CA bundle path"),
    Key("connection.insecure", "bool", ES, "es_insecure", help="skip TLS verification (test clusters only)"),
    Key("connection.timeout", "str", ES, "es_timeout", _duration, help="request timeout, e.g. 30s"),
    Key("connection.max_docs", "int", ES, "es_max_docs", help="sample above this many documents"),
    Key("connection.flavor", "str", ES, "es_flavor", _choice("auto", "elasticsearch", "opensearch")),
    Key("connection.max_events", "int", CW, "cw_max_events", help="stop (filter) or sample (insights) above this"),
    Key("connection.region", "str", CW, "region", help="AWS region"),
    Key("connection.profile", "str", CW, "profile", help="AWS profile name (credentials stay in ~/.aws)"),
    # the query
    Key("query.index", "str", ES, "index", help="index pattern, e.g. logs-*"),
    Key("query.query", "str", ES, "query", help="query string (Lucene syntax)"),
    Key("query.fields", "str_table", ES, "es_field", help="field mapping NAME = \"document.field\""),
    Key("query.filters", "str_table", ES, "es_filter", help="field filters \"document.field\" = \"value[,value]\""),
    Key("query.log_groups", "str_list", CW, "log_group", help="CloudWatch log groups"),
    Key("query.log_stream_prefix", "str", CW, "log_stream_prefix"),
    Key("query.filter_pattern", "str", CW, "filter_pattern", help="CloudWatch filter pattern"),
    Key("query.insights", "str", CW, "insights", help="CloudWatch Logs Insights query"),
    Key("query.mode", "str", CW, "cw_mode", _choice("auto", "filter", "insights")),
    Key("query.files", "str_list", FILES, "files", help="file globs, relative to the current directory"),
    Key("query.content", "bool", FILES, "content", help="lines are bare messages (no header)"),
    # default windows
    Key("window.before", "str", ALL, "before", _duration, help="default before window, e.g. 30m"),
    Key("window.after", "str", ALL, "after", _duration, help="default after window, e.g. 30m"),
    Key("window.deploy", "str", ALL, "deploy", _time, help="default deploy time, e.g. now-1h"),
    Key("window.tz", "str", ALL, "tz", _zone, help="time zone for naive times"),
    # metrics to fetch
    Key("metrics.csv", "str_list", ALL, "metrics", help="metric CSV files"),
    Key("metrics.elasticsearch", "str_list", ES, "es_metric", help="numeric fields to chart"),
    Key("metrics.cloudwatch", "str_list", CW, "cw_metric", help="CloudWatch metric specs"),
    Key("metrics.cloudwatch_preset", "str", CW, "cw_preset_metrics", _choice("alb", "ecs", "rds", "lambda", "apigw")),
    Key("metrics.cloudwatch_dimensions", "str_list", CW, "cw_dim", help="K=V dimensions for cloudwatch_preset"),
    # local selection of signatures
    Key("signatures.include", "str_list", ALL, None, _regex, help="keep signatures whose template matches any"),
    Key("signatures.exclude", "str_list", ALL, None, _regex, help="drop signatures whose template matches any"),
    Key("signatures.match", "str", ALL, None, _choice("template", "message"),
        help="apply include/exclude to the template (default) or to each event's message (sees masked values: hosts, URLs)"),
    Key("signatures.http_status", "str_list", ALL, None, _status, help="also keep events with these statuses (5xx, 503, 500-504)"),
    # `triage gate`: when a deploy fails the check (read by triage.gate, never by other commands)
    Key("gate.statuses", "str_list", ALL, None, _choice(*GATE_STATUSES), help="statuses that can fail the gate (default NEW, SPIKE)"),
    Key("gate.levels", "str_list", ALL, None, _choice(*GATE_LEVELS), help="levels that count (default error, fatal)"),
    Key("gate.min_after", "int", ALL, None, help="a group fails only with at least this many events after the deploy (default 5)"),
    Key("gate.min_rate", "number", ALL, None, _at_least(0), help="... and at least this many per minute after (default 0)"),
    Key("gate.min_ratio", "number", ALL, None, _at_least(1), help="a SPIKE fails only at this rate ratio or more (default 2)"),
    Key("gate.max_groups", "count", ALL, None, help="failing groups tolerated before the gate fails (default 0)"),
    Key("gate.known", "str", ALL, None, help="known-signatures file: ids accepted as existing noise"),
)

BY_PATH = {k.path: k for k in KEYS}
SECTIONS = sorted({k.path.split(".")[0] for k in KEYS if "." in k.path})
REQUIRED_BY_SOURCE = {
    "elasticsearch": ("query.index",),
    "opensearch": ("query.index",),
    "cloudwatch": (),  # log groups are team-specific: shipped presets take --log-group
    "files": (),
}
