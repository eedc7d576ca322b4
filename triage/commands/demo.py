"""`triage demo`: the app on a generated checkout/payments incident (no files, no network)."""

from __future__ import annotations


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "demo",
        help="open the app on a built-in demo incident",
        description="A realistic generated incident (gateway, checkout, payments, worker) to try triage on.",
    )
    p.add_argument("--tz", metavar="ZONE", help="display zone (UTC, local, Europe/Berlin)")
    p.add_argument("--export-dir", metavar="DIR", help="default folder for exported notes (default: current directory)")
    p.set_defaults(func=run)


def run(args) -> int:
    from triage.app import make_demo_app
    from triage.cli import CliError
    from triage.timeparse import resolve_tz

    try:
        tz = resolve_tz(args.tz)
        app = make_demo_app(tz=tz, export_dir=args.export_dir)
    except ValueError as exc:
        raise CliError(str(exc), 2) from None
    app.run()
    return app.return_code or 0
