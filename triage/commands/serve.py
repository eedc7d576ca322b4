"""`triage serve [OPEN ARGS | --demo]`: the same app in a browser, through textual-serve.

textual-serve runs a shell command per browser session and streams its terminal over a
websocket; the command here is `python -m triage open ARGS` (or `demo`), so the browser sees
exactly the terminal app. Binds 127.0.0.1 unless told otherwise: anyone who can reach the
port can read the logs and run the app's actions.
"""

from __future__ import annotations

import shlex
import sys

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "serve",
        help="serve the app to a web browser (textual-serve), on 127.0.0.1 by default",
        description="Serve `triage open ARGS` (or `triage demo` with --demo) to a browser. Every other "
                    "argument is passed to `triage open`/`triage demo` and checked the same way.",
        allow_abbrev=False,  # an abbreviated open option must reach open, not match --host/--port
    )
    p.add_argument("--host", default=DEFAULT_HOST, help=f"interface to listen on (default {DEFAULT_HOST})")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    p.add_argument("--demo", action="store_true", help="serve the built-in demo incident (`triage demo`)")
    p.set_defaults(func=run, passthrough=True)


def served_argv(args) -> list[str]:
    """The sub-command the browser session runs, e.g. ["open", "app.log", "--deploy", "..."]."""
    return ["demo" if args.demo else "open", *getattr(args, "rest", [])]


def check(inner: list[str]) -> int:
    """Parse the served command now, so a mistake is one line and exit 2 here, not a dead browser tab."""
    from triage.cli import build_parser

    try:
        build_parser().parse_args(inner)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 2
    return 0


def run(args) -> int:
    from triage.cli import CliError

    if not 0 < args.port < 65536:
        raise CliError(f"serve: --port must be 1-65535, got {args.port}", 2)
    inner = served_argv(args)
    code = check(inner)
    if code:
        return code
    try:
        from textual_serve.server import Server
    except ModuleNotFoundError:
        raise CliError("serve needs textual-serve: pip install 'triage-deploy[serve]'", 1) from None
    command = shlex.join([sys.executable, "-m", "triage", *inner])
    Server(command, host=args.host, port=args.port, title="triage").serve()
    return 0
