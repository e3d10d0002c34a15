"""The build step's process handling."""

from __future__ import annotations

import os
import unittest
from pathlib import Path

from grader import build


class Background(unittest.TestCase):
    def test_a_background_build_runs_at_the_lowest_cpu_priority(self) -> None:
        # `nice` without arguments prints the niceness it runs at.
        mine = os.nice(0)
        rc, out = build._run(["nice"], Path.cwd(), 30, background=True)
        self.assertEqual((rc, out.strip()), (0, str(min(19, mine + 19))))
        rc, out = build._run(["nice"], Path.cwd(), 30)
        self.assertEqual((rc, out.strip()), (0, str(mine)))


if __name__ == "__main__":
    unittest.main()
