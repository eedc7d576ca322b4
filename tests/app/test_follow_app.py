"""Follow mode in the app: appended lines reach the table, the after window keeps up, b marks a rollback."""

import time
from datetime import datetime, timedelta, timezone

import pytest

from app_support import open_app, settle
from triage.app.widgets.signature_table import COLUMNS

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("state_dir")]

DEPLOY = datetime(2026, 11, 26, 14, 0, tzinfo=timezone.utc)


def line(minute: float, text: str) -> str:
    t = DEPLOY + timedelta(minutes=minute)
    return f"{t:%Y-%m-%dT%H:%M:%S}.{t.microsecond // 1000:03d}Z {text}\n"


def view(app):
    return app.analyzer


def count(app, prefix: str) -> int:
    a = view(app).analysis
    if a is None:
        return -1
    rows = a.signatures[a.signatures["template"].astype(str).str.startswith(prefix)]
    return int(rows["after"].sum()) if len(rows) else 0


async def until(pilot, condition, timeout: float = 20.0) -> None:
    begun = time.monotonic()
    while not condition():
        assert time.monotonic() - begun < timeout, "the app did not catch up"
        await pilot.pause(0.05)


async def test_appended_lines_are_counted_live_and_b_marks_a_rollback(tmp_path):
    log = tmp_path / "live.log"
    log.write_text("".join(line(m, f"INFO GET /orders/{m} 200") for m in range(-20, 5)))
    app = open_app(tmp_path, str(log), "--deploy", DEPLOY.isoformat(), "--follow")
    async with app.run_test(size=(120, 36)) as pilot:
        await until(pilot, lambda: count(app, "GET") >= 5)
        assert count(app, "payment failed") == 0
        with open(log, "a") as fh:
            for i in range(3):
                fh.write(line(40 + i, f"ERROR payment failed for order {i}"))
            fh.flush()
        await until(pilot, lambda: count(app, "payment failed") == 3)
        assert view(app).after >= timedelta(minutes=42)  # the after window follows the newest event
        await pilot.press("b")
        await until(pilot, lambda: view(app).analysis is not None
                    and "since_rollback" in view(app).analysis.signatures.columns)
        failing = str(view(app).analysis.signatures.query("template.str.startswith('payment failed')")["signature"].iloc[0])
        await until(pilot, lambda: failing in app.main.query_one("#signatures").rows)  # a new signature gets its row
        view(app).select(failing, delay=0)
        with open(log, "a") as fh:
            soon = (datetime.now(timezone.utc) + timedelta(minutes=2) - DEPLOY) / timedelta(minutes=1)
            fh.write(line(soon, "ERROR payment failed for order 99"))  # after the rollback (marked now)
        await until(pilot, lambda: count(app, "payment failed") == 4)
        assert "following" in app.state and "rollback" in app.state
        a = view(app).analysis.signatures
        row = a[a["template"].astype(str).str.startswith("payment failed")].iloc[0]
        assert int(row["since_rollback"]) == 1
        # the rollback is on the timelines: the table's sparklines and the detail's histogram
        table = app.main.query_one("#signatures")

        def spark() -> str:
            return table.get_cell_at((0, [k for k, _, _ in COLUMNS].index("timeline"))).plain if table.row_count else ""

        await until(pilot, lambda: "↩" in spark())
        assert spark().index("│") <= spark().index("↩") and len(spark()) == 14  # 12 bins, both marks
        await until(pilot, lambda: "rollback at ↩" in str(app.main.query_one("#detail-body").render()))
        app.follow.stop()
        await settle(pilot)
        assert app.follow.worker is None and not app.follow.following


def following_two(tmp_path, second: str):
    """A log of GETs and one `second` message a minute before and around the deploy, opened with --follow."""
    log = tmp_path / "live.log"
    body = [line(m, f"INFO GET /orders/{m} 200") for m in range(-20, 5)]
    body += [line(m + 0.5, f"{second} {m}") for m in range(-20, 5)]
    log.write_text("".join(body))
    return log, open_app(tmp_path, str(log), "--deploy", DEPLOY.isoformat(), "--follow")


async def test_a_step_that_only_changes_counts_updates_the_drawn_cells_in_place(tmp_path):
    log, app = following_two(tmp_path, "ERROR payment failed for order")
    async with app.run_test(size=(120, 36)) as pilot:
        await until(pilot, lambda: count(app, "GET") >= 5)
        table = app.main.query_one("#signatures")
        sig = str(view(app).analysis.signatures.iloc[0]["signature"])
        row_keys, rebuilds = [r.key for r in table.ordered_rows], table.rebuilds
        with open(log, "a") as fh:
            fh.write(line(6, "INFO GET /orders/6 200") + line(6.5, "ERROR payment failed for order 6"))
        await until(pilot, lambda: count(app, "GET") >= 6 and count(app, "payment failed") >= 6)
        await pilot.pause(0.3)
        assert [r.key for r in table.ordered_rows] == row_keys
        assert table.rebuilds == rebuilds  # updated in place, not cleared and redrawn
        after = table.get_cell(sig, "after").plain.strip()
        want = view(app).analysis.signatures.set_index("signature").loc[sig, "after"]
        assert after == str(int(want))


async def test_a_step_that_changes_ranks_moves_the_rows_and_keeps_the_cursor(tmp_path):
    log, app = following_two(tmp_path, "WARN cache miss for key")
    async with app.run_test(size=(120, 36)) as pilot:
        await until(pilot, lambda: count(app, "GET") >= 5 and count(app, "cache miss") >= 5)
        table = app.main.query_one("#signatures")
        order = [r.key.value for r in table.ordered_rows]
        assert len(order) == 2
        await pilot.press("down")
        await until(pilot, lambda: view(app).detail_shown == order[1])
        rebuilds = table.rebuilds
        second = str(view(app).analysis.signatures.set_index("signature").loc[order[1], "template"])
        kind, text = ("GET", "INFO GET /orders/{} 200") if second.startswith("GET") else ("cache miss", "WARN cache miss for key {}")
        with open(log, "a") as fh:  # the second row's rate jumps after the deploy: it ranks first now
            fh.write("".join(line(5 + i / 1000, text.format(100 + i)) for i in range(600)))
        await until(pilot, lambda: count(app, kind) >= 605)
        await pilot.pause(0.3)
        assert [r.key.value for r in table.ordered_rows] == order[::-1]
        assert table.rebuilds == rebuilds and table.reorders >= 1  # moved, not cleared and redrawn
        assert table.selected_signature() == order[1] == view(app).selected  # the cursor went with its row
        want = view(app).analysis.signatures.set_index("signature").loc[order[1], "after"]
        assert table.get_cell(order[1], "after").plain.strip() == str(int(want))


async def test_a_result_waits_while_the_users_detail_is_made_and_the_collector_is_the_workers(tmp_path):
    """A key's detail goes first: a follow result that arrives meanwhile is drawn after it. While
    following, the collector's automatic passes are off (the worker collects); stop turns them on."""
    import gc

    log = tmp_path / "live.log"
    log.write_text("".join(line(m, f"INFO GET /orders/{m} 200") for m in range(-20, 5)))
    app = open_app(tmp_path, str(log), "--deploy", DEPLOY.isoformat(), "--follow")
    async with app.run_test(size=(120, 36)) as pilot:
        await until(pilot, lambda: count(app, "GET") >= 5)
        assert not gc.isenabled()
        analyzer = view(app)
        analyzer._job("held", True)  # as a key does for its detail (a kind of its own: no detail ends it)
        with open(log, "a") as fh:
            fh.write(line(41, "ERROR payment failed for order 1"))
        await until(pilot, lambda: app.follow._pending is not None)  # the worker's result arrived ...
        await pilot.pause(0.3)
        assert count(app, "payment failed") == 0  # ... and waits
        analyzer._job("held", False)  # done
        await until(pilot, lambda: count(app, "payment failed") == 1)
        assert app.follow._pending is None
        app.follow.stop()
        await settle(pilot)
        assert gc.isenabled()
