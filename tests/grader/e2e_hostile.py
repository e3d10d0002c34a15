"""End to end: hostile and broken submissions are graded without harm (issue: the classroom).

tests/grader/hostile/ holds two channel submissions built against the public tests under
asan, one attack per public test:
- tricks/: an infinite loop in send, exit(0) in the middle of a test, fake gtest pass
  lines followed by _exit(0), fork in a loop, and one honest test that peeks for the
  hidden tests two folders above its header (it passes only if the sandbox hid them);
- resources/: a gigabyte of output, a 10 GB file, memory until something gives, killing
  its parent and every process it may signal, and an honest test that connects to a
  loopback port this test listens on and writes beside its own header (it passes only
  if the sandbox blocks both).
Each attack must end as that test failed with a clear reason, no process of the sandbox
may be left behind, and the kit must be unchanged. Broken submissions (built here: an
empty one, a missing file, an include of the hidden tests, a computed include, a compile
error, a zip-slip archive, a symlink, an archive bomb, a non-UTF-8 file name) must each
get a message that says what happened and a zero, the grader finishing normally. Tests
run one at a time here: without CPU cgroups, a fork loop slows whatever test runs beside
it until the sweep that follows its own test. Slow (C++ builds): ctest runs it as its own
entry; `python3 -m unittest tests.grader.e2e_hostile` runs it by hand.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import io
import json
import os
import socket
import tarfile
import tempfile
import unittest
import zipfile
from pathlib import Path
from typing import Any

from grader import cli, sandbox
from grader.workspace import kit_files

KIT = Path(__file__).resolve().parents[2]
HOSTILE = Path(__file__).resolve().parent / "hostile"   # one folder per submission

PORT = 47913  # resources/channel/channel.hpp connects here

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


RESOURCE_ATTACKS = {
    "ChannelPublic.SendThenRecvReturnsTheSameValue": ("crashed", "SIGXFSZ .output or file size limit"),
    "ChannelPublic.OneProducerOrderIsKept": ("crashed", "SIGXFSZ .output or file size limit"),
    # On a loaded machine 4 GiB of page faults can outlast the test's deadline; either
    # way the hoard ends as a failed test (the cap itself: test_sandbox, at 256 MiB).
    "ChannelPublic.TrySendOnAFullChannelReportsFull": ("crashed|timeout",
                                                       "more than 4 GiB|deadlock or livelock|wall-clock"),
}
# These attack the grader and then behave: they pass when the attack found nothing to hit
# (the kill: the grader runs as another uid; the network and the writes: blocked).
HONEST_WHEN_SANDBOXED = ("ChannelPublic.CloseLetsReceiversDrainThenEnds",
                         "ChannelPublic.OneProducerOneConsumerTransferEverything")


def kit_snapshot() -> dict[str, str]:
    """Content hashes of the kit files a channel grade reads: nothing may change them."""
    paths = ("CMakeLists.txt", "CMakePresets.json", "cmake", "harness", "grader", "exercises/channel",
             "tests/hidden/channel", "solutions/channel")
    return {rel: hashlib.sha256(p.read_bytes()).hexdigest() for rel, p in sorted(kit_files(KIT, paths).items())}


def grade(submission: Path, tmp: Path, configs: str = "asan", extra: tuple[str, ...] = ()) -> dict[str, Any]:
    out = tmp / "out"
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout):
        code = cli.main(["grade", str(submission), "--kit", str(KIT), "--work", str(tmp / "work"),
                         "--exercise", "channel", "--configs", configs, "--suites", "public",
                         "--out", str(out), "-q",
                         # One test at a time: a fork loop starves whatever runs beside
                         # it until the sweep after its test ends (no cgroups yet).
                         "--jobs", "1", *extra])
    assert code == 0, stdout.getvalue()
    return json.loads((out / "result.json").read_text())


class HostileChannelSubmission(unittest.TestCase):
    def test_every_trick_fails_its_test_and_nothing_else(self) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            result = grade(HOSTILE / "tricks", Path(tmp))

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


    @unittest.skipUnless(os.geteuid() == 0, "without root the tests run as the grader's own uid, "
                                             "which the kill(-1) attack would kill with them")
    def test_resource_attacks_end_as_failed_tests_and_change_nothing(self) -> None:
        before = kit_snapshot()
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listening = True
        try:
            listener.bind(("127.0.0.1", PORT))
            listener.listen(8)
            listener.setblocking(False)
        except OSError:
            listening = False  # the port is taken: the network check proves nothing here
        try:
            with tempfile.TemporaryDirectory() as tmp:
                result = grade(HOSTILE / "resources", Path(tmp))
                header = Path(tmp) / "work" / "ws" / "exercises" / "channel" / "channel.hpp"
                submitted = (HOSTILE / "resources" / "channel" / "channel.hpp").read_bytes()
                self.assertEqual(header.read_bytes(), submitted, "a test rewrote its header")
                self.assertFalse((header.parent / "planted.txt").exists())
                self.assertLess((Path(tmp) / "out" / "result.json").stat().st_size, 2 << 20)
            reached = False
            if listening:
                with contextlib.suppress(BlockingIOError):
                    listener.accept()
                    reached = True
        finally:
            listener.close()

        channel = next(e for e in result["exercises"] if e["name"] == "channel")
        tests = {t["id"]: t for t in channel["tests"]}
        for test_id, (status, reason) in RESOURCE_ATTACKS.items():
            run = tests[test_id]["runs"]["asan"]
            with self.subTest(test=test_id):
                self.assertRegex(run["status"], f"^({status})$", run["reason"])
                self.assertRegex(run["reason"], reason)
                self.assertEqual(tests[test_id]["earned"], 0)
        if sandbox.path_hiding() and sandbox.network_isolation():
            for test_id in HONEST_WHEN_SANDBOXED:
                with self.subTest(test=test_id):
                    self.assertTrue(tests[test_id]["passed"], tests[test_id]["runs"]["asan"]["reason"])
            self.assertFalse(reached, "a test reached a loopback port outside its sandbox")
        self.assertEqual(sandbox_processes_left(), [], "a test left processes behind")
        self.assertEqual(kit_snapshot(), before, "grading changed the kit")


def _zip(path: Path, entries: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        for name, data in entries.items():
            z.writestr(name, data)
    return path


class BrokenSubmissions(unittest.TestCase):
    """Each broken submission: the grader finishes, says what happened, scores zero and
    writes nothing outside its work area."""

    def test_each_gets_a_message_and_a_zero(self) -> None:
        header = (KIT / "solutions" / "channel" / "channel.hpp").read_text()
        with tempfile.TemporaryDirectory() as tmp_name:
            tmp = Path(tmp_name)
            cases: dict[str, tuple[Path, str]] = {}

            def folder(name: str, files: dict[str, str]) -> Path:
                root = tmp / "subs" / name
                for rel, text in files.items():
                    (root / rel).parent.mkdir(parents=True, exist_ok=True)
                    (root / rel).write_text(text)
                root.mkdir(parents=True, exist_ok=True)
                return root

            cases["empty"] = (folder("empty", {}), "missing channel/channel.hpp")
            cases["wrong file"] = (folder("wrong", {"channel/chanel.hpp": header}), "missing channel/channel.hpp")
            cases["include of hidden tests"] = (folder("peek", {"channel/channel.hpp": header.replace(
                "#include <utility>", '#include <utility>\n#include "../../tests/hidden/channel/channel_test_support.hpp"')}),
                "a path outside the submission")
            cases["computed include"] = (folder("computed", {"channel/channel.hpp": header.replace(
                "#include <utility>", "#include <utility>\n#define SECRET </etc/hostname>\n#include SECRET")}),
                "computed #include")
            cases["compile error"] = (folder("typo", {"channel/channel.hpp": header.replace(
                "queue_.push_back(std::move(value));", "queue_.push_bak(std::move(value));", 1)}), "push_bak")
            escape = tmp / "escaped.txt"
            cases["zip slip"] = (_zip(tmp / "slip.zip", {"../../escaped.txt": "x", str(escape): "x"}),
                                 "missing channel/channel.hpp")
            link_root = tmp / "subs" / "link" / "channel"
            link_root.mkdir(parents=True)
            (link_root / "channel.hpp").symlink_to(KIT / "solutions" / "channel" / "channel.hpp")
            cases["symlink to the reference"] = (link_root.parent, "missing channel/channel.hpp")
            bomb = tmp / "bomb.zip"
            with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
                z.writestr("channel/channel.hpp", b"\n" * (100 << 20))
            cases["archive bomb"] = (bomb, "rejected|larger than")
            odd = tmp / "odd.tar.gz"
            with tarfile.open(odd, "w:gz") as t:
                data = header.encode()
                info = tarfile.TarInfo("channel/\udcff\udcfe.hpp")
                info.size = len(data)
                t.addfile(info, io.BytesIO(data))
            cases["non-UTF-8 name only"] = (odd, "missing channel/channel.hpp")

            for name, (submission, message) in cases.items():
                with self.subTest(case=name):
                    work = tmp / "grading" / name.replace(" ", "-")
                    work.mkdir(parents=True)
                    result = grade(submission, work, configs="tsan")
                    channel = next(e for e in result["exercises"] if e["name"] == "channel")
                    self.assertEqual(channel["score"], 0)
                    said = "\n".join(channel["messages"] + result["notes"] + [
                        b["error"]["excerpt"] + b["error"]["summary"]
                        for b in channel["builds"].values() if b.get("error")])
                    self.assertRegex(said, message)
            self.assertFalse(escape.exists(), "the zip slip wrote outside the work area")
            self.assertFalse((tmp / "grading" / "escaped.txt").exists())


if __name__ == "__main__":
    unittest.main()
