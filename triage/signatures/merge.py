"""Merge masked templates that differ only in variable positions (first version: identity)."""

from __future__ import annotations


def merge_templates(templates: list[str], counts: list[int]) -> list[str]:
    """Merged template for each input template (same order)."""
    return list(templates)
