"""End to end: the Gradescope bundle grades a submission in a simulated /autograder root.

Builds autograder.zip, unpacks it as Gradescope does (source/, run_autograder), puts the
bundled buggy channel in submission/ and runs run_autograder with AUTOGRADER_ROOT pointing
at the simulated root (public tests under TSan only, to keep it short). results.json must
follow Gradescope's schema and carry the grader's score. Slow (a C++ build): ctest runs it
as its own entry; `python3 -m unittest tests.grader.e2e_gradescope` runs it by hand.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import tempfile
import unittest
import zipfile
from pathlib import Path
from typing import Any

from grader import performance
from grader.commands import gradescope_bundle
from grader.export.gradescope import VISIBILITIES
from grader.kit import Kit

KIT = Path(__file__).resolve().parents[2]


def check_schema(data: Any) -> list[str]:
    """Gradescope's results.json as its documentation specifies the fields used here."""
    problems = []
    if not isinstance(data.get("score"), (int, float)):
        problems.append("score is not a number")
    if not isinstance(data.get("tests"), list):
        return problems + ["tests is not a list"]
    for i, t in enumerate(data["tests"]):
        for key, kind in (("name", str), ("score", (int, float)), ("max_score", (int, float)),
                          ("output", str), ("visibility", str), ("status", str)):
            if not isinstance(t.get(key), kind):
                problems.append(f"tests[{i}].{key} missing or not {kind}")
        if t.get("visibility") not in VISIBILITIES:
            problems.append(f"tests[{i}].visibility {t.get('visibility')!r}")
        if t.get("status") not in ("passed", "failed"):
            problems.append(f"tests[{i}].status {t.get('status')!r}")
    return problems


class GradescopeBundle(unittest.TestCase):
    def test_run_autograder_writes_results_json(self) -> None:
        with tempfile.TemporaryDirectory(prefix="lockstep-gradescope-") as tmp:
            root = Path(tmp) / "autograder"
            bundle = Path(tmp) / "autograder.zip"
            gradescope_bundle.run(out=bundle, hidden_visibility="after_due_date", kit_root=KIT,
                                  stream=io.StringIO())
            with zipfile.ZipFile(bundle) as z:
                names = z.namelist()
                # Only the references the performance tier times against; never an alternate.
                timed = performance.exercises_with_performance(Kit(KIT))
                self.assertFalse([n for n in names if n.startswith("tests/alternates/") or (
                    n.startswith("solutions/") and n.split("/")[1] not in timed)])
                self.assertIn("solutions/channel/channel.hpp", names)
                z.extractall(root / "source")
            shutil.copy(root / "source" / "run_autograder", root / "run_autograder")
            os.chmod(root / "run_autograder", 0o755)
            shutil.copytree(KIT / "samples" / "buggy-channel", root / "submission")
            env = dict(os.environ, AUTOGRADER_ROOT=str(root),
                       LOCKSTEP_GRADE_ARGS="--exercise channel --configs tsan --suites public")
            proc = subprocess.run([str(root / "run_autograder")], env=env, capture_output=True,
                                  text=True, timeout=1800)
            self.assertEqual(proc.returncode, 0, proc.stderr[-3000:])
            data = json.loads((root / "results" / "results.json").read_text())
            self.assertEqual(check_schema(data), [])
            canonical = json.loads((root / "results" / "lockstep" / "result.json").read_text())
            self.assertEqual(sum(t["score"] for t in data["tests"]), canonical["score"])
            self.assertEqual(data["score"], canonical["score"])
            self.assertTrue(all(t["visibility"] == "visible" for t in data["tests"]))  # public only
            self.assertIn("channel", data["output"])


if __name__ == "__main__":
    unittest.main()
