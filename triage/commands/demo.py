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
    from triage.cli import CliError
    from triage.commands.options import app_look, config_defaults, set_theme, zone

    args = config_defaults(args)
    tz = zone(args)
    keymap, theme = app_look(args)
    from triage.app import make_demo_app

    try:
        app = make_demo_app(tz=tz, export_dir=args.export_dir, keymap=keymap)
    except ValueError as exc:
        raise CliError(str(exc), 2) from None
    set_theme(app, args, theme)
    app.run()
    return app.return_code or 0
