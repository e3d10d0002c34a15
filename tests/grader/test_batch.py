"""Batch grading and the gradebook, with a stand-in for the C++ grading (which the e2e
tests cover): shards partition a class, a rerun skips finished students, kill -9 at any
moment loses nothing and regrades nothing finished, and sharded runs merge into exactly
the gradebook of one uninterrupted run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from grader.commands import batch, gradebook
from grader.errors import UsageError
from grader.export.files import write_atomically
from grader.progress import Progress
from tests.grader.helpers import TempDirTest

KIT = Path(__file__).resolve().parents[2]
STUDENTS = 30


def make_class(root: Path) -> Path:
    """30 submissions: mixtures of reference, skeleton and mutant channels, by score."""
    subs = root / "submissions"
    for i in range(STUDENTS):
        kind = ("reference", "skeleton", "mutant")[i % 3]
        d = subs / f"student{i:02d}" / "channel"
        d.mkdir(parents=True)
        (d / "channel.hpp").write_text(f"// {kind} {i}\n")
    return subs


def fake_grade(entry: Path, out: Path, work: Path, jobs: int, delay: float = 0.0) -> None:
    """Deterministic stand-in for pipeline.evaluate: the score follows the kind."""
    text = (entry / "channel" / "channel.hpp").read_text()
    kind = text.split()[1]
    score = {"reference": 103, "skeleton": 0, "mutant": 76}[kind]
    tests = [{"id": "ChannelBasics.A", "suite": "hidden", "earned": 2 if score else 0, "passed": bool(score)},
             {"id": "ChannelClose.B", "suite": "hidden", "earned": 0 if score < 103 else 1,
              "passed": score == 103}]
    data = {"score": score, "max_score": 103, "duration_s": time.time(),
            "exercises": [{"name": "channel", "score": score, "max_score": 103, "penalty": 0, "tests": tests,
                           "diagnosis": {"hint": "lost wakeup"} if kind == "mutant" else None}]}
    time.sleep(delay)
    with open(out.parent.parent / "graded.log", "a") as log:
        log.write(entry.name + "\n")
    out.mkdir(parents=True, exist_ok=True)
    write_atomically(out / batch.RESULT, json.dumps(data))


def run_fake(subs: Path, out: Path, shard: str | None = None, delay: float = 0.0) -> None:
    entries = batch.my_share(batch.submissions(subs), batch.parse_shard(shard))
    out.mkdir(parents=True, exist_ok=True)
    _, _, failures = batch.run_batch(entries, out, out.parent / "work", 2,
                                     lambda e, o, w, j: fake_grade(e, o, w, j, delay), Progress(quiet=True), 1)
    assert not failures, failures


class Shards(TempDirTest):
    def test_shards_partition_the_class(self) -> None:
        entries = batch.submissions(make_class(self.tmp))
        parts = [batch.my_share(entries, (i, 3)) for i in (1, 2, 3)]
        self.assertEqual(sorted(p for part in parts for p in part), entries)
        self.assertEqual(sum(len(p) for p in parts), STUDENTS)

    def test_bad_shards_and_duplicate_students_are_refused(self) -> None:
        for bad in ("0/3", "4/3", "x", "1/0"):
            with self.assertRaises(UsageError):
                batch.parse_shard(bad)
        subs = make_class(self.tmp)
        (subs / "student00.zip").write_bytes(b"")
        with self.assertRaises(UsageError):
            batch.submissions(subs)


class Gradebook(TempDirTest):
    def test_three_shards_merge_into_the_single_run_gradebook(self) -> None:
        subs = make_class(self.tmp)
        single, sharded = self.tmp / "single" / "out", self.tmp / "sharded" / "out"
        run_fake(subs, single)
        for i in (1, 2, 3):
            run_fake(subs, sharded, f"{i}/3")
        rows_a, raw_a = gradebook.load(single)
        rows_b, raw_b = gradebook.load(sharded)
        self.assertEqual(gradebook.to_csv(rows_a), gradebook.to_csv(rows_b))
        self.assertEqual(gradebook.to_html(rows_a, raw_a), gradebook.to_html(rows_b, raw_b))
        csv_text = gradebook.to_csv(rows_a)
        self.assertEqual(csv_text.splitlines()[0],
                         "student,total,max,channel,channel:public,channel:hidden,channel:quality,"
                         "channel:performance,channel:penalty")
        self.assertIn("student01,0,103,0,0,0,0,0,0", csv_text)
        page = gradebook.to_html(rows_a, raw_a)
        self.assertIn("<svg", page)
        self.assertIn("ChannelClose.B</code>: 20 of 30", page)
        self.assertIn("lost wakeup: 10", page)

    def test_a_rerun_skips_finished_students(self) -> None:
        subs = make_class(self.tmp)
        out = self.tmp / "run" / "out"
        run_fake(subs, out)
        log = self.tmp / "run" / "graded.log"
        self.assertEqual(len(log.read_text().split()), STUDENTS)
        run_fake(subs, out)
        self.assertEqual(len(log.read_text().split()), STUDENTS)


class KillNine(TempDirTest):
    def test_killed_twice_then_rerun_gives_the_uninterrupted_gradebook(self) -> None:
        subs = make_class(self.tmp)
        out = self.tmp / "run" / "out"
        code = ("import sys; from pathlib import Path; from tests.grader.test_batch import run_fake; "
                "run_fake(Path(sys.argv[1]), Path(sys.argv[2]), delay=0.05)")
        finished_before: set[str] = set()
        for kill_at in (5, 12):   # results on disk when the kill comes
            proc = subprocess.Popen([sys.executable, "-c", code, str(subs), str(out)], cwd=KIT,
                                    start_new_session=True)
            deadline = time.monotonic() + 120
            while len(list(out.glob("*/result.json"))) < kill_at and time.monotonic() < deadline:
                time.sleep(0.01)
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            done = {p.parent.name for p in out.glob("*/result.json")}
            self.assertTrue(finished_before <= done)
            finished_before = done
        self.assertLess(len(finished_before), STUDENTS)   # really interrupted
        log = self.tmp / "run" / "graded.log"
        log.unlink(missing_ok=True)
        run_fake(subs, out)
        regraded = set(log.read_text().split())
        self.assertEqual(regraded & finished_before, set())               # nothing finished is redone
        self.assertEqual(regraded | finished_before, {f"student{i:02d}" for i in range(STUDENTS)})
        for p in out.glob("*/result.json"):
            json.loads(p.read_text())                                     # no half-written file
        reference = self.tmp / "clean" / "out"
        run_fake(subs, reference)
        self.assertEqual(gradebook.to_csv(gradebook.load(out)[0]), gradebook.to_csv(gradebook.load(reference)[0]))
