"""Sharing the machine: heavy work runs side by side, a timing waits for it to end and
holds new heavy work back until the timing is done."""

from __future__ import annotations

import fcntl
import os
import tempfile
import threading
import time
import unittest
from pathlib import Path
from unittest import mock

from grader import machine, run

WAIT_S = 10.0   # generous: only a broken lock makes any of these waits run out


class MachineLock(unittest.TestCase):
    def setUp(self) -> None:
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        patcher = mock.patch.object(machine, "LOCK_DIR", Path(tmp.name))
        patcher.start()
        self.addCleanup(patcher.stop)

    def in_thread(self, ctx_factory, entered: threading.Event, release: threading.Event) -> threading.Thread:
        def body() -> None:
            with ctx_factory():
                entered.set()
                release.wait(WAIT_S)
        t = threading.Thread(target=body)
        t.start()
        self.addCleanup(t.join, WAIT_S)
        self.addCleanup(release.set)
        return t

    def wait_until_turnstile_shut(self) -> bool:
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline:
            fd = os.open(machine.LOCK_DIR / machine.TURNSTILE, os.O_RDONLY | os.O_CREAT, 0o666)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            finally:
                os.close(fd)
            time.sleep(0.01)
        return False

    def test_heavy_work_runs_side_by_side(self) -> None:
        first, second, release = threading.Event(), threading.Event(), threading.Event()
        self.in_thread(machine.busy, first, release)
        self.assertTrue(first.wait(WAIT_S))
        self.in_thread(machine.busy, second, release)
        self.assertTrue(second.wait(WAIT_S), "a second build waited for the first")

    def test_a_timing_waits_for_heavy_work_in_progress_and_holds_new_work_back(self) -> None:
        build, build_done = threading.Event(), threading.Event()
        self.in_thread(machine.busy, build, build_done)
        self.assertTrue(build.wait(WAIT_S))

        timing, timing_done = threading.Event(), threading.Event()
        self.in_thread(machine.quiet, timing, timing_done)
        self.assertTrue(self.wait_until_turnstile_shut(), "the waiting timing left the turnstile open")
        later_build, later_done = threading.Event(), threading.Event()
        self.in_thread(machine.busy, later_build, later_done)
        self.assertFalse(timing.wait(0.3), "the timing started while a build was running")

        build_done.set()
        self.assertTrue(timing.wait(WAIT_S), "the timing never started after the build ended")
        self.assertFalse(later_build.is_set(), "a build started while the timing ran")
        timing_done.set()
        self.assertTrue(later_build.wait(WAIT_S), "the held-back build never ran")

    def test_one_timing_at_a_time(self) -> None:
        first, first_done = threading.Event(), threading.Event()
        self.in_thread(machine.quiet, first, first_done)
        self.assertTrue(first.wait(WAIT_S))
        second, second_done = threading.Event(), threading.Event()
        self.in_thread(machine.quiet, second, second_done)
        self.assertFalse(second.wait(0.3))
        first_done.set()
        self.assertTrue(second.wait(WAIT_S))

    def test_a_timing_waits_for_the_test_process_running_not_for_its_whole_batch(self) -> None:
        first_runs, first_may_end = threading.Event(), threading.Event()
        started: list[str] = []

        def fake_run_one(job: run.Job, *args: object) -> run.Outcome:
            started.append(job.test)
            if job.test == "S.First":
                first_runs.set()
                first_may_end.wait(WAIT_S)
            return run.Outcome(job=job, status="passed")

        jobs = [run.Job("ex", "hidden", t, "tsan", None, 30, 1) for t in ("S.First", "S.Second")]
        with mock.patch.object(run, "run_one", fake_run_one):
            batch = threading.Thread(target=run.run_jobs, args=(jobs,), kwargs={"parallel": 1})
            batch.start()
            self.addCleanup(batch.join, WAIT_S)
            self.assertTrue(first_runs.wait(WAIT_S))
            timing, timing_done = threading.Event(), threading.Event()
            self.in_thread(machine.quiet, timing, timing_done)
            self.assertTrue(self.wait_until_turnstile_shut())
            self.assertFalse(timing.wait(0.3), "the timing started while a test process ran")
            first_may_end.set()
            self.assertTrue(timing.wait(WAIT_S), "the timing waited for the rest of the batch")
            self.assertEqual(started, ["S.First"], "a test process started while the timing ran")
            timing_done.set()
            batch.join(WAIT_S)
        self.assertEqual(started, ["S.First", "S.Second"])

    def test_an_unusable_lock_dir_does_not_stop_grading(self) -> None:
        with mock.patch.object(machine, "LOCK_DIR", Path("/nonexistent/lockstep")):
            with machine.busy(), machine.quiet():
                pass


if __name__ == "__main__":
    unittest.main()
