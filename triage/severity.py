"""Normalised log levels, least to most severe, without pandas (the CLI parser lists them).

Unknown levels become None (shown as '-'); `triage.events` re-exports these names.
"""

LEVELS = ("debug", "info", "warn", "error", "fatal")
LEVEL_RANK = {name: i for i, name in enumerate(LEVELS)}
