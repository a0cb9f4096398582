"""The guided tour in docs/tour.txt runs from start to end and shows each step's story."""

from __future__ import annotations

import time
from pathlib import Path

from tests.support.cli import InProcessCli

TOUR = Path(__file__).parents[2] / "docs" / "tour.txt"

KEY_LINES = [
    # a note reaches marketing's digest, and Used it thanks the rep
    "── #marketing ──",
    "  Acme Corp · @alice · note #1",
    "── DM to alice ──",
    "  🎉 @carol used your note #1 about Acme Corp:",
    # a lost deal: the prompt, the answer, the reason in the next digest
    "  🤝 Acme renewal ($48,000) closed lost. What was the real reason?",
    "── form: Why it was lost ──",
    "  ✅ Acme renewal ($48,000) closed lost: Competitor (competitor: Gong)",
    "  Reason: Competitor · vs Gong",
    # the rollout slips: rep and manager told, then the manager's nudge
    "  ⚠️ SSO integration (`sso`) moved from Tue 15 Dec 2026 to Sun 31 Jan 2027 — after your promise is due.",
    "── DM to bob ──",
    "Your team today",
    "  ⚠️ At risk (a rollout they need slipped)",
    "  [1 Remind rep] [2 Got it]",
]


def test_the_tour_tells_the_whole_story_in_under_30_seconds(
    cli: InProcessCli, tmp_path: Path
) -> None:
    started = time.monotonic()
    result = cli(["sandbox", "--script", str(TOUR)], {}, tmp_path)
    assert result.returncode == 0, result.stderr
    assert time.monotonic() - started < 30
    lines = result.stdout.splitlines()
    for key in KEY_LINES:
        assert key in lines, f"the tour no longer shows {key!r}"
    order = [lines.index(key) for key in KEY_LINES if lines.count(key) == 1]
    assert order == sorted(order), "the tour's steps came out of order"
    assert not list(tmp_path.iterdir()), "the tour keeps its database in a throw-away folder"


def test_the_readme_shows_lines_the_tour_really_prints(cli: InProcessCli, tmp_path: Path) -> None:
    readme = (TOUR.parents[1] / "README.md").read_text()
    excerpt = readme.split("```text\n", 1)[1].split("```", 1)[0].splitlines()
    printed = cli(["sandbox", "--script", str(TOUR)], {}, tmp_path).stdout.splitlines()
    assert excerpt
    at = 0
    for line in excerpt:  # in the tour's order, with lines left out between them
        assert line in printed[at:], f"the tour no longer prints {line!r} here"
        at = printed.index(line, at) + 1
    for image in ("digest.png", "winloss-form.png", "nudge.png"):
        assert f"docs/images/{image}" in readme
        assert (TOUR.parent / "images" / image).stat().st_size > 10_000
