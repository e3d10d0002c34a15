"""Scoring is pure: the same inputs always give the same points, inputs untouched."""

from __future__ import annotations

import copy
import unittest
from pathlib import Path

from grader import score
from grader.kit import RubricTest
from grader.lint import Finding
from grader.run import Job, Outcome

A = RubricTest("S.A", "hidden", 2, "g1", ("asan", "tsan"), 30)
B = RubricTest("S.B", "public", 3, "g2", ("tsan",), 30)


def outcome(test: str, config: str, status: str) -> Outcome:
    job = Job("channel", "hidden", test, config, Path("/bin/true"), 30, 1)
    return Outcome(job=job, status=status, reason=status)


def finding(pattern: str, penalty: float, line: int = 1) -> Finding:
    return Finding("channel.hpp", line, "std::mutex m;", pattern, "why", penalty)


class Scoring(unittest.TestCase):
    def test_points_only_when_every_assigned_config_passed(self) -> None:
        outs = {("S.A", "asan"): outcome("S.A", "asan", "passed"),
                ("S.A", "tsan"): outcome("S.A", "tsan", "sanitizer"),
                ("S.B", "tsan"): outcome("S.B", "tsan", "passed")}
        s = score.score_exercise("channel", [A, B], outs)
        self.assertEqual([t.earned for t in s.tests], [0, 3])
        self.assertEqual(s.points, 3)
        self.assertEqual(s.max_points, 5)
        self.assertEqual(s.tests[0].lost_in, ["tsan"])

    def test_a_config_without_outcome_is_not_passed(self) -> None:
        outs = {("S.A", "asan"): outcome("S.A", "asan", "passed")}
        s = score.score_exercise("channel", [A], outs)
        self.assertEqual(s.points, 0)
        self.assertIsNone(s.tests[0].outcomes["tsan"])

    def test_outcomes_of_other_configs_do_not_count(self) -> None:
        outs = {("S.B", "asan"): outcome("S.B", "asan", "failed"),
                ("S.B", "tsan"): outcome("S.B", "tsan", "passed")}
        self.assertEqual(score.score_exercise("channel", [B], outs).points, 3)

    def test_every_non_passed_status_earns_nothing(self) -> None:
        for status in ("failed", "timeout", "crashed", "sanitizer", "no_record", "skipped", "not_built"):
            outs = {("S.B", "tsan"): outcome("S.B", "tsan", status)}
            self.assertEqual(score.score_exercise("channel", [B], outs).points, 0, status)

    def test_penalty_once_per_rule_and_floored_at_zero(self) -> None:
        outs = {("S.B", "tsan"): outcome("S.B", "tsan", "passed")}
        s = score.score_exercise("channel", [B], outs, [finding("std::mutex", 1, 1), finding("std::mutex", 1, 9)])
        self.assertEqual((s.raw_points, s.penalty, s.points), (3, 1, 2))
        s = score.score_exercise("channel", [B], outs, [finding("std::mutex", 2), finding("std::thread", 5)])
        self.assertEqual((s.penalty, s.points), (7, 0))

    def test_not_graded_scores_zero_with_full_maximum(self) -> None:
        outs = {("S.B", "tsan"): outcome("S.B", "tsan", "passed")}
        s = score.score_exercise("channel", [A, B], outs, graded=False)
        self.assertEqual((s.points, s.max_points), (0, 5))

    def test_pure(self) -> None:
        outs = {("S.A", "asan"): outcome("S.A", "asan", "passed"),
                ("S.A", "tsan"): outcome("S.A", "tsan", "passed")}
        before = copy.deepcopy(outs)
        first = score.score_exercise("channel", [A, B], outs)
        second = score.score_exercise("channel", [A, B], outs)
        self.assertEqual(first, second)
        self.assertEqual([(k, v.status) for k, v in outs.items()], [(k, v.status) for k, v in before.items()])


class CodeQuality(unittest.TestCase):
    OUTS = {("S.A", "asan"): outcome("S.A", "asan", "passed"), ("S.A", "tsan"): outcome("S.A", "tsan", "passed"),
            ("S.B", "tsan"): outcome("S.B", "tsan", "passed")}

    def test_each_warning_costs_its_share_of_the_quality_points(self) -> None:
        q = score.Quality(points=4, per_warning=1.5, warnings=2, checked=True)
        s = score.score_exercise("channel", [A, B], self.OUTS, quality=q)
        self.assertEqual((s.points, s.max_points), (5 + 1, 9))
        q = score.Quality(points=4, per_warning=1.5, warnings=9, checked=True)
        self.assertEqual(score.score_exercise("channel", [A, B], self.OUTS, quality=q).points, 5)

    def test_unchecked_quality_is_not_withheld_and_ungraded_code_earns_none(self) -> None:
        q = score.Quality(points=4, per_warning=1, warnings=0, checked=False)
        self.assertEqual(score.score_exercise("channel", [A, B], self.OUTS, quality=q).points, 9)
        self.assertEqual(score.score_exercise("channel", [A, B], {}, quality=q, graded=False).points, 0)
