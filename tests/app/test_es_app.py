"""`triage open --source opensearch|elasticsearch`: the app loads from a cluster through its worker."""

from __future__ import annotations

import pytest

from app_support import open_app as _open_app
from app_support import settle as _settle
from es_support import DEPLOY, Proxy, index_docs, make_docs


async def settle(pilot) -> None:
    await _settle(pilot, rounds=4, pause=0.2)


def open_app(tmp_path, *argv):
    return _open_app(tmp_path, "--deploy", DEPLOY.isoformat(), *argv)


pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("state_dir")]


@pytest.fixture(scope="module")
def url(osmem_server):
    clone = osmem_server.clone()
    index_docs(clone.url, "logs-app", make_docs(3000))
    yield clone.url
    clone.close()


async def test_open_over_opensearch_shows_the_new_error_on_top(url, tmp_path):
    app = open_app(tmp_path, "--source", "opensearch", "--es-url", url, "--index", "logs-*")
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        assert app.state == "ready"
        assert app.analyzer.incident.sources == [f"opensearch logs-* @ {url}"]
        row = app.analyzer.visible_rows().iloc[0]
        assert row["status"] == "NEW" and "ConnectionError" in str(row["template"])


async def test_open_sampled_elasticsearch_says_estimates(url, tmp_path):
    with Proxy(url, elasticsearch=True) as proxy:
        app = open_app(tmp_path, "--source", "elasticsearch", "--es-url", proxy.url, "--index", "logs-*",
                       "--es-max-docs", "800")
        async with app.run_test(size=(120, 36)) as pilot:
            await settle(pilot)
            # the sample's signatures were counted in the cluster: the header says how exactly
            incident = app.analyzer.incident
            counts = incident.counts.summary()
            assert incident.report.estimated and counts["exact"] > 0
            assert app.state == "COUNTED " + " · ".join(f"{n:,} {k}" for k, n in counts.items() if n)
            notices = str(app.main.query_one("#notices").render())
            assert "ESTIMATES" in notices  # services and hosts still come from the sample


async def test_open_sampled_without_cluster_counts_says_estimates(url, tmp_path):
    app = open_app(tmp_path, "--source", "opensearch", "--es-url", url, "--index", "logs-*",
                   "--es-max-docs", "800", "--es-count", "sample")
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        assert app.state == "ESTIMATED" and app.analyzer.incident.counts is None
