"""The performance tier: its scale, its manifest, the interleaving of the timed runs and
what a student reads."""

from __future__ import annotations

import tempfile
import unittest
from pathlib import Path
from typing import Callable
from unittest import mock

from grader import performance, score
from grader.errors import KitError
from grader.kit import DEFAULT_PAIRS, PerformanceSpec, RubricTest, load_mutant, load_rubric
from grader.results import describe_performance
from grader.run import Job, Outcome, classify
from grader.sandbox import ProcessResult

SPEC = PerformanceSpec("P.Work", 10.0, 1.25, 3.0, 3, 60.0)
TEST = RubricTest("S.A", "hidden", 2, "g", ("tsan",), 30)


def passed(test: str = "S.A") -> Outcome:
    return Outcome(job=Job("channel", "hidden", test, "tsan", Path("/bin/true"), 30, 1),
                   status="passed", reason="passed")


class Scale(unittest.TestCase):
    def test_all_points_up_to_full_at_none_from_zero_at_linear_between(self) -> None:
        self.assertEqual(score.scaled(0.5, 10, 1.25, 3.0), 10)
        self.assertEqual(score.scaled(1.25, 10, 1.25, 3.0), 10)
        self.assertEqual(score.scaled(2.125, 10, 1.25, 3.0), 5.0)
        self.assertEqual(score.scaled(3.0, 10, 1.25, 3.0), 0)
        self.assertEqual(score.scaled(9.0, 10, 1.25, 3.0), 0)

    def test_withheld_costs_the_points_a_kit_problem_does_not(self) -> None:
        base = dict(points=10.0, full_at=1.25, zero_at=3.0)
        self.assertEqual(score.Performance(**base, withheld="a test failed").earned, 0)
        self.assertEqual(score.Performance(**base, unmeasured="the reference crashed").earned, 10)
        self.assertEqual(score.Performance(**base, ratio=1.1).earned, 10)

    def test_performance_points_count_in_the_maximum_and_the_total(self) -> None:
        perf = score.Performance(points=10.0, full_at=1.25, zero_at=3.0, ratio=2.125)
        s = score.score_exercise("channel", [TEST], {("S.A", "tsan"): passed()}, performance=perf)
        self.assertEqual((s.points, s.max_points), (7.0, 12.0))
        self.assertTrue(s.correctness_complete)
        missing = score.score_exercise("channel", [TEST], {}, graded=False, performance=perf)
        self.assertEqual((missing.points, missing.max_points), (0.0, 12.0))

    def test_a_failed_test_means_correctness_is_not_complete(self) -> None:
        s = score.score_exercise("channel", [TEST], {})
        self.assertFalse(s.correctness_complete)


class Manifest(unittest.TestCase):
    def write(self, text: str, name: str = "rubric.toml") -> Path:
        d = Path(tempfile.mkdtemp())
        self.addCleanup(lambda: __import__("shutil").rmtree(d))
        (d / name).write_text(text)
        return d / name

    RUBRIC = '[[test]]\nid = "S.A"\npoints = 1\nguarantee = "g"\n'

    def test_the_performance_table_is_read_with_its_defaults(self) -> None:
        r = load_rubric(self.write(self.RUBRIC + '[performance]\ntest = "P.Work"\npoints = 10\n'))
        self.assertEqual(r.performance, PerformanceSpec("P.Work", 10.0, 1.25, 3.0, DEFAULT_PAIRS, 60.0))
        self.assertEqual(r.max_points, 11)
        self.assertEqual(r.warnings, ())

    def test_a_scale_that_ends_before_it_starts_is_rejected(self) -> None:
        with self.assertRaisesRegex(KitError, "zero_at .* must be above full_at"):
            load_rubric(self.write(self.RUBRIC + '[performance]\ntest = "P.W"\npoints = 1\n'
                                                 'full_at = 2\nzero_at = 1.5\n'))

    def test_a_slower_mutant_has_no_must_fail_and_others_need_one(self) -> None:
        slow = load_mutant(self.write('bug = "slow"\nslower = true\n', "mutant.toml").parent, "channel")
        self.assertTrue(slow.slower)
        self.assertEqual(slow.must_fail, ())
        with self.assertRaisesRegex(KitError, "must_fail must be empty"):
            load_mutant(self.write('bug = "x"\nslower = true\nmust_fail = ["S.A"]\n', "mutant.toml").parent,
                        "channel")
        with self.assertRaisesRegex(KitError, "must_fail"):
            load_mutant(self.write('bug = "x"\n', "mutant.toml").parent, "channel")


class Timing(unittest.TestCase):
    def test_runs_are_warmed_up_then_interleaved_in_alternating_order(self) -> None:
        calls: list[str] = []
        times = {"student": 20.0, "reference": 10.0}

        def fake(binary: Path, *_: object) -> tuple[float, Outcome]:
            calls.append(binary.name)
            return times[binary.name], passed()

        with mock.patch.object(performance, "time_once", fake):
            m = performance.measure(Path("student"), Path("reference"), "channel", SPEC, 1)
        self.assertEqual(calls, ["student", "reference",                 # warm-up, not counted
                                 "student", "reference", "reference", "student", "student", "reference"])
        self.assertEqual(m.ratio, 2.0)
        self.assertEqual(len(m.student_ms), SPEC.pairs)

    def test_timing_stops_once_most_pairs_are_past_zero_at(self) -> None:
        calls: list[str] = []

        def fake(binary: Path, *_: object) -> tuple[float, Outcome]:
            calls.append(binary.name)
            return (40.0 if binary.name == "student" else 10.0), passed()

        spec = PerformanceSpec("P.Work", 10.0, 1.25, 3.0, 9, 60.0)
        with mock.patch.object(performance, "time_once", fake):
            m = performance.measure(Path("student"), Path("reference"), "channel", spec, 1)
        self.assertEqual(len(m.ratios), 5)          # 5 of 9 pairs at 4x: no point can be earned
        self.assertEqual(performance.assess(spec, m).earned, 0)

    def test_timing_stops_once_most_pairs_are_at_or_below_full_at_and_the_points_are_those_of_all(self) -> None:
        # Pair ratios 1.0, 2.0, 1.1, 1.2, 0.9, 2.5, 1.0, then the worst the rest could be.
        ratios = [1.0, 2.0, 1.1, 1.2, 0.9, 2.5, 1.0, 10.0, 10.0]

        def fake() -> Callable[..., tuple[float, Outcome]]:
            student = iter([10.0] + [10.0 * r for r in ratios])   # a warm-up, then the pairs
            return lambda binary, *_: ((next(student) if binary.name == "student" else 10.0), passed())

        spec = PerformanceSpec("P.Work", 10.0, 1.25, 3.0, 9, 60.0)
        with mock.patch.object(performance, "time_once", fake()):
            early = performance.measure(Path("student"), Path("reference"), "channel", spec, 1)
        with mock.patch.object(performance, "time_once", fake()):
            full = performance.measure(Path("student"), Path("reference"), "channel", spec, 1,
                                       stop_when_decided=False)
        self.assertEqual(len(early.ratios), 7)      # the 5th of 9 pairs at or below 1.25x decides
        self.assertEqual(len(full.ratios), 9)
        self.assertEqual(performance.assess(spec, early).earned, spec.points)
        self.assertEqual(performance.assess(spec, full).earned, spec.points)

    def test_the_ratio_is_the_median_of_the_pair_ratios(self) -> None:
        m = performance.Measurement(student_ms=[10, 30, 12], reference_ms=[10, 10, 10])
        self.assertAlmostEqual(m.ratio or 0, 1.2)

    def test_a_failing_student_workload_withholds_the_points_with_its_reason(self) -> None:
        def fake(binary: Path, *_: object) -> tuple[float | None, Outcome]:
            if binary.name == "student":
                o = passed("P.Work")
                o.status, o.reason = "failed", "failed at w.cpp:3: count 7 != 8"
                return None, o
            return 10.0, passed()

        with mock.patch.object(performance, "time_once", fake):
            m = performance.measure(Path("student"), Path("reference"), "channel", SPEC, 1)
        p = performance.assess(SPEC, m)
        self.assertEqual(p.earned, 0)
        self.assertIn("count 7 != 8", describe_performance(p))

    def test_a_failing_reference_is_a_kit_problem_and_costs_nothing(self) -> None:
        def fake(binary: Path, *_: object) -> tuple[float | None, Outcome]:
            return (None, passed()) if binary.name == "reference" else (10.0, passed())

        with mock.patch.object(performance, "time_once", fake):
            p = performance.assess(SPEC, performance.measure(Path("student"), Path("reference"),
                                                             "channel", SPEC, 1))
        self.assertEqual(p.earned, SPEC.points)
        self.assertIn("kit problem", describe_performance(p))

    def test_the_median_round_comes_from_the_record_and_must_be_plausible(self) -> None:
        job = Job("channel", "performance", "P.Work", "release", Path("/bin/true"), 60, 1)
        record = (b'{"nonce": "n", "test": "P.Work", "status": "passed", "duration_ms": 900, '
                  b'"seed": 1, "failures": [], "properties": {"median_round_ms": "80.5"}}\n')
        result = ProcessResult(argv=[], returncode=0, signal=None, timed_out=False, output="", output_bytes=0,
                               wall_s=1.0)
        o = classify(job, "n", result, record)
        self.assertEqual(o.properties, {"median_round_ms": "80.5"})
        with mock.patch.object(performance.run, "run_one", lambda *a, **k: o):
            ms, _ = performance.time_once(Path("x"), "channel", SPEC, 1, ())
        self.assertEqual(ms, 80.5)
        o.properties = {"median_round_ms": "5000"}   # longer than the whole process: forged or broken
        with mock.patch.object(performance.run, "run_one", lambda *a, **k: o):
            ms, out = performance.time_once(Path("x"), "channel", SPEC, 1, ())
        self.assertIsNone(ms)
        self.assertIn("no plausible median_round_ms", out.reason)


class Describe(unittest.TestCase):
    def test_the_line_names_the_ratio_both_times_and_the_scale(self) -> None:
        p = score.Performance(points=10.0, full_at=1.25, zero_at=3.0, ratio=2.0,
                              student_ms=(200.0, 210.0, 190.0), reference_ms=(100.0, 100.0, 100.0))
        text = describe_performance(p)
        self.assertIn("5.7/10 performance points", text)
        self.assertIn("2.00x the reference's time", text)
        self.assertIn("yours 200 ms, reference 100 ms", text)
        self.assertIn("none at >= 3x", text)


if __name__ == "__main__":
    unittest.main()
