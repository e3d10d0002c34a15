"""End to end: the student bundle builds on its own and `check` gives a clean
"not implemented yet" report; no solution, hidden test, alternate or mutant is in its
files or its history. Slow (a C++ build): ctest runs it as its own entry."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

from grader.commands import bundle

KIT = Path(__file__).resolve().parents[2]


class StudentBundle(unittest.TestCase):
    def test_bundle_checks_clean_and_keeps_secrets_out(self) -> None:
        with tempfile.TemporaryDirectory(prefix="lockstep-bundle-") as tmp:
            out = Path(tmp) / "starter"
            bundle.run(out=out, git=True, kit_root=KIT, stream=io.StringIO())
            history = subprocess.run(["git", "log", "--all", "--name-only", "--format="], cwd=out,
                                     capture_output=True, text=True, check=True).stdout.split()
            self.assertTrue(history)
            self.assertEqual([f for f in history if f.startswith(bundle.SECRET_PREFIXES)], [])
            self.assertTrue((out / ".github/workflows/classroom.yml").is_file())
            env = dict(os.environ, PYTHONPATH=str(out))
            proc = subprocess.run([sys.executable, "-m", "grader", "check", "channel", "--configs", "tsan",
                                   "--work", str(Path(tmp) / "work"), "--quiet"],
                                  cwd=out, env=env, capture_output=True, text=True, timeout=1800)
            self.assertEqual(proc.returncode, 1, proc.stdout + proc.stderr)
            self.assertIn("not implemented yet", proc.stdout)
            self.assertIn("channel: 0/", proc.stdout)


if __name__ == "__main__":
    unittest.main()
