"""Fixtures shared across tests/unit, tests/backends and tests/app.

Helpers that are not fixtures live as modules next to this file (cw_support, es_support,
app_support...). The Elasticsearch/OpenSearch server fixture `osmem_server` comes from the
osmem-server pytest plugin.
"""

from __future__ import annotations

import os

import pytest


@pytest.fixture(scope="session")
def _empty_config_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("no-user-config")


@pytest.fixture(autouse=True)
def no_user_config(_empty_config_dir, monkeypatch):
    """The developer's own config.toml and presets never leak into a test (tests that want one set
    TRIAGE_CONFIG_DIR themselves; subprocesses inherit this empty one)."""
    if "TRIAGE_CONFIG_DIR" not in os.environ:
        monkeypatch.setenv("TRIAGE_CONFIG_DIR", str(_empty_config_dir))


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


@pytest.fixture(scope="session")
def moto_server():
    """One moto server (real HTTP on 127.0.0.1) for the whole run; its URL."""
    from cw_support import start_moto

    server, url = start_moto()
    yield url
    server.stop()


@pytest.fixture
def cw_env(moto_server, monkeypatch):
    """boto3 pointed at the moto server with dummy credentials, its state reset for this test."""
    from cw_support import point_boto_at, reset_moto

    point_boto_at(monkeypatch, moto_server)
    reset_moto(moto_server)
    yield moto_server
