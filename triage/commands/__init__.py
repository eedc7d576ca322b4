"""Headless command implementations. Each module offers `add_parser(subparsers)` and sets `func` on its parser."""
