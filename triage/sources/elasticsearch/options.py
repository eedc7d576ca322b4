"""Command-line options and environment variable names of the Elasticsearch/OpenSearch source.

`triage --help` lists them; building the parser must not import `elasticsearch` or pandas.
"""

from __future__ import annotations

import argparse

FLAVORS = ("auto", "elasticsearch", "opensearch")
ENV_URL = "ELASTICSEARCH_URL"
ENV_CLOUD_ID = "ELASTIC_CLOUD_ID"
ENV_API_KEY = "ELASTIC_API_KEY"
ENV_USERNAME = "ELASTIC_USERNAME"
ENV_PASSWORD = "ELASTIC_PASSWORD"
ENV_BEARER = "ELASTIC_BEARER_TOKEN"
"""Credentials come only from these environment variables, never from options."""

DEFAULT_MAX_DOCS = 400_000
"""Fetch cap per load: about 200k per window for the before and after windows."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options for --source elasticsearch|opensearch (credentials only from the environment)."""
    g = parser.add_argument_group(
        "Elasticsearch / OpenSearch",
        f"credentials come only from the environment: {ENV_API_KEY}, or {ENV_USERNAME} + {ENV_PASSWORD}, "
        f"or {ENV_BEARER}")
    g.add_argument("--es-url", action="append", metavar="URL",
                   help=f"cluster URL, repeatable (default: ${ENV_URL})")
    g.add_argument("--es-cloud-id", metavar="ID", help=f"Elastic Cloud ID instead of a URL (default: ${ENV_CLOUD_ID})")
    g.add_argument("--index", metavar="PATTERN", help="index pattern, e.g. 'logs-*' or 'filebeat-*'")
    g.add_argument("--query", metavar="LUCENE", help="Lucene query string, e.g. 'service.name:checkout AND NOT log.level:debug'")
    g.add_argument("--es-filter", action="append", metavar="FIELD=VALUE",
                   help="only documents where FIELD matches VALUE (V1,V2 = any of); repeatable")
    g.add_argument("--es-field", action="append", metavar="NAME=FIELD",
                   help="map a field (timestamp, message, level, service, host, http_status, error_type, "
                        "stack_trace) to your index's field; defaults are ECS (@timestamp, message, log.level, ...)")
    g.add_argument("--es-metric", action="append", metavar="FIELD[@INDEX]",
                   help="numeric field to chart as mean and p95 per bucket, e.g. system.cpu.total.norm.pct@metricbeat-*")
    g.add_argument("--es-ca", metavar="PEM", help="CA bundle to verify the cluster's TLS certificate")
    g.add_argument("--es-insecure", action="store_true", help="do not verify TLS certificates (testing only)")
    g.add_argument("--es-timeout", type=float, default=None, metavar="SECONDS", help="per-request timeout (default 30)")
    g.add_argument("--es-max-docs", type=int, default=None, metavar="N",
                   help=f"fetch at most about N documents; above that, sample evenly and scale counts "
                        f"(default {DEFAULT_MAX_DOCS:,})")
    g.add_argument("--es-count", choices=("cluster", "sample"), default=None,
                   help="above --es-max-docs, count each signature exactly in the cluster with aggregations "
                        "(cluster, the default) or scale the sample's counts (sample)")
    g.add_argument("--es-flavor", choices=FLAVORS, default=None,
                   help="server kind (default auto: detected from GET /)")
    g.add_argument("--es-aws-sigv4", action="store_true",
                   help="Amazon OpenSearch Service/Serverless with IAM: sign requests with the AWS credential chain "
                        "(region from --region, the endpoint name or AWS_REGION)")
