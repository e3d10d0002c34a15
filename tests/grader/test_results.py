"""The canonical JSON shape and the terminal view of one results model."""

from __future__ import annotations

import io
import json
from pathlib import Path

from grader import feedback, run, score
from grader.export import canonical, terminal
from grader.kit import RubricTest
from grader.lint import Finding
from grader.results import SCHEMA, BuildSummary, ExerciseResult, Results
from tests.grader.helpers import TempDirTest

T1 = RubricTest("ChannelBasics.Send", "hidden", 2, "a value sent is received", ("asan", "tsan"), 30)
T2 = RubricTest("ChannelPublic.Fifo", "public", 1, "FIFO per producer", ("asan",), 30)
PATHS = feedback.PathMap(("/w/ws",), {"channel": ("channel.hpp",)})


def _results() -> Results:
    def o(t: RubricTest, c: str, status: str) -> run.Outcome:
        return run.Outcome(job=run.Job("channel", t.suite, t.id, c, Path("/b"), 30, 9), status=status,
                           reason="sanitizer report: data race" if status != "passed" else "passed",
                           details="WARNING: ThreadSanitizer: data race\n  #0 f /w/ws/exercises/channel/channel.hpp:4",
                           seed=9)
    outs = {(T1.id, "asan"): o(T1, "asan", "passed"), (T1.id, "tsan"): o(T1, "tsan", "sanitizer"),
            (T2.id, "asan"): o(T2, "asan", "passed")}
    findings = [Finding("channel.hpp", 3, "std::mutex m;", "std::mutex", "no locks", 1)]
    scored = score.score_exercise("channel", [T1, T2], outs, findings)
    runs = {t.id: {c: feedback.for_run(outs[(t.id, c)], PATHS, f"build/{c}/bin/x") for c in t.configs}
            for t in (T1, T2)}
    ex = ExerciseResult.from_score("Channel", scored, "graded",
                                   {"asan": BuildSummary("asan", True, 1.0), "tsan": BuildSummary("tsan", True, 2.0)},
                                   runs, [])
    return Results("grade", "sub.zip", ["asan", "tsan"], "2025-01-01T00:00:00+00:00",
                   "2025-01-01T00:01:00+00:00", 60.0, [ex], notes=["a note"])


class Canonical(TempDirTest):
    def test_shape(self) -> None:
        data = json.loads(canonical.dumps(_results()))
        self.assertEqual(data["schema"], SCHEMA)
        self.assertEqual(set(data), {"schema", "grader", "verb", "submission", "configs", "started_at",
                                     "finished_at", "duration_s", "score", "max_score", "notes",
                                     "environment", "exercises"})
        self.assertEqual((data["score"], data["max_score"]), (0.0, 3))  # 1 earned - 1 penalty
        ex = data["exercises"][0]
        self.assertEqual(ex["penalty"], 1)
        self.assertEqual(ex["findings"][0]["line"], 3)
        t1 = ex["tests"][0]
        self.assertEqual(set(t1), {"id", "suite", "points", "earned", "passed", "guarantee", "runs"})
        self.assertFalse(t1["passed"])
        tsan = t1["runs"]["tsan"]
        self.assertEqual(tsan["status"], "sanitizer")
        self.assertEqual(tsan["location"], "channel.hpp:4")
        self.assertEqual(tsan["rerun"], "LOCKSTEP_SEED=9 build/tsan/bin/x --gtest_filter=ChannelBasics.Send")
        self.assertIsNone(t1["runs"]["asan"]["rerun"])

    def test_written_atomically(self) -> None:
        path = canonical.write(_results(), self.tmp / "out")
        self.assertEqual(path.name, "result.json")
        self.assertEqual([p.name for p in (self.tmp / "out").iterdir()], ["result.json"])
        json.loads(path.read_text())


class Terminal(TempDirTest):
    def test_scorecard_names_guarantee_status_reason_and_rerun(self) -> None:
        text = terminal.render(_results(), colour=False)
        self.assertIn("channel: 0/3", text)
        self.assertIn("guarantee: a value sent is received", text)
        self.assertIn("asan: passed, tsan: sanitizer", text)
        self.assertIn("tsan: sanitizer report: data race", text)
        self.assertIn("rerun: LOCKSTEP_SEED=9", text)
        self.assertIn("forbidden APIs (-1)", text)
        self.assertNotIn("\033[", text)

    def test_colour_only_on_a_tty(self) -> None:
        buf = io.StringIO()
        terminal.print_scorecard(_results(), buf)
        self.assertNotIn("\033[", buf.getvalue())
        self.assertIn("\033[", terminal.render(_results(), colour=True))


class DiagnosisIsShown(TempDirTest):
    def test_terminal_and_json_name_the_bug_class_beside_the_failures(self) -> None:
        from grader.diagnosis import Diagnosis
        results = _results()
        results.exercises[0].diagnosis = Diagnosis("size_reads_without_lock", "data race: reads need locks", 0.8)
        text = terminal.render(results, colour=False)
        self.assertIn("this pattern usually means: data race: reads need locks", text)
        self.assertIn("sanitizer report: data race", text)  # the concrete failure is still there
        self.assertEqual(results.to_canonical()["exercises"][0]["diagnosis"],
                         {"hint": "data race: reads need locks", "similarity": 0.8})
        self.assertIsNone(_results().to_canonical()["exercises"][0]["diagnosis"])


class NotImplementedYet(TempDirTest):
    def test_a_skeleton_gets_one_clean_line_instead_of_a_failure_per_test(self) -> None:
        results = _results()
        for t in results.exercises[0].tests:
            for c, r in t.runs.items():
                if r is not None and r.status != "passed":
                    t.runs[c] = r.__class__(**{**r.__dict__, "status": "failed", "reason":
                                               'C++ exception with description "not implemented: channel: send" thrown'})
        text = terminal.render(results)
        self.assertIn("not implemented yet", text)
        self.assertIn("(channel: send)", text)
        self.assertNotIn("rerun:", text)
        self.assertIn("rerun:", terminal.render(_results()))  # a real failure keeps its details
