"""Classification of one run from its exit, output and records (DESIGN 7.2)."""

from __future__ import annotations

import json
import signal
import unittest
from pathlib import Path

from grader import run
from grader.sandbox import ProcessResult
from tests.grader.helpers import output

NONCE = "n0nce"
TEST = "ChannelBasics.Send"
JOB = run.Job("channel", "hidden", TEST, "tsan", Path("/bin/x"), 30, 7)


def rec(status: str = "passed", nonce: str = NONCE, test: str = TEST, **extra: object) -> str:
    return json.dumps({"nonce": nonce, "test": test, "status": status, "duration_ms": 1.5,
                       "seed": 7, "failures": [], **extra})


def proc(rc: int | None = 0, sig: int | None = None, out: str = "", timed_out: bool = False) -> ProcessResult:
    return ProcessResult(["x"], rc, sig, timed_out, out, len(out), 0.1)


def classify(p: ProcessResult, *records: str) -> run.Outcome:
    return run.classify(JOB, NONCE, p, "\n".join(records).encode())


class Records(unittest.TestCase):
    def test_passed_needs_record_exit_zero_and_no_report(self) -> None:
        o = classify(proc(0), rec())
        self.assertEqual(o.status, "passed")
        self.assertEqual(o.duration_ms, 1.5)

    def test_wrong_nonce_is_ignored(self) -> None:
        o = classify(proc(0, out=output("fake_gtest.txt")), rec(nonce="forged"))
        self.assertEqual(o.status, "no_record")
        self.assertIn("exit()/quick_exit()", o.reason)

    def test_record_for_another_test_is_ignored(self) -> None:
        self.assertEqual(classify(proc(0), rec(test="ChannelBasics.Other")).status, "no_record")

    def test_junk_lines_are_ignored(self) -> None:
        self.assertEqual(classify(proc(0), "not json", "[1,2]", rec()).status, "passed")

    def test_fake_gtest_output_without_record_earns_nothing(self) -> None:
        self.assertEqual(classify(proc(0, out=output("fake_gtest.txt"))).status, "no_record")

    def test_failed_record_carries_failure_texts(self) -> None:
        failures = [{"file": "basics_test.cpp", "line": 12, "message": "Expected: 1\n  Actual: 2"}]
        o = classify(proc(1), rec("failed", failures=failures))
        self.assertEqual(o.status, "failed")
        self.assertIn("Expected: 1", o.reason)
        self.assertIn("at basics_test.cpp:12", o.reason)
        self.assertEqual(o.details, "  Actual: 2")

    def test_passed_record_but_nonzero_exit_fails(self) -> None:
        o = classify(proc(3), rec())
        self.assertEqual(o.status, "failed")
        self.assertIn("status 3", o.reason)

    def test_killed_for_memory_is_a_crash_that_says_so_even_with_a_passed_record(self) -> None:
        p = proc(None, 9)
        p.memory_exceeded = True
        o = classify(p, rec())
        self.assertEqual(o.status, "crashed")
        self.assertIn("GiB of memory", o.reason)

    def test_skipped(self) -> None:
        self.assertEqual(classify(proc(0), rec("skipped")).status, "skipped")

    def test_nonzero_exit_without_record(self) -> None:
        self.assertEqual(classify(proc(2)).status, "crashed")


class ExitsAndSignals(unittest.TestCase):
    def test_watchdog_hang_reported_by_tsan_as_thread_leak_is_a_timeout(self) -> None:
        out = (output("watchdog.txt") + "\n==================\n"
               "WARNING: ThreadSanitizer: thread leak (pid=5634)\n"
               "  Thread T8 (tid=5643, finished) created by main thread at:\n")
        o = classify(proc(66, out=out))
        self.assertEqual(o.status, "timeout")
        self.assertIn("deadlock or livelock suspected", o.reason)

    def test_watchdog_exit_86_is_a_timeout(self) -> None:
        o = classify(proc(86, out=output("watchdog.txt")))
        self.assertEqual(o.status, "timeout")
        self.assertIn("deadlock or livelock suspected", o.reason)

    def test_killed_at_the_wall_clock_is_a_timeout(self) -> None:
        o = classify(proc(None, signal.SIGKILL, timed_out=True), rec())
        self.assertEqual(o.status, "timeout")
        self.assertIn("30 s", o.reason)

    def test_signal_is_named(self) -> None:
        o = classify(proc(None, signal.SIGSEGV))
        self.assertEqual((o.status, o.signal), ("crashed", "SIGSEGV"))
        self.assertIn("SIGSEGV", o.reason)

    def test_cpu_limit_is_a_timeout(self) -> None:
        self.assertEqual(classify(proc(None, signal.SIGXCPU)).status, "timeout")

    def test_tsan_exit_66_without_parsable_report(self) -> None:
        self.assertEqual(classify(proc(66, out="garbled")).status, "sanitizer")


class SanitizerReports(unittest.TestCase):
    CASES = {
        "tsan_race.txt": "data race",
        "tsan_lock_order.txt": "lock-order-inversion",
        "asan_uaf.txt": "heap-use-after-free",
        "asan_segv.txt": "SEGV (invalid memory access)",
        "lsan.txt": "leak",
        "ubsan.txt": "undefined behaviour: signed integer overflow",
        "ubsan_misaligned.txt": "undefined behaviour: load of misaligned address",
    }

    def test_kinds_from_headers(self) -> None:
        for name, kind in self.CASES.items():
            with self.subTest(name=name):
                o = classify(proc(66 if "tsan" in name else 1, out=output(name)))
                self.assertEqual(o.status, "sanitizer")
                self.assertEqual(o.sanitizer, kind)

    def test_report_fails_even_with_a_passed_record_and_exit_zero(self) -> None:
        o = classify(proc(0, out=output("lsan.txt")), rec())
        self.assertEqual((o.status, o.sanitizer), ("sanitizer", "leak"))

    def test_details_start_at_the_header(self) -> None:
        o = classify(proc(66, out=output("tsan_race.txt")))
        self.assertTrue(o.details.startswith("WARNING: ThreadSanitizer: data race"))


class Listing(unittest.TestCase):
    def test_parse_gtest_list(self) -> None:
        text = ("Running main() from x\nChannelBasics.\n  Send\n  Recv\n"
                "Shapes/ChannelStress.  # TypeParam = int\n  Run/cap1  # GetParam() = (1, 2)\n")
        self.assertEqual(run.parse_test_list(text),
                         ["ChannelBasics.Send", "ChannelBasics.Recv", "Shapes/ChannelStress.Run/cap1"])

    def test_job_env(self) -> None:
        env = run.job_env(JOB, "abc", "/lib/x.so")
        asan = run.job_env(run.Job("channel", "hidden", TEST, "asan", Path("/x"), 30, 7), "abc", "/s.so")
        self.assertTrue(asan["ASAN_OPTIONS"].endswith(":verify_asan_link_order=0"), asan["ASAN_OPTIONS"])
        self.assertEqual(env["LOCKSTEP_NONCE"], "abc")
        self.assertEqual(env["LOCKSTEP_SEED"], "7")
        self.assertLess(int(env["LOCKSTEP_DEADLINE_MS"]), 30000)
        self.assertEqual(env["LOCKSTEP_YIELD_PERMILLE"], "30")
        self.assertEqual(env["LD_PRELOAD"], "/lib/x.so")
        self.assertIn("TSAN_OPTIONS", env)
