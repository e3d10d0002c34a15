"""clang-tidy on a student's files: a sloppy header gets its warnings, with file and line,
and nothing from the kit's own files; a missing clang-tidy is a note, not a crash."""

from __future__ import annotations

import json
import shutil
import unittest
from pathlib import Path
from unittest import mock

from grader import feedback, tidy
from tests.grader.helpers import TempDirTest

KIT = Path(__file__).resolve().parents[2]

SLOPPY = """\
#pragma once
inline int* find_slot(int* slots, int n, int want) {
  for (int i = 0; i < n; ++i)
    if (slots[i] == want) return slots + i;
  return 0;
}
"""

TEST = """\
#include <sloppy.hpp>
int* unchecked = 0;  // the kit's file: never reported
int main() { int s[2] = {1, 2}; return find_slot(s, 2, 2) == unchecked; }
"""


class SloppySubmission(TempDirTest):
    def setUp(self) -> None:
        super().setUp()
        folder = self.tmp / "exercises" / "demo"
        folder.mkdir(parents=True)
        (folder / "sloppy.hpp").write_text(SLOPPY)
        (folder / "public_test.cpp").write_text(TEST)
        shutil.copy(KIT / ".clang-tidy", self.tmp / ".clang-tidy")
        build = self.tmp / "build"
        build.mkdir()
        unit = folder / "public_test.cpp"
        (build / "compile_commands.json").write_text(json.dumps([{
            "directory": str(build), "file": str(unit),
            "command": f"clang++ -std=c++20 -I{folder} -c {unit} -o x.o"}]))
        self.paths = feedback.PathMap.for_workspace(self.tmp, {"demo": ("sloppy.hpp",)})

    @unittest.skipUnless(shutil.which("clang-tidy"), "clang-tidy is not installed")
    def test_warnings_in_owned_files_are_reported_with_file_and_line(self) -> None:
        report = tidy.run(self.tmp, self.tmp / "build", "demo", ("sloppy.hpp",), self.paths)
        self.assertEqual(report.skipped, "")
        where = {(w.file, w.line, w.check) for w in report.warnings}
        self.assertIn(("sloppy.hpp", 5, "modernize-use-nullptr"), where)
        self.assertIn(("sloppy.hpp", 4, "readability-braces-around-statements"), where)
        self.assertTrue(all(w.file == "sloppy.hpp" for w in report.warnings), report.warnings)

    def test_a_header_that_does_not_compile_alone_is_checked_through_the_test_file(self) -> None:
        folder = self.tmp / "exercises" / "demo"
        alone = f"{folder}/sloppy.hpp:2:22: error: unknown type name 'Slots'\n"
        through_test = f"{folder}/sloppy.hpp:5:10: warning: use nullptr [modernize-use-nullptr]\n"
        with mock.patch("shutil.which", return_value="/usr/bin/clang-tidy"), \
             mock.patch.object(tidy, "_tidy", side_effect=[alone, through_test]) as ran:
            report = tidy.run(self.tmp, self.tmp / "build", "demo", ("sloppy.hpp",), self.paths)
        self.assertEqual([call.args[0][-1] for call in ran.call_args_list][1], str(folder / "public_test.cpp"))
        self.assertEqual([(w.line, w.check) for w in report.warnings], [(5, "modernize-use-nullptr")])

    def test_a_missing_clang_tidy_is_reported_and_skipped(self) -> None:
        with mock.patch("shutil.which", return_value=None):
            report = tidy.run(self.tmp, self.tmp / "build", "demo", ("sloppy.hpp",), self.paths)
        self.assertEqual(report.warnings, [])
        self.assertIn("clang-tidy is not installed", report.skipped)


class HeaderFlags(TempDirTest):
    def test_the_test_file_flags_without_precompiled_header_output_or_input(self) -> None:
        unit = self.tmp / "public_test.cpp"
        (self.tmp / "compile_commands.json").write_text(json.dumps([{
            "directory": str(self.tmp), "file": str(unit),
            "command": (f"/usr/bin/clang++ -I/ws/ex -std=c++20 -fsanitize=address -Xclang -include-pch "
                        f"-Xclang /b/cmake_pch.hxx.pch -Xclang -include -Xclang /b/cmake_pch.hxx "
                        f"-o CMakeFiles/t.o -c {unit}")}]))
        self.assertEqual(tidy.header_flags(self.tmp, unit), ["-I/ws/ex", "-std=c++20", "-fsanitize=address"])
        self.assertIsNone(tidy.header_flags(self.tmp, self.tmp / "other.cpp"))


class Parse(unittest.TestCase):
    def test_only_owned_files_and_each_warning_once(self) -> None:
        paths = feedback.PathMap(("/ws",), {"demo": ("a.hpp",)})
        out = ("/ws/exercises/demo/a.hpp:3:7: warning: use nullptr [modernize-use-nullptr]\n"
               "/ws/exercises/demo/a.hpp:3:7: warning: use nullptr [modernize-use-nullptr]\n"
               "/ws/exercises/demo/public_test.cpp:1:1: warning: something [bugprone-x]\n")
        self.assertEqual(tidy.parse(out, paths, ("a.hpp",)),
                         [tidy.TidyWarning("a.hpp", 3, 7, "modernize-use-nullptr", "use nullptr")])


if __name__ == "__main__":
    unittest.main()
