"""End to end: a hostile channel submission is graded without harm (issue: the spine).

Builds the public tests against tests/grader/hostile/channel/channel.hpp under asan and
grades them. Each public test there meets one trick: an infinite loop in send, exit(0) in
the middle of a test, fake gtest pass lines followed by _exit(0), and fork in a loop.
Each must end as that test failed with a clear reason, while the one honest test still
passes and no process of the sandbox is left behind. Tests run one at a time here:
without CPU cgroups, a fork loop slows whatever test runs beside it until the sweep that
follows its own test. The honest test peeks for the hidden tests two folders above its
header and passes only if the sandbox hid them. Slow (a C++ build): ctest runs it
as its own entry; `python3 -m unittest tests.grader.e2e_hostile` runs it by hand.
"""

from __future__ import annotations

import contextlib
import fcntl
import io
import json
import os
import tempfile
import unittest
from pathlib import Path

from grader import cli, sandbox

KIT = Path(__file__).resolve().parents[2]
HOSTILE = Path(__file__).resolve().parent / "hostile"

EXPECTED = {
    "ChannelPublic.SendThenRecvReturnsTheSameValue": ("timeout", "deadlock or livelock suspected"),
    "ChannelPublic.OneProducerOrderIsKept": ("no_record", "exited with status 0 without reporting"),
    "ChannelPublic.TrySendOnAFullChannelReportsFull": ("no_record", "exited with status 0 without reporting"),
    # A thousand spinning children can starve the watchdog thread; then the grader's own
    # wall-clock limit ends the test.
    "ChannelPublic.CloseLetsReceiversDrainThenEnds": ("timeout", "deadlock or livelock suspected|wall-clock"),
}


def leased(uid: int) -> bool:
    """Whether a grader (another one on this machine) holds this sandbox uid right now."""
    path = sandbox._UID_LOCKS / f"{uid}.lock"
    if not path.exists():
        return False
    with open(path, "a") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(f, fcntl.LOCK_UN)
        return False


def sandbox_processes_left() -> list[int]:
    """Pids of processes still running as a sandbox uid that no grader holds (processes of
    another grader's running test are not leftovers)."""
    left = []
    low, high = sandbox.slot_uid(0), sandbox.slot_uid(sandbox.UID_RANGE - 1)
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                uid = entry.stat().st_uid
                if low <= uid <= high and not leased(uid):
                    left.append(int(entry.name))
    return left


class HostileChannelSubmission(unittest.TestCase):
    def test_every_trick_fails_its_test_and_nothing_else(self) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "out"
            stdout = io.StringIO()
            with contextlib.redirect_stdout(stdout):
                code = cli.main(["grade", str(HOSTILE), "--kit", str(KIT), "--work", str(Path(tmp) / "work"),
                                 "--exercise", "channel", "--configs", "asan", "--suites", "public",
                                 "--out", str(out), "-q",
                                 # One test at a time: a fork loop starves whatever runs beside
                                 # it until the sweep after its test ends (no cgroups yet).
                                 "--jobs", "1"])
            self.assertEqual(code, 0, stdout.getvalue())
            result = json.loads((out / "result.json").read_text())

        channel = next(e for e in result["exercises"] if e["name"] == "channel")
        tests = {t["id"]: t for t in channel["tests"]}
        for test_id, (status, reason) in EXPECTED.items():
            run = tests[test_id]["runs"]["asan"]
            with self.subTest(test=test_id):
                self.assertEqual(run["status"], status, run["reason"])
                self.assertRegex(run["reason"], reason)
                self.assertEqual(tests[test_id]["earned"], 0)
        # The honest test also looks for the hidden tests beside its header and aborts
        # when it can read them: it passes only where the sandbox hides the work area.
        honest = tests["ChannelPublic.OneProducerOneConsumerTransferEverything"]
        if os.geteuid() == 0 and sandbox.path_hiding():
            self.assertTrue(honest["passed"], honest["runs"]["asan"]["reason"])
            self.assertEqual(channel["score"], honest["points"])
        if os.geteuid() == 0:
            self.assertEqual(sandbox_processes_left(), [], "the fork loop left processes behind")


if __name__ == "__main__":
    unittest.main()
