"""Fixtures shared by the Pilot test modules."""

from __future__ import annotations

import pytest


@pytest.fixture
def anyio_backend():
    """anyio's pytest plugin runs the async Pilot tests on asyncio (anyio comes with elasticsearch)."""
    return "asyncio"


@pytest.fixture
def state_dir(tmp_path, monkeypatch):
    """Drafts go to a per-test folder and no user keymap leaks in."""
    monkeypatch.setenv("TRIAGE_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.delenv("TRIAGE_KEYMAP", raising=False)
    return tmp_path / "state"
