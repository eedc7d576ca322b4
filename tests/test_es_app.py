"""`triage open --source opensearch|elasticsearch`: the app loads from a cluster through its worker."""

from __future__ import annotations

import pytest
from es_support import DEPLOY, Proxy, index_docs, make_docs
from textual.worker import WorkerCancelled, WorkerFailed

from triage.app import make_app
from triage.cli import build_parser
from triage.commands.open import build_loader
from triage.timeparse import resolve_tz

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend():
    return "asyncio"


@pytest.fixture(autouse=True)
def state_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("TRIAGE_STATE_DIR", str(tmp_path / "state"))


@pytest.fixture(scope="module")
def url(osmem_server):
    clone = osmem_server.clone()
    index_docs(clone.url, "logs-app", make_docs(3000))
    yield clone.url
    clone.close()


async def settle(pilot) -> None:
    for _ in range(4):
        await pilot.pause(0.2)
        try:
            await pilot.app.workers.wait_for_complete()
        except (WorkerCancelled, WorkerFailed):
            pass


def open_app(tmp_path, *argv):
    args = build_parser().parse_args(["open", "--deploy", DEPLOY.isoformat(), *argv])
    return make_app(build_loader(args, resolve_tz(None)), export_dir=tmp_path)


async def test_open_over_opensearch_shows_the_new_error_on_top(url, tmp_path):
    app = open_app(tmp_path, "--source", "opensearch", "--es-url", url, "--index", "logs-*")
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        assert app.state == "ready"
        assert app.incident.sources == [f"opensearch logs-* @ {url}"]
        row = app.visible_rows().iloc[0]
        assert row["status"] == "NEW" and "ConnectionError" in str(row["template"])


async def test_open_sampled_elasticsearch_says_estimates(url, tmp_path):
    with Proxy(url, elasticsearch=True) as proxy:
        app = open_app(tmp_path, "--source", "elasticsearch", "--es-url", proxy.url, "--index", "logs-*",
                       "--es-max-docs", "800")
        async with app.run_test(size=(120, 36)) as pilot:
            await settle(pilot)
            assert app.state == "ESTIMATED" and app.incident.report.estimated
            notices = str(app.main.query_one("#notices").render())
            assert "ESTIMATES" in notices
