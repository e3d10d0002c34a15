"""Feedback points at the student's own lines and stays short."""

from __future__ import annotations

import unittest
from pathlib import Path

from grader import feedback, run
from grader.sandbox import ProcessResult
from tests.grader.helpers import output

PATHS = feedback.PathMap(("/tmp/lockstep-work/ws", "/w/ws"), {"channel": ("channel.hpp",)})


class Paths(unittest.TestCase):
    def test_owned_files_become_their_own_name_and_kit_files_relative(self) -> None:
        text = ("/tmp/lockstep-work/ws/exercises/channel/channel.hpp:42 and "
                "/tmp/lockstep-work/ws/tests/hidden/channel/stress_test.cpp:7 and /usr/include/x.h:1")
        self.assertEqual(PATHS.rewrite(text),
                         "channel.hpp:42 and tests/hidden/channel/stress_test.cpp:7 and /usr/include/x.h:1")

    def test_workspace_resolving_to_another_form(self) -> None:
        pm = feedback.PathMap.for_workspace(Path("/tmp/../tmp/w/ws"), {"channel": ("channel.hpp",)})
        self.assertIn("channel.hpp:3", pm.rewrite("/tmp/w/ws/exercises/channel/channel.hpp:3"))


class SanitizerTrimming(unittest.TestCase):
    def test_tsan_report_keeps_header_first_frames_student_frames_and_summary(self) -> None:
        report = output("tsan_race.txt")
        report = report[report.index("WARNING"):]
        trimmed = feedback.trim_sanitizer_report(report, PATHS)
        lines = trimmed.splitlines()
        self.assertTrue(lines[0].startswith("WARNING: ThreadSanitizer: data race"))
        self.assertIn("channel.hpp:42", trimmed)
        self.assertIn("channel.hpp:99", trimmed, "a deep frame in the student's file is kept")
        self.assertIn("more frames", trimmed)
        self.assertNotIn("frame7", trimmed)
        self.assertNotIn("/tmp/lockstep-work", trimmed)
        self.assertTrue(lines[-1].startswith("SUMMARY:"))

    def test_location_of_a_sanitizer_run(self) -> None:
        job = run.Job("channel", "hidden", "ChannelBasics.Send", "asan", Path("/x"), 30, 11)
        out = output("asan_uaf.txt")
        o = run.classify(job, "n", ProcessResult(["x"], 1, None, False, out, len(out), 0.1), b"")
        fb = feedback.for_run(o, PATHS, "build/asan/bin/channel_hidden_test")
        self.assertEqual(fb.location, "channel.hpp:120")
        self.assertEqual(fb.sanitizer, "heap-use-after-free")
        self.assertNotIn("ABORTING", fb.details)
        self.assertEqual(fb.rerun, "LOCKSTEP_SEED=11 build/asan/bin/channel_hidden_test "
                                   "--gtest_filter=ChannelBasics.Send")

    def test_rerun_quotes_environment_values_but_not_assignments(self) -> None:
        job = run.Job("channel", "hidden", "S/T.U/0", "tsan", Path("/x"), 30, 5)
        o = run.Outcome(job=job, status="failed", reason="x", seed=5)
        cmd = feedback.rerun_command(o, "/b/bin/t", ["setarch", "x86_64", "-R"], {"LD_PRELOAD": "/a b.so"})
        self.assertEqual(cmd, "LOCKSTEP_SEED=5 LD_PRELOAD='/a b.so' setarch x86_64 -R /b/bin/t "
                              "--gtest_filter=S/T.U/0")

    def test_no_rerun_for_passed_or_not_built(self) -> None:
        job = run.Job("channel", "hidden", "S.T", "tsan", None, 30, 5)
        self.assertIsNone(feedback.for_run(run.not_built(job), PATHS, "b").rerun)


class CompileErrors(unittest.TestCase):
    def test_first_error_in_the_students_file_with_context(self) -> None:
        fb = feedback.compile_errors(output("compile_error.log"), PATHS)
        self.assertEqual(fb.location, "channel.hpp:42")
        self.assertEqual(fb.summary, "channel.hpp:42: error: 'foo' was not declared in this scope")
        self.assertIn("In file included from exercises/channel/public_test.cpp:3", fb.excerpt)
        self.assertIn("foo();", fb.excerpt)
        self.assertNotIn("/tmp/lockstep-work", fb.excerpt)
        self.assertNotIn("ninja: build stopped", fb.excerpt)

    def test_log_without_recognisable_error(self) -> None:
        fb = feedback.compile_errors("something odd\nreally odd\n", PATHS)
        self.assertIsNone(fb.location)
        self.assertIn("really odd", fb.excerpt)

    def test_linker_error(self) -> None:
        log = "/usr/bin/ld: x.o: in function `main':\nx.cpp:(.text+0x1): undefined reference to `foo()'\n"
        fb = feedback.compile_errors(log, PATHS)
        self.assertIn("undefined reference", fb.summary)
