"""Progress: a status line rewritten in place on terminals, plain stage lines elsewhere."""

from __future__ import annotations

import io
import unittest

from grader.progress import Progress


class ProgressModes(unittest.TestCase):
    def run_stage(self, progress: Progress) -> None:
        counter = progress.counter("channel/reference tests (tsan)", 4)
        for i in range(4):
            counter.tick(i != 2, f"T.{i} [tsan]")
        progress.clear()
        progress.line("channel/reference tests: 4 test runs (3 passed, 1 failed)")

    def test_not_a_terminal_gets_stage_lines_only(self) -> None:
        buf = io.StringIO()
        self.run_stage(Progress(buf))
        self.assertNotIn("\r", buf.getvalue())
        self.assertEqual(len(buf.getvalue().splitlines()), 1)

    def test_a_terminal_gets_a_status_line_with_counts_and_eta(self) -> None:
        buf = io.StringIO()
        self.run_stage(Progress(buf, live=True))
        text = buf.getvalue()
        self.assertIn("\r\033[K", text)
        self.assertIn("2/4 test runs", text)
        self.assertIn("ETA", text)
        self.assertIn("1 failed", text)
        self.assertTrue(text.endswith("3 passed, 1 failed)\n"))

    def test_verbose_adds_a_line_per_test_and_quiet_prints_nothing(self) -> None:
        buf = io.StringIO()
        self.run_stage(Progress(buf, verbose=True))
        self.assertIn("FAIL T.2 [tsan]", buf.getvalue())
        self.assertEqual(len(buf.getvalue().splitlines()), 5)
        buf = io.StringIO()
        self.run_stage(Progress(buf, quiet=True, verbose=True))
        self.assertEqual(buf.getvalue(), "")


if __name__ == "__main__":
    unittest.main()
