"""The workspace: whitelist only, synchronised by content, build dirs kept."""

from __future__ import annotations

import os
import tempfile
import time
from unittest import mock

from grader.workspace import WorkLock, Workspace, kit_files, sync_tree
from tests.grader.helpers import TempDirTest, make_kit, write


class Whitelist(TempDirTest):
    def test_never_copies_solutions_mutants_alternates_samples_or_git(self) -> None:
        kit = make_kit(self.tmp / "kit")
        write(kit, ".git/config", "x")
        files = kit_files(kit)
        self.assertIn("exercises/channel/channel.hpp", files)
        self.assertIn("tests/hidden/channel/rubric.toml", files)
        self.assertIn("harness/CMakeLists.txt", files)
        for rel in files:
            self.assertFalse(rel.startswith(("solutions", "tests/mutants", "tests/alternates", "samples", ".git")),
                             rel)

    def test_owned_files_are_laid_over_exercises(self) -> None:
        kit = make_kit(self.tmp / "kit")
        sub = write(self.tmp, "sub/channel.hpp", "// mine\n")
        ws = Workspace(self.tmp / "work")
        ws.prepare(kit, {"channel": {"channel.hpp": sub}})
        self.assertEqual((ws.source / "exercises/channel/channel.hpp").read_text(), "// mine\n")
        self.assertFalse((ws.source / "solutions").exists())


class Sync(TempDirTest):
    def test_writes_only_what_changed_and_deletes_extraneous(self) -> None:
        src = self.tmp / "src"
        a = write(src, "a.txt", "A")
        b = write(src, "d/b.txt", "B")
        dest = self.tmp / "dest"
        first = sync_tree({"a.txt": a, "d/b.txt": b}, dest)
        self.assertEqual((first.written, first.deleted), (2, 0))
        old = time.time() - 1000
        os.utime(dest / "a.txt", (old, old))
        write(dest, "stale/x.txt", "junk")
        write(dest, "build/asan/CMakeCache.txt", "keep me")
        b.write_text("B2")
        second = sync_tree({"a.txt": a, "d/b.txt": b}, dest)
        self.assertEqual((second.written, second.unchanged), (1, 1))
        self.assertAlmostEqual((dest / "a.txt").stat().st_mtime, old, delta=1)
        self.assertEqual((dest / "d/b.txt").read_text(), "B2")
        self.assertFalse((dest / "stale").exists())
        self.assertTrue((dest / "build/asan/CMakeCache.txt").exists())

    def test_a_symlink_planted_in_the_workspace_is_replaced(self) -> None:
        src = write(self.tmp, "src/a.txt", "A")
        dest = self.tmp / "dest"
        dest.mkdir()
        write(self.tmp, "outside.txt", "do not touch")
        os.symlink(self.tmp / "outside.txt", dest / "a.txt")
        sync_tree({"a.txt": src}, dest)
        self.assertFalse((dest / "a.txt").is_symlink())
        self.assertEqual((self.tmp / "outside.txt").read_text(), "do not touch")

    def test_lock_is_reentrant_across_uses(self) -> None:
        with WorkLock(self.tmp / "w"):
            pass
        with WorkLock(self.tmp / "w"):
            self.assertTrue((self.tmp / "w" / "lock").exists())


class ExecCopies(TempDirTest):
    def test_a_copy_is_removed_once_its_work_dir_is_gone_and_only_then(self) -> None:
        with mock.patch.object(tempfile, "tempdir", str(self.tmp / "tmp")):
            (self.tmp / "tmp").mkdir()
            kept, gone = Workspace(self.tmp / "kept"), Workspace(self.tmp / "gone")
            kept.work.mkdir()
            gone.work.mkdir()
            kept_copy, gone_copy = kept.exec_copies(), gone.exec_copies()
            foreign = self.tmp / "tmp" / "lockstep-exec-unmarked"
            foreign.mkdir()
            gone.work.rmdir()
            Workspace(self.tmp / "third").exec_copies()
            self.assertTrue(kept_copy.is_dir())
            self.assertFalse(gone_copy.exists())
            self.assertTrue(foreign.is_dir())
