"""`--html DIR`: the surfaces as pages styled like Slack, drawn by a real headless browser."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from bot.sandbox import html
from tests.support.cli import InProcessCli
from tests.support.png import pixels
from tests.support.sandbox import driven

TOUR = Path(__file__).parents[2] / "docs" / "tour.txt"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# Each kind of page the README's images and the tour show: a message, a form, a DM.
PAGES = ["Top competitors", "Why it was lost", "Your team today"]


def test_every_surface_shown_gets_a_page_and_the_index_links_them(
    cli: InProcessCli, tmp_path: Path
) -> None:
    result = cli(
        ["sandbox", "--script", str(TOUR), "--html", str(tmp_path / "pages")], {}, tmp_path
    )
    assert result.returncode == 0, result.stderr
    pages = sorted((tmp_path / "pages").glob("[0-9]*.html"))
    index = (tmp_path / "pages" / "index.html").read_text()
    assert len(pages) == result.stdout.count("\n── ") + result.stdout.startswith("── ")
    assert all(page.name in index for page in pages)
    assert f"wrote {len(pages)} pages" in result.stderr


def test_user_text_on_a_page_is_escaped() -> None:
    with driven() as sandbox:
        sandbox.type("/fieldnote [Acme] <script>alert(1)</script> & <b>bold</b>")
        [saved] = sandbox.sandbox.shown
        page = html.page(saved)
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


@pytest.mark.skipif(CHROMIUM is None, reason="needs Chromium (apt-get install chromium)")
def test_the_pages_draw_in_a_real_browser(cli: InProcessCli, tmp_path: Path) -> None:
    folder = tmp_path / "pages"
    assert (
        cli(["sandbox", "--script", str(TOUR), "--html", str(folder)], {}, tmp_path).returncode == 0
    )
    for text in PAGES:
        page = [p for p in sorted(folder.glob("[0-9]*.html")) if text in p.read_text()][-1]
        shot = tmp_path / f"{page.stem}.png"
        subprocess.run(
            [CHROMIUM or "", "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
             "--window-size=720,400", f"--screenshot={shot}", page.as_uri()],
            capture_output=True, timeout=60, check=True, cwd=tmp_path,
        )  # fmt: skip
        drawn = pixels(shot)
        background = max(set(drawn[::97]), key=drawn[::97].count)
        inked = sum(
            1 for p in drawn if sum(abs(a - b) for a, b in zip(p, background, strict=True)) > 120
        )
        assert inked > len(drawn) // 50, f"{page.name} drew almost nothing"
        assert len(set(drawn)) > 20, f"{page.name} is one flat colour"
