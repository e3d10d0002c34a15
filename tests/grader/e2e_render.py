"""End to end: the HTML report and the gradebook render in a real browser (issue: the
grader in the classroom).

Headless Chromium opens each page from a file, offline, and takes a screenshot; the test
then counts pixels: every bar colour the page's SVG charts use must show up, and the
tables' text must be there. Skipped, saying why, where no browser is installed
(scripts/run-tests.sh installs Debian's chromium when it runs as root).
LOCKSTEP_SCREENSHOTS=DIR also keeps the screenshots in DIR.
"""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import unittest
from pathlib import Path

from grader.commands import gradebook
from grader.export import html
from tests.grader import render
from tests.grader.helpers import TempDirTest
from tests.grader.test_batch import make_class, run_fake
from tests.grader.test_results import _results

_RECT = re.compile(r'<rect\b[^>]*>')
_WIDTH = re.compile(r'\bwidth="([\d.]+)"')
_FILL = re.compile(r'\bfill="(#[0-9a-fA-F]{6})"')


def chart_colours(page: str) -> set[str]:
    """The fill colours of the page's SVG rectangles that are wide enough to see."""
    colours = set()
    for rect in _RECT.findall(page):
        width, fill = _WIDTH.search(rect), _FILL.search(rect)
        if width and fill and float(width.group(1)) >= 4:
            colours.add(fill.group(1))
    return colours


@unittest.skipIf(render.browser() is None,
                 "no headless browser (apt-get install -y chromium): the HTML pages were not rendered")
class Rendered(TempDirTest):
    def look(self, page: Path, width: int, height: int) -> render.Image:
        png = self.tmp / f"{page.stem}.png"
        render.screenshot(page, png, width, height)
        keep = os.environ.get("LOCKSTEP_SCREENSHOTS")
        if keep:
            Path(keep).mkdir(parents=True, exist_ok=True)
            shutil.copy(png, Path(keep) / png.name)
        return render.read_png(png)

    def assert_charts_drawn(self, page_text: str, image: render.Image, at_least: int) -> None:
        colours = chart_colours(page_text)
        self.assertTrue(colours, "the page has no SVG chart")
        for colour in colours:
            self.assertGreaterEqual(image.count(colour), at_least, f"chart colour {colour} was not drawn")

    def test_the_report_shows_its_score_bars_and_its_tables(self) -> None:
        page = self.tmp / "report.html"
        results = _results()
        failing = results.exercises[0]
        # Three exercises: full marks, half and none, so every bar colour is drawn.
        results.exercises += [dataclasses.replace(failing, name="sync", score=3.0),
                              dataclasses.replace(failing, name="actor", score=2.0)]
        page.write_text(html.dumps(results))
        image = self.look(page, 1000, 900)
        self.assert_charts_drawn(page.read_text(), image, at_least=200)
        self.assertGreater(image.dark(), 2000, "no text was drawn")

    def test_the_gradebook_shows_its_histogram_and_its_tables(self) -> None:
        out = self.tmp / "out"
        run_fake(make_class(self.tmp), out)
        rows, raw = gradebook.load(out)
        page = self.tmp / "gradebook.html"
        page.write_text(gradebook.to_html(rows, raw))
        image = self.look(page, 1000, 1200)
        self.assert_charts_drawn(page.read_text(), image, at_least=200)
        self.assertGreater(image.dark(), 2000, "no text was drawn")


if __name__ == "__main__":
    unittest.main()
