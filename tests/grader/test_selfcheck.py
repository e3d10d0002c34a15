"""selfcheck's own verdicts that need no C++ build."""

from __future__ import annotations

import io
import unittest
from pathlib import Path
from unittest import mock

from grader import diagnosis, score, tidy
from grader.commands import selfcheck
from grader.kit import RubricTest
from grader.progress import Progress
from grader.run import Job, Outcome
from grader.workspace import Workspace
from tests.grader.helpers import TempDirTest


class TidyClean(TempDirTest):
    def check(self, report: tidy.TidyReport) -> tuple[list[str], str]:
        impl = selfcheck.Impl("alternate", "rwlock", Path("/kit/tests/alternates/ex/rwlock"))
        problems: list[str] = []
        stream = io.StringIO()
        with mock.patch.object(tidy, "run", return_value=report):
            selfcheck.check_tidy_clean(impl, "ex", ("ex.hpp",), Workspace(self.tmp), problems,
                                       Progress(stream=stream, live=False))
        return problems, stream.getvalue()

    def test_a_warning_in_correct_kit_code_is_a_kit_problem_that_names_the_file(self) -> None:
        w = tidy.TidyWarning("ex.hpp", 12, 5, "performance-unnecessary-value-param", "copied")
        problems, _ = self.check(tidy.TidyReport([w]))
        self.assertEqual(problems, ["ex/alternate rwlock: clang-tidy warning at "
                                    "/kit/tests/alternates/ex/rwlock/ex.hpp:12: copied "
                                    "[performance-unnecessary-value-param]"])

    def test_clean_code_passes_and_a_skipped_check_is_said_but_is_no_problem(self) -> None:
        self.assertEqual(self.check(tidy.TidyReport()), ([], ""))
        problems, said = self.check(tidy.TidyReport(skipped="clang-tidy is not installed"))
        self.assertEqual(problems, [])
        self.assertIn("clang-tidy is not installed", said)



class HeldOutDiagnosis(unittest.TestCase):
    def test_a_mutant_run_is_judged_against_a_signature_from_its_other_runs(self) -> None:
        a = RubricTest("S.A", "hidden", 1, "g", ("tsan",), 30)
        b = RubricTest("S.B", "hidden", 1, "g", ("tsan",), 30)

        def run(*failed: tuple[str, str]) -> score.ExerciseScore:
            statuses = {"S.A": "passed", "S.B": "passed", **dict(failed)}
            outcomes = {(t, "tsan"): Outcome(job=Job("ex", "hidden", t, "tsan", None, 30, 1), status=st,
                                             reason="r") for t, st in statuses.items()}
            return score.score_exercise("ex", (a, b), outcomes)

        lean, racy = run(("S.A", "failed")), run(("S.A", "failed"), ("S.B", "timeout"))
        impl = selfcheck.Impl("mutant", "lost_wakeup", Path("/kit/m"))
        report = selfcheck.ImplReport(impl, built=True, runs=[lean, racy])
        everything = diagnosis.from_runs("ex", "lost_wakeup", "hint",
                                         [diagnosis.run_features(lean), diagnosis.run_features(racy)])
        # Against a signature that includes it, the lean run matches by construction ...
        self.assertEqual(diagnosis.diagnose_score(lean, [everything]).similarity, 1.0)
        # ... against the other run alone it shares half of what that run showed.
        mine = selfcheck.held_out([everything], report, 0)
        self.assertEqual(mine[0].features, diagnosis.run_features(racy))
        self.assertIsNone(diagnosis.diagnose_score(lean, mine))
        self.assertEqual(selfcheck.own_similarity(report, 0), 0.5)   # what selfcheck prints for it


if __name__ == "__main__":
    unittest.main()
