"""Diagnosis from mutant signatures: features, similarity, the threshold, the files."""

from __future__ import annotations

import unittest

from grader import diagnosis, score
from grader.kit import RubricTest
from grader.run import Job, Outcome
from tests.grader.helpers import TempDirTest

A = RubricTest("S.A", "hidden", 2, "g", ("asan", "tsan"), 30)
B = RubricTest("S.B", "hidden", 1, "g", ("tsan",), 30)
P = RubricTest("S.P", "public", 1, "g", ("tsan",), 30)


def outcome(test: str, config: str, status: str, sanitizer: str | None = None) -> Outcome:
    job = Job("ex", "hidden", test, config, None, 30, 1)
    return Outcome(job=job, status=status, reason="r", sanitizer=sanitizer)


def scored(*outcomes: Outcome, tests: tuple[RubricTest, ...] = (A, B, P)) -> score.ExerciseScore:
    return score.score_exercise("ex", tests, {(o.job.test, o.job.config): o for o in outcomes})


def sig(name: str, feats: frozenset[str], hint: str = "a hint",
        core: frozenset[str] = frozenset(), seen: frozenset[str] = frozenset()) -> diagnosis.Signature:
    return diagnosis.Signature("ex", name, hint, feats, core, seen)


class Features(unittest.TestCase):
    def test_failed_tests_and_how_they_failed(self) -> None:
        s = scored(outcome("S.A", "asan", "passed"), outcome("S.A", "tsan", "sanitizer", "data race"),
                   outcome("S.B", "tsan", "timeout"), outcome("S.P", "tsan", "passed"))
        self.assertEqual(diagnosis.run_features(s),
                         {"S.A", "S.A#data race", "S.B", "S.B#timeout"})

    def test_every_memory_error_is_one_class_and_races_leaks_and_tsan_protocol_reports_keep_theirs(self) -> None:
        for kind in ("asan:heap-use-after-free", "asan:SEGV (invalid memory access)", "asan:attempting",
                     "asan:undefined behaviour: member call on null pointer of type 'Q'",
                     "tsan:heap-use-after-free", "memory error"):
            self.assertEqual(diagnosis.kind_class(kind), "memory error", kind)
        self.assertEqual(diagnosis.kind_class("tsan:data race"), "data race")
        self.assertEqual(diagnosis.kind_class("asan:leak"), "leak")
        for kind in ("tsan:lock-order-inversion (potential deadlock)", "tsan:thread leak", "timeout",
                     "crashed", "failed"):
            self.assertEqual(diagnosis.kind_class(kind), kind)

    def test_correct_code_has_no_features_and_no_diagnosis(self) -> None:
        s = scored(outcome("S.A", "asan", "passed"), outcome("S.A", "tsan", "passed"),
                   outcome("S.B", "tsan", "passed"), outcome("S.P", "tsan", "passed"))
        self.assertEqual(diagnosis.run_features(s), frozenset())
        self.assertIsNone(diagnosis.diagnose_score(s, [sig("m", frozenset({"S.A"}))]))


class Diagnose(unittest.TestCase):
    def test_the_closest_signature_above_the_threshold_wins(self) -> None:
        run = frozenset({"S.A", "S.A#failed", "S.B", "S.B#timeout"})
        near = sig("near", frozenset({"S.A", "S.A#failed", "S.B", "S.B#failed"}))   # 3/5
        exact = sig("exact", run)
        self.assertEqual(diagnosis.diagnose(run, [near, exact]).mutant, "exact")
        d = diagnosis.diagnose(run, [near])
        self.assertIsNotNone(d)
        self.assertAlmostEqual(d.similarity, 0.6)

    def test_below_the_threshold_nothing_is_said(self) -> None:
        run = frozenset({"S.A", "S.A#failed"})
        far = sig("far", frozenset({"S.A", "S.A#timeout", "S.B", "S.B#timeout"}))  # 1/5
        self.assertIsNone(diagnosis.diagnose(run, [far]))

    def test_a_race_that_shows_only_its_core_in_one_run_is_still_diagnosed(self) -> None:
        # The mutant loses a wakeup (S.A) in every run and times out S.B in some.
        core = frozenset({"S.A", "S.A#failed"})
        m = sig("lost_wakeup", core | {"S.B", "S.B#timeout"}, core=core)
        self.assertEqual(diagnosis.diagnose(core, [m]).similarity, 1.0)
        self.assertEqual(diagnosis.diagnose(m.features, [m]).similarity, 1.0)
        # Plain Jaccard (no core recorded) would hold the run to every feature: 2/4.
        self.assertIsNone(diagnosis.diagnose(core, [sig("old", m.features)]))

    def test_failures_the_mutant_never_shows_or_a_missing_core_lower_the_score(self) -> None:
        core = frozenset({"S.A", "S.A#failed"})
        m = sig("m", core | {"S.B", "S.B#timeout"}, core=core)
        # A test the mutant never failed is one mismatch, however it failed: 2 of 3.
        extra = core | {"S.P", "S.P#failed", "S.P#timeout"}
        self.assertAlmostEqual(diagnosis.similarity(extra, m), 2 / 3)
        # A known test failing in a way the mutant never showed is a mismatch of its own: 3 of 4.
        self.assertAlmostEqual(diagnosis.similarity(core | {"S.B", "S.B#failed"}, m), 3 / 4)
        self.assertEqual(diagnosis.similarity(frozenset({"S.B", "S.B#timeout"}), m), 0.5)

    def test_what_the_mutant_showed_in_any_run_is_no_mismatch(self) -> None:
        # The mutant frees a buffer thieves still read: a race report in every run, and in
        # one of four runs also a crash.
        core = frozenset({"S.A", "S.A#data race"})
        m = diagnosis.from_runs("ex", "m", "hint", [core, core, core, core | {"S.A#crashed"}])
        self.assertEqual(m.features, core)
        self.assertEqual(diagnosis.similarity(core | {"S.A#crashed"}, m), 1.0)
        self.assertAlmostEqual(diagnosis.similarity(core | {"S.A#memory error"}, m), 2 / 3)

    def test_check_compares_only_the_tests_it_ran(self) -> None:
        full = sig("m", frozenset({"S.A", "S.A#failed", "S.P", "S.P#failed"}))
        public_only = scored(outcome("S.P", "tsan", "failed"), tests=(P,))
        d = diagnosis.diagnose_score(public_only, [full])
        self.assertIsNotNone(d)
        self.assertEqual((d.mutant, d.similarity), ("m", 1.0))

    def test_a_race_that_corrupts_memory_differently_in_each_run_is_diagnosed_from_the_other_runs(self) -> None:
        # Under ASan the racy mutant's test failed with a different report in each run.
        reports = ("undefined behaviour: member call on null pointer", "SEGV (invalid memory access)",
                   "heap-use-after-free")
        runs = [diagnosis.run_features(scored(outcome("S.A", "tsan", "sanitizer", "data race"),
                                              outcome("S.A", "asan", "sanitizer", r))) for r in reports]
        for i, run in enumerate(runs):
            others = diagnosis.from_runs("ex", "m", "hint", runs[:i] + runs[i + 1:])
            self.assertEqual(diagnosis.similarity(run, others), 1.0)

    def test_stable_features_are_those_of_at_least_half_the_runs(self) -> None:
        runs = [frozenset({"x", "y"}), frozenset({"x"}), frozenset({"x", "z"}), frozenset({"x", "y"})]
        self.assertEqual(diagnosis.stable_features(runs), {"x", "y"})


class Files(TempDirTest):
    def test_round_trip(self) -> None:
        runs = [frozenset({"S.A", "S.A#failed", "S.B"}), frozenset({"S.A", "S.A#failed"})]
        diagnosis.save(self.tmp, "ex", "m", runs)
        loaded = diagnosis.load(self.tmp, "ex", "m", "hint")
        self.assertEqual(loaded, sig("m", frozenset({"S.A", "S.A#failed", "S.B"}), "hint",
                                     core=frozenset({"S.A", "S.A#failed"}),
                                     seen=frozenset({"S.A", "S.A#failed", "S.B"})))

    def test_a_file_recorded_without_seen_takes_it_from_its_runs(self) -> None:
        (self.tmp / diagnosis.SIGNATURE_FILE).write_text(
            '{"schema": "lockstep.signature/1", "features": ["S.A"], "core": ["S.A"], '
            '"run_features": [["S.A"], ["S.A", "S.A#asan:SEGV"], ["S.A"]]}')
        loaded = diagnosis.load(self.tmp, "ex", "m", "hint")
        self.assertEqual(loaded.seen, {"S.A", "S.A#memory error"})

    def test_a_file_without_a_core_compares_by_jaccard(self) -> None:
        (self.tmp / diagnosis.SIGNATURE_FILE).write_text(
            '{"schema": "lockstep.signature/1", "features": ["S.A", "S.B"]}')
        loaded = diagnosis.load(self.tmp, "ex", "m", "hint")
        self.assertEqual(loaded.required, {"S.A", "S.B"})
        self.assertAlmostEqual(diagnosis.similarity(frozenset({"S.A"}), loaded), 0.5)

    def test_a_file_recorded_with_the_reports_themselves_reads_as_their_classes(self) -> None:
        (self.tmp / diagnosis.SIGNATURE_FILE).write_text(
            '{"schema": "lockstep.signature/1", "features": ["S.A", "S.A#asan:heap-use-after-free", '
            '"S.A#asan:SEGV (invalid memory access)", "S.A#tsan:data race"], '
            '"core": ["S.A", "S.A#tsan:data race"]}')
        loaded = diagnosis.load(self.tmp, "ex", "m", "hint")
        self.assertEqual(loaded, sig("m", frozenset({"S.A", "S.A#memory error", "S.A#data race"}), "hint",
                                     core=frozenset({"S.A", "S.A#data race"})))

    def test_a_missing_or_foreign_file_is_no_signature(self) -> None:
        self.assertIsNone(diagnosis.load(self.tmp, "ex", "m", "hint"))
        (self.tmp / diagnosis.SIGNATURE_FILE).write_text('{"schema": "other", "features": []}')
        self.assertIsNone(diagnosis.load(self.tmp, "ex", "m", "hint"))
        (self.tmp / diagnosis.SIGNATURE_FILE).write_text("not json")
        self.assertIsNone(diagnosis.load(self.tmp, "ex", "m", "hint"))


if __name__ == "__main__":
    unittest.main()
