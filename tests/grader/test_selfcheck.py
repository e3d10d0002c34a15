"""selfcheck's own verdicts that need no C++ build."""

from __future__ import annotations

import io
import unittest
from pathlib import Path
from unittest import mock

from grader import tidy
from grader.commands import selfcheck
from grader.progress import Progress
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


if __name__ == "__main__":
    unittest.main()
