"""Small pure helpers of the pipeline: which tests run where."""

from __future__ import annotations

import unittest
from pathlib import Path
from unittest import mock

from grader import pipeline
from grader.errors import UsageError
from grader.kit import RubricTest
from grader.workspace import Workspace
from tests.grader.helpers import TempDirTest

A = RubricTest("S.A", "hidden", 2, "g", ("asan", "tsan"), 30)
P = RubricTest("S.P", "public", 1, "g", ("tsan",), 10)
R = RubricTest("S.R", "hidden", 1, "g", ("release",), 10)


class Restrict(unittest.TestCase):
    def test_suites_and_configs(self) -> None:
        chosen = pipeline.restrict([A, P, R], ["asan"], ("hidden", "public"))
        self.assertEqual([(t.id, t.configs) for t in chosen], [("S.A", ("asan",))])
        chosen = pipeline.restrict([A, P, R], ["asan", "tsan"], ("public",))
        self.assertEqual([t.id for t in chosen], ["S.P"])

    def test_jobs_without_a_binary_are_not_built(self) -> None:
        jobs = pipeline.make_jobs("channel", [A], pipeline.Built(), seed=42)
        self.assertEqual([(j.config, j.binary, j.seed) for j in jobs], [("asan", None, 42), ("tsan", None, 42)])

    def test_fresh_seeds_differ(self) -> None:
        seeds = {j.seed for j in pipeline.make_jobs("channel", [A] * 20, pipeline.Built(), seed=None)}
        self.assertGreater(len(seeds), 30)

    def test_parse_configs(self) -> None:
        self.assertEqual(pipeline.parse_configs("tsan, asan,tsan"), ["tsan", "asan"])
        self.assertEqual(pipeline.parse_configs(None), ["asan", "tsan"])
        with self.assertRaises(UsageError):
            pipeline.parse_configs("asan,msan")


class HiddenSourcesOf(TempDirTest):
    def setUp(self) -> None:
        super().setUp()
        hidden = self.tmp / "tests" / "hidden" / "ex"
        hidden.mkdir(parents=True)
        (hidden / "a_test.cpp").write_text("TEST(Alpha, One) {}\nTEST_F(AlphaFixture, Two) {}\n")
        (hidden / "b_test.cpp").write_text("  TEST( Beta , Three )\n{}\nTEST_P(Gamma, Four) {}\n")
        (hidden / "c_test.cpp").write_text("TEST_P(Delta, Five) {}\n"
                                           "INSTANTIATE_TEST_SUITE_P(Shapes, Delta,\n  testing::Values(1));\n")

    def test_maps_each_test_to_its_file(self) -> None:
        self.assertEqual(pipeline.hidden_sources_of(self.tmp, "ex", ["Beta.Three"]), ["b_test.cpp"])
        self.assertEqual(pipeline.hidden_sources_of(self.tmp, "ex", ["Beta.Three", "AlphaFixture.Two"]),
                         ["a_test.cpp", "b_test.cpp"])

    def test_a_parameterised_test_is_placed_where_it_is_instantiated(self) -> None:
        self.assertEqual(pipeline.hidden_sources_of(self.tmp, "ex", ["Shapes/Delta.Five/0", "Alpha.One"]),
                         ["a_test.cpp", "c_test.cpp"])
        self.assertIsNone(pipeline.hidden_sources_of(self.tmp, "ex", ["Other/Delta.Five/0"]))

    def test_a_test_it_cannot_place_means_build_everything(self) -> None:
        self.assertIsNone(pipeline.hidden_sources_of(self.tmp, "ex", ["Alpha.One", "Gamma.Four"]))
        self.assertIsNone(pipeline.hidden_sources_of(self.tmp, "ex", ["Nowhere.Test"]))
        self.assertIsNone(pipeline.hidden_sources_of(self.tmp, "ex", ["Gamma/Gamma.Four/1"]))


def two_exercises(tmp: Path) -> Workspace:
    """A work area whose source holds the hidden tests of exercises ex and other."""
    for ex, files in (("ex", {"a_test.cpp": "TEST(Alpha, One) {}\n", "b_test.cpp": "TEST(Beta, Two) {}\n"}),
                      ("other", {"c_test.cpp": "TEST_P(Gamma, Three) {}\n"})):
        d = tmp / "tests" / "hidden" / ex
        d.mkdir(parents=True)
        for name, text in files.items():
            (d / name).write_text(text)
    ws = Workspace(tmp / "work")
    (tmp / "work").mkdir()
    (tmp / "work" / "ws").symlink_to(tmp)
    return ws


class ConfigTargets(TempDirTest):
    """Each configuration builds only the suites and hidden files that hold its tests."""

    def setUp(self) -> None:
        super().setUp()
        self.ws = two_exercises(self.tmp)

    def test_a_config_builds_the_files_and_suites_its_tests_need(self) -> None:
        tests = {"ex": [RubricTest("Alpha.One", "hidden", 1, "g", ("asan", "release"), 30),
                        RubricTest("Beta.Two", "hidden", 1, "g", ("asan",), 30),
                        RubricTest("ExPublic.P", "public", 1, "g", ("asan",), 30)]}
        suites = ["hidden", "public"]
        self.assertEqual(pipeline.config_targets(self.ws, ["ex"], suites, "release", tests),
                         (["ex_hidden_test"], ["a_test.cpp"]))
        self.assertEqual(pipeline.config_targets(self.ws, ["ex"], suites, "asan", tests),
                         (["ex_hidden_test", "ex_public_test"], ["a_test.cpp", "b_test.cpp"]))
        self.assertEqual(pipeline.config_targets(self.ws, ["ex"], suites, "tsan", tests), ([], []))

    def test_without_tests_or_with_a_test_it_cannot_place_everything_is_built(self) -> None:
        self.assertEqual(pipeline.config_targets(self.ws, ["ex"], ["hidden", "public"], "tsan", None),
                         (["ex_hidden_test", "ex_public_test"], None))
        tests = {"other": [RubricTest("Nowhere/Gamma.Three/0", "hidden", 1, "g", ("tsan",), 30)]}
        self.assertEqual(pipeline.config_targets(self.ws, ["other"], ["hidden"], "tsan", tests),
                         (["other_hidden_test"], None))


class Prebuild(TempDirTest):
    """A later stage's student-independent targets are built ahead, once per build dir."""

    def setUp(self) -> None:
        super().setUp()
        self.ws = two_exercises(self.tmp)

    def prebuilt_targets(self, configured: bool) -> list[tuple[list[str], bool]]:
        calls: list[tuple[list[str], bool]] = []

        def fake_build(*args: object, **kwargs: object) -> None:
            calls.append((list(args[4]), bool(kwargs.get("background"))))  # type: ignore[call-overload]

        def fake_configure(source: Path, build_dir: Path, *_: object, **__: object) -> str:
            build_dir.mkdir(parents=True, exist_ok=True)
            (build_dir / "CMakeCache.txt").write_text("LOCKSTEP_PCH:BOOL=ON\n")
            return ""

        tests = {"ex": [RubricTest("Alpha.One", "hidden", 1, "g", ("asan",), 30)]}
        with mock.patch.object(pipeline.build_mod, "is_configured", lambda *a, **k: configured), \
                mock.patch.object(pipeline.build_mod, "configure", fake_configure), \
                mock.patch.object(pipeline.build_mod, "build", fake_build):
            pipeline.prebuild(self.ws, ["ex"], ["hidden"], "asan", tests)
        return calls

    def test_a_fresh_build_dir_gets_its_harness_and_header_at_the_lowest_priority(self) -> None:
        self.assertEqual(self.prebuilt_targets(configured=False),
                         [([pipeline.HARNESS_TARGET, pipeline.SHIM_TARGET, pipeline.PCH_TARGET], True)])

    def test_a_build_dir_a_grade_has_built_in_is_left_alone(self) -> None:
        self.assertEqual(self.prebuilt_targets(configured=True), [])
