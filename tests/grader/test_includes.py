"""An owned file may not pull files from outside the submission into the build."""

from __future__ import annotations

import unittest

from grader.includes import outside_reaches


class OutsideReaches(unittest.TestCase):
    def test_the_kits_headers_and_own_files_are_fine(self) -> None:
        text = ('#include <mutex>\n#include <lockstep/stress.hpp>\n#include "detail/ring.hpp"\n'
                '  #  include "channel_impl.hpp" // ok\n')
        self.assertEqual(outside_reaches(text), [])

    def test_parent_and_absolute_paths_are_reported_with_their_line(self) -> None:
        text = '#include <mutex>\n#include "../../tests/hidden/channel/stress_test.cpp"\n' \
               '#include </work/kit/solutions/channel/channel.hpp>\n#include_next "..\\\\x.h"\n'
        problems = outside_reaches(text)
        self.assertEqual(len(problems), 3)
        self.assertTrue(problems[0].startswith("line 2: #include of '../../tests/hidden"))
        self.assertIn("line 3", problems[1])
        self.assertIn("line 4: #include_next", problems[2])

    def test_computed_includes_digraphs_and_spliced_lines_are_caught(self) -> None:
        self.assertIn("computed", outside_reaches("#define P <x>\n#include P\n")[0])
        self.assertIn("#include of", outside_reaches('%:include "/etc/passwd"\n')[0])
        self.assertIn("#include of", outside_reaches('#inc\\\nlude "../secret.hpp"\n')[0])

    def test_incbin_in_inline_assembly_is_reported(self) -> None:
        problems = outside_reaches('asm(".incbin \\"x\\"");\n')
        self.assertIn("incbin", problems[0])


if __name__ == "__main__":
    unittest.main()
