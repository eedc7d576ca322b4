"""Judgement on top of the per-signature statistics: what broke, not only what changed most.

`judge` turns the signature table into stories: changed signatures whose per-minute
curves move together, led by their likeliest cause, with config/env suspects attached
and ranked by severity class first, then effect size (docs/report.md, "Judgement").
Everything here works on the few changed signatures, so analyze() stays fast.
"""

from triage.judgement.contrast import Contrast, signature_contrast, story_contrast
from triage.judgement.stories import Story, judge

__all__ = ["Contrast", "Story", "judge", "signature_contrast", "story_contrast"]
