"""Draft autosave: atomic, restorable, and a corrupt file never loses the user's text."""

import json

import pytest

from triage.drafts import draft_path, load_draft, save_draft
from triage.note import Finding, NoteDraft


@pytest.fixture(autouse=True)
def state(tmp_path, monkeypatch):
    monkeypatch.setenv("TRIAGE_STATE_DIR", str(tmp_path))
    return tmp_path


def test_draft_path_lives_under_state_dir_and_is_safe(state):
    path = draft_path("../../etc/passwd")
    assert path.parent == state / "drafts"
    assert "/" not in path.name and not path.name.startswith(".")


def test_save_then_load_round_trips(state):
    draft = NoteDraft(title="t", summary="payments down", impact="checkout", actions="rollback",
                      findings=[Finding("signature", "abc123", "new after deploy"), Finding("metric", "cpu")])
    path = draft_path("inc1")
    save_draft(path, draft)
    assert load_draft(path) == draft
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temp files left behind


def test_missing_draft_is_none(state):
    assert load_draft(draft_path("nothing")) is None


def test_corrupt_draft_is_none_and_kept(state):
    path = draft_path("inc2")
    path.parent.mkdir(parents=True)
    path.write_text('{"summary": "half writ', encoding="utf-8")
    assert load_draft(path) is None
    kept = path.with_name(path.name + ".corrupt")
    assert kept.read_text(encoding="utf-8") == '{"summary": "half writ'


def test_save_overwrites_previous_version(state):
    path = draft_path("inc3")
    save_draft(path, NoteDraft(summary="one"))
    save_draft(path, NoteDraft(summary="two"))
    assert json.loads(path.read_text(encoding="utf-8"))["summary"] == "two"
