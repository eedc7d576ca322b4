"""triage: what changed around the deploy? Logs and metrics grouped by signature, before/after deltas, incident notes."""

__version__ = "0.1.0"
