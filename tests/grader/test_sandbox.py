"""The sandbox with tiny sh/python children: limits hold, nothing leaks in or survives."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
import unittest
from pathlib import Path
from unittest import mock

from grader import sandbox

SH = "/bin/sh"
PY = shutil.which("python3", path="/usr/bin:/bin")
SLOT = 7  # a slot no other test uses concurrently


def dead(pid: int) -> bool:
    """Gone, or a zombie nobody reaped yet (containers often lack a reaping init)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] in ("Z", "X")


def live_processes_of(uid: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid == uid and not dead(int(entry.name)):
                    pids.append(int(entry.name))
            except OSError:
                pass
    return pids


class Sandbox(unittest.TestCase):
    def run_sh(self, script: str, **kw: object) -> sandbox.ProcessResult:
        limits = kw.pop("limits", sandbox.Limits(timeout_s=10))
        return sandbox.run([SH, "-c", script], limits=limits, slot=SLOT, **kw)  # type: ignore[arg-type]

    def test_exit_status_and_output(self) -> None:
        r = self.run_sh("echo hello; echo oops >&2; exit 3")
        self.assertEqual((r.returncode, r.signal, r.timed_out), (3, None, False))
        self.assertIn("hello", r.output)
        self.assertIn("oops", r.output)

    def test_timeout_kills_the_whole_group_including_a_grandchild(self) -> None:
        t0 = time.monotonic()
        r = self.run_sh("sleep 300 & echo grandchild=$!; sleep 300", limits=sandbox.Limits(timeout_s=1))
        self.assertLess(time.monotonic() - t0, 20)
        self.assertTrue(r.timed_out)
        self.assertEqual(r.signal_name, "SIGKILL")
        pid = int(re.search(r"grandchild=(\d+)", r.output).group(1))  # type: ignore[union-attr]
        time.sleep(0.2)
        self.assertTrue(dead(pid), "the grandchild survived")

    def test_daemon_left_behind_after_a_normal_exit_is_killed(self) -> None:
        r = self.run_sh("sleep 300 & echo bg=$!; exit 0")
        pid = int(re.search(r"bg=(\d+)", r.output).group(1))  # type: ignore[union-attr]
        time.sleep(0.2)
        self.assertTrue(dead(pid))

    @unittest.skipUnless(sandbox.is_root() and shutil.which("setsid"), "needs root (uid sweep)")
    def test_setsid_escape_is_killed_by_the_uid_sweep(self) -> None:
        r = self.run_sh("echo uid=$(id -u); setsid sleep 300 & sleep 0.3")
        uid = int(re.search(r"uid=(\d+)", r.output).group(1))  # type: ignore[union-attr]
        time.sleep(0.2)
        self.assertEqual(live_processes_of(uid), [], r.output)

    @unittest.skipUnless(sandbox.is_root(), "root runs tests as an unprivileged uid")
    def test_runs_as_the_slot_uid(self) -> None:
        r = self.run_sh("id -u")
        self.assertGreaterEqual(int(r.output.strip()), sandbox.BASE_UID)

    @unittest.skipUnless(sandbox.is_root(), "RLIMIT_NPROC is only meaningful per uid as root")
    def test_fork_loop_is_contained(self) -> None:
        limits = sandbox.Limits(timeout_s=3, max_processes=20)
        r = self.run_sh("echo uid=$(id -u); i=0; while [ $i -lt 200 ]; do sleep 60 & i=$((i+1)); done; wait",
                        limits=limits)
        self.assertRegex(r.output, r"(?i)fork|resource temporarily unavailable")
        uid = int(re.search(r"uid=(\d+)", r.output).group(1))  # type: ignore[union-attr]
        time.sleep(0.2)
        self.assertEqual(live_processes_of(uid), [])

    def test_output_is_truncated_in_the_middle(self) -> None:
        r = self.run_sh("i=0; while [ $i -lt 20000 ]; do echo line-$i-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx; i=$((i+1)); done")
        self.assertGreater(r.output_bytes, 500_000)
        self.assertIn("bytes of output omitted", r.output)
        self.assertIn("line-0-", r.output)
        self.assertIn("line-19999-", r.output)
        self.assertLess(len(r.output), sandbox.HEAD_BYTES + sandbox.TAIL_BYTES + 200)

    def test_file_size_limit(self) -> None:
        r = self.run_sh("head -c 3000000 /dev/zero > big; echo status=$?",
                        limits=sandbox.Limits(timeout_s=10, fsize_bytes=1 << 20))
        # head is killed by SIGXFSZ (128+25), not left to fail quietly with EFBIG: the
        # launcher undoes the ignore Python would pass on.
        self.assertRegex(r.output, r"status=153\b")

    def test_memory_that_grows_without_bound_is_killed_at_the_limit(self) -> None:
        r = self.run_sh("x=x; while :; do x=$x$x; done",  # doubles until killed
                        limits=sandbox.Limits(timeout_s=60, memory_bytes=256 << 20))
        self.assertTrue(r.memory_exceeded)
        self.assertFalse(r.timed_out)
        self.assertEqual(r.signal_name, "SIGKILL")
        self.assertLess(r.wall_s, 30)

    def test_pages_shared_by_forked_children_count_once(self) -> None:
        # ~64 MiB in the shell, then six children that share it copy-on-write: the sum of
        # their resident sizes passes 256 MiB, the memory really used does not.
        script = ("x=x; i=0; while [ $i -lt 26 ]; do x=$x$x; i=$((i+1)); done; "
                  "for c in 1 2 3 4 5 6; do (sleep 1) & done; wait; echo done")
        r = self.run_sh(script, limits=sandbox.Limits(timeout_s=60, memory_bytes=256 << 20))
        self.assertFalse(r.memory_exceeded)
        self.assertIn("done", r.output)

    def test_a_modest_process_is_not_killed_for_memory(self) -> None:
        r = self.run_sh("echo fine", limits=sandbox.Limits(timeout_s=10, memory_bytes=256 << 20))
        self.assertFalse(r.memory_exceeded)
        self.assertEqual(r.returncode, 0)

    @unittest.skipUnless(sandbox.is_root() and sandbox.path_hiding(), "hiding paths needs root and mount namespaces")
    def test_hidden_directories_look_empty_to_the_test_and_stay_intact(self) -> None:
        secret_dir = Path(tempfile.mkdtemp(prefix="lockstep-secret-", dir="/var/tmp"))
        try:
            secret_dir.chmod(0o755)
            (secret_dir / "solution.hpp").write_text("the answer\n")
            (secret_dir / "solution.hpp").chmod(0o644)
            seen = self.run_sh(f"cat {secret_dir}/solution.hpp; ls -A {secret_dir} | wc -l")
            self.assertIn("the answer", seen.output)
            hidden = self.run_sh(f"cat {secret_dir}/solution.hpp; echo files=$(ls -A {secret_dir} | wc -l); "
                                 f"touch {secret_dir}/x; echo touch=$?", hide=(secret_dir,))
            self.assertNotIn("the answer", hidden.output)
            self.assertIn("files=0", hidden.output)
            self.assertNotIn("touch=0", hidden.output)
            self.assertEqual((secret_dir / "solution.hpp").read_text(), "the answer\n")
        finally:
            shutil.rmtree(secret_dir)

    @unittest.skipUnless(sandbox.is_root(), "files are swept by the sandbox uid, which needs root")
    def test_files_left_in_shared_temporary_directories_are_removed(self) -> None:
        name = f"lockstep-left-{os.getpid()}"
        r = self.run_sh(f"echo x > /tmp/{name}; mkdir /var/tmp/{name}; echo y > /var/tmp/{name}/f; echo ok")
        self.assertIn("ok", r.output)
        self.assertFalse(Path(f"/tmp/{name}").exists())
        self.assertFalse(Path(f"/var/tmp/{name}").exists())

    def test_the_temporary_directory_is_never_hidden(self) -> None:
        self.assertEqual(sandbox.hideable([Path(tempfile.gettempdir()), Path("/")]), [])

    def test_cwd_is_a_fresh_empty_temp_dir_removed_afterwards(self) -> None:
        first = self.run_sh("pwd; ls -A | wc -l; touch junk")
        second = self.run_sh("pwd; ls -A | wc -l")
        d1, n1 = first.output.split()[:2]
        d2, n2 = second.output.split()[:2]
        self.assertNotEqual(d1, d2)
        self.assertEqual((n1, n2), ("0", "0"))
        self.assertFalse(Path(d1).exists())
        self.assertNotEqual(Path(d1).resolve(), Path.cwd().resolve())

    def test_environment_is_scrubbed(self) -> None:
        with mock.patch.dict(os.environ, {"LOCKSTEP_SECRET_TOKEN": "hunter2", "LD_PRELOAD": ""}):
            r = sandbox.run(["/usr/bin/env"], env={"LOCKSTEP_SEED": "5"}, slot=SLOT,
                            limits=sandbox.Limits(timeout_s=10))
        env = dict(line.split("=", 1) for line in r.output.splitlines() if "=" in line)
        self.assertNotIn("LOCKSTEP_SECRET_TOKEN", env)
        self.assertEqual(env["LOCKSTEP_SEED"], "5")
        self.assertEqual(env["LANG"], "C.UTF-8")
        self.assertEqual(env["PATH"], sandbox.SAFE_PATH)
        self.assertTrue(env["HOME"].startswith(os.path.dirname(env["HOME"])))
        self.assertNotEqual(env["HOME"], os.environ.get("HOME"))

    def test_stdin_is_dev_null(self) -> None:
        r = self.run_sh("cat; echo done")
        self.assertEqual(r.output.strip(), "done")

    def test_result_file_in_cwd_is_read_back(self) -> None:
        r = sandbox.run([SH, "-c", 'echo record > "$LOCKSTEP_RESULT_FILE"'],
                        env={"LOCKSTEP_RESULT_FILE": "records.jsonl"}, cwd_env=("LOCKSTEP_RESULT_FILE",),
                        read_back=("records.jsonl",), slot=SLOT, limits=sandbox.Limits(timeout_s=10))
        self.assertEqual(r.files["records.jsonl"], b"record\n")

    @unittest.skipUnless(PY, "needs /usr/bin/python3")
    def test_python_child_crash_signal_is_reported(self) -> None:
        r = sandbox.run([PY, "-c", "import os, signal; os.kill(os.getpid(), signal.SIGSEGV)"],
                        slot=SLOT, limits=sandbox.Limits(timeout_s=10))
        self.assertEqual(r.signal_name, "SIGSEGV")

    @unittest.skipUnless(PY, "needs /usr/bin/python3")
    def test_no_network_when_the_platform_allows(self) -> None:
        if not sandbox.network_isolation():
            self.skipTest("unshare(CLONE_NEWNET) not permitted here")
        r = sandbox.run([PY, "-c", "import socket; print(socket.if_nameindex())"], slot=SLOT,
                        limits=sandbox.Limits(timeout_s=10))
        self.assertEqual(r.output.strip(), "[(1, 'lo')]")
