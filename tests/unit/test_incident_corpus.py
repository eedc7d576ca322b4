"""The judgement names the true cause first on every generated incident (tests/incidents.py)."""

import pytest

import incidents
from triage.analysis import analyze
from triage.judgement import story_contrast


@pytest.fixture(scope="module", params=sorted(incidents.CASES))
def case(request):
    c = incidents.CASES[request.param]
    inc = incidents.build(c.name)
    return c, inc, analyze(inc)


def test_the_true_cause_leads_the_top_story(case):
    c, inc, a = case
    rank, story = incidents.cause_story(inc, a, c.cause)
    assert rank == 1, f"{c.name}: cause story ranked {rank}; top cause is {a.signatures.iloc[0]['template']!r}"
    top = a.signatures.iloc[0]
    assert top["signature"] == story.cause and top["role"] == "cause" and top["story"] == 1


def test_expected_onset_flags_and_contrast(case):
    c, inc, a = case
    _, story = incidents.cause_story(inc, a, c.cause)
    assert story.pre_deploy == c.expect.get("pre_deploy", False)
    if story.pre_deploy:
        assert -330 < story.onset_s < -150  # began about four minutes before the given deploy
    if "contrast" in c.expect:
        field, value = c.expect["contrast"]
        found = {(x.field, x.value) for x in story_contrast(inc, a, story)}
        assert (field, value) in found


def test_generation_is_deterministic():
    first = incidents.CASES["missing-env"].make(14).lines
    again = incidents.CASES["missing-env"].make(14).lines
    assert first == again and len(first) > 5000
