"""Command-line options of the CloudWatch source and its metric presets, importable without boto3.

`triage --help` lists them; building the parser must not import the AWS SDK or pandas.
"""

from __future__ import annotations

import argparse

MODES = ("auto", "filter", "insights")
DEFAULT_MAX_EVENTS = 2_000_000

# Ready-made specs: (namespace, metric, stat, unit), and the dimensions they need.
PRESETS: dict[str, tuple[tuple[tuple[str, str, str, str], ...], tuple[tuple[str, ...], ...]]] = {
    "alb": (
        (("AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", "Sum", "Count"),
         ("AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", "Sum", "Count"),
         ("AWS/ApplicationELB", "RequestCount", "Sum", "Count"),
         ("AWS/ApplicationELB", "TargetResponseTime", "p95", "Seconds"),
         ("AWS/ApplicationELB", "TargetResponseTime", "p99", "Seconds")),
        (("LoadBalancer",),),
    ),
    "ecs": (
        (("AWS/ECS", "CPUUtilization", "Average", "Percent"),
         ("AWS/ECS", "MemoryUtilization", "Average", "Percent")),
        (("ClusterName", "ServiceName"), ("ClusterName",)),
    ),
    "rds": (
        (("AWS/RDS", "DatabaseConnections", "Average", "Count"),
         ("AWS/RDS", "CPUUtilization", "Average", "Percent")),
        (("DBInstanceIdentifier",), ("DBClusterIdentifier",)),
    ),
    "lambda": (
        (("AWS/Lambda", "Errors", "Sum", "Count"),
         ("AWS/Lambda", "Throttles", "Sum", "Count"),
         ("AWS/Lambda", "Invocations", "Sum", "Count"),
         ("AWS/Lambda", "Duration", "p95", "Milliseconds")),
        (("FunctionName",), ("FunctionName", "Resource")),
    ),
    "apigw": (
        (("AWS/ApiGateway", "5XXError", "Sum", "Count"),
         ("AWS/ApiGateway", "4XXError", "Sum", "Count"),
         ("AWS/ApiGateway", "Count", "Sum", "Count"),
         ("AWS/ApiGateway", "Latency", "p95", "Milliseconds")),
        (("ApiName",), ("ApiName", "Stage"), ("ApiId",), ("ApiId", "Stage")),
    ),
}



def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("CloudWatch (--source cloudwatch)")
    group.add_argument("--log-group", dest="log_group", action="append", metavar="NAME",
                       help="log group name, or PREFIX* for every group with that prefix (repeatable)")
    group.add_argument("--log-stream-prefix", dest="log_stream_prefix", metavar="PREFIX",
                       help="only log streams whose name starts with PREFIX")
    group.add_argument("--filter-pattern", dest="filter_pattern", metavar="PATTERN",
                       help="CloudWatch filter pattern, e.g. '?ERROR ?Exception'")
    group.add_argument("--insights", metavar="QUERY",
                       help="Logs Insights query returning events, e.g. 'filter @message like /ERROR/'")
    group.add_argument("--cw-mode", dest="cw_mode", choices=MODES, default=None,
                       help="fetch path: filter (FilterLogEvents), insights, or auto: filter, but insights when --insights "
                            "is given or the window holds more than --cw-max-events")
    group.add_argument("--region", metavar="REGION", help="AWS region (default: AWS_REGION / profile)")
    group.add_argument("--profile", metavar="NAME", help="AWS profile (default: AWS_PROFILE / default chain)")
    group.add_argument("--cw-metric", dest="cw_metric", action="append", metavar="SPEC",
                       help="metric NAMESPACE:METRIC[:STAT][:DIM=V,...][@PERIOD], e.g. "
                            "AWS/ApplicationELB:HTTPCode_Target_5XX_Count:Sum:LoadBalancer=app/web/123 (repeatable)")
    group.add_argument("--cw-preset-metrics", dest="cw_preset_metrics", choices=sorted(PRESETS),
                       help="ready-made metrics for a service; give its dimensions with --cw-dim")
    group.add_argument("--cw-dim", dest="cw_dim", action="append", metavar="K=V",
                       help="dimension for --cw-preset-metrics, e.g. LoadBalancer=app/web/123 (repeatable)")
    group.add_argument("--cw-max-events", dest="cw_max_events", type=int, default=None, metavar="N",
                       help=f"stop (filter) or sample (insights) above N events (default {DEFAULT_MAX_EVENTS:,})")
