"""Forbidden-API scan: code only, comments and strings do not count."""

from __future__ import annotations

import unittest

from grader import lint
from grader.kit import ForbiddenRule

RULE = ForbiddenRule(r"std::mutex\b", "no locks", 5)


class Lint(unittest.TestCase):
    def test_hits_in_code_with_line_numbers(self) -> None:
        src = "#include <mutex>\n// std::mutex in a comment\nstd::mutex m_;\n/* std::mutex\n std::mutex */ int x;\n" \
              'const char* s = "std::mutex";\nstd::mutex n_;  // again\n'
        found = lint.scan_text("channel.hpp", src, [RULE])
        self.assertEqual([f.line for f in found], [3, 7])
        self.assertEqual(found[0].text, "std::mutex m_;")
        self.assertEqual(found[0].penalty, 5)

    def test_line_numbers_survive_blanking(self) -> None:
        src = "/*\n\n*/\nR\"(std::mutex\n)\"; std::mutex a;\n"
        self.assertEqual([f.line for f in lint.scan_text("c.hpp", src, [RULE])], [5])
