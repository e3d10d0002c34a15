"""The work area a submission is built in: a pristine copy of the kit taken by whitelist
(never solutions/, mutants, alternates, samples or .git: a header reaching for the
reference must not compile) with the submission's owned files laid over exercises/.

The copy is synchronised by content: a file is written only when its bytes differ and
files that should not be there are deleted, so one workspace and its build directories
are reused across submissions and ninja rebuilds only what changed.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Iterable, Mapping

# What a build needs from the kit. tests/CMakeLists.txt and cmake/ are build plumbing;
# tests/hidden/ holds the hidden tests the submission is graded against.
WHITELIST = ("CMakeLists.txt", "CMakePresets.json", ".clang-tidy", ".clang-format",
             "harness", "exercises", "tests/hidden", "tests/CMakeLists.txt", "cmake")
_SKIP_DIRS = {".git", "__pycache__", ".lockstep-work", "build"}
BUILD_DIR = "build"  # inside the workspace; survives every sync


@dataclass(frozen=True)
class SyncStats:
    written: int
    deleted: int
    unchanged: int


def kit_files(kit_root: Path, whitelist: Iterable[str] = WHITELIST) -> dict[str, Path]:
    """relpath -> source file for every regular file under the whitelisted kit paths."""
    files: dict[str, Path] = {}
    for entry in whitelist:
        src = kit_root / entry
        if src.is_symlink():
            continue
        if src.is_file():
            files[entry] = src
        elif src.is_dir():
            for dirpath, dirnames, filenames in os.walk(src):
                dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS
                                     and not (Path(dirpath) / d).is_symlink())
                for fname in filenames:
                    p = Path(dirpath) / fname
                    if p.is_file() and not p.is_symlink() and not fname.endswith((".pyc", "~")):
                        files[p.relative_to(kit_root).as_posix()] = p
    return files


def overlay(files: dict[str, Path], exercise: str, owned: Mapping[str, Path]) -> dict[str, Path]:
    """The kit files with exercises/<exercise>/<owned> replaced by the given sources."""
    merged = dict(files)
    for rel, src in owned.items():
        merged[f"exercises/{exercise}/{rel}"] = src
    return merged


def sync_tree(files: Mapping[str, Path], dest: Path, keep: Iterable[str] = (BUILD_DIR,)) -> SyncStats:
    """Make dest hold exactly `files` (relpath -> source), leaving the top-level `keep`
    entries alone. Unchanged files keep their mtime so ninja sees nothing to rebuild."""
    dest.mkdir(parents=True, exist_ok=True)
    os.chmod(dest, 0o755)
    keep_set = set(keep)
    written = unchanged = deleted = 0
    for rel, src in files.items():
        target = dest / rel
        data = src.read_bytes()
        try:
            if target.is_file() and not target.is_symlink() and target.read_bytes() == data:
                unchanged += 1
                continue
        except OSError:
            pass
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.is_symlink() or target.is_dir():
            _remove(target)
        tmp = target.with_name(target.name + ".lockstep-tmp")
        tmp.write_bytes(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
        written += 1
    wanted_dirs = {Path(rel).parent.as_posix() for rel in files}
    wanted_dirs |= {p for d in list(wanted_dirs) for p in _ancestors(d)}
    for dirpath, dirnames, filenames in os.walk(dest, topdown=True):
        base = Path(dirpath)
        rel_base = base.relative_to(dest).as_posix()
        if rel_base == ".":
            dirnames[:] = [d for d in dirnames if d not in keep_set]
            filenames = [f for f in filenames if f not in keep_set]
        for fname in filenames:
            rel = fname if rel_base == "." else f"{rel_base}/{fname}"
            if rel not in files:
                (base / fname).unlink()
                deleted += 1
        for d in list(dirnames):
            rel = d if rel_base == "." else f"{rel_base}/{d}"
            if rel not in wanted_dirs or (base / d).is_symlink():
                _remove(base / d)
                dirnames.remove(d)
                deleted += 1
    return SyncStats(written, deleted, unchanged)


def _ancestors(rel_dir: str) -> list[str]:
    parts = rel_dir.split("/")
    return ["/".join(parts[:i]) for i in range(1, len(parts))]


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        import shutil
        shutil.rmtree(path)
    else:
        path.unlink()


class WorkLock:
    """An exclusive fcntl lock on <work>/lock, so two graders never share a workspace."""

    def __init__(self, work: Path) -> None:
        self.path = work / "lock"
        self._file: IO[str] | None = None

    def __enter__(self) -> "WorkLock":
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = self.path.open("a")
        try:
            fcntl.flock(self._file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(f"[lockstep] {self.path.parent} is in use by another grader; waiting for it",
                  file=sys.stderr, flush=True)
            fcntl.flock(self._file, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None


EXEC_PREFIX = "lockstep-exec-"
EXEC_OWNER = ".work-dir"


def prune_exec_copies() -> None:
    """Remove the binary copies whose work dir no longer exists."""
    for d in Path(tempfile.gettempdir()).glob(EXEC_PREFIX + "*"):
        try:
            owner = Path((d / EXEC_OWNER).read_text())
        except OSError:
            continue  # not ours to judge, or being created
        if not owner.exists():
            shutil.rmtree(d, ignore_errors=True)


@dataclass(frozen=True)
class Workspace:
    """<work>/ws is the source tree; its builds live in <work>/ws/build/<config>."""

    work: Path

    @property
    def source(self) -> Path:
        return self.work / "ws"

    def build_dir(self, config: str) -> Path:
        return self.source / BUILD_DIR / config

    def logs(self) -> Path:
        d = self.work / "logs"
        d.mkdir(parents=True, exist_ok=True)
        return d

    def exec_copies(self) -> Path:
        """A world-readable place for binaries when the work dir is not (see sandbox). It
        outlives the grade, like the builds it copies, and names its work dir so that it
        is removed once that work dir is gone (a batch's or a test's temporary one)."""
        prune_exec_copies()
        d = Path(tempfile.gettempdir()) / f"{EXEC_PREFIX}{hashlib.sha1(str(self.work).encode()).hexdigest()[:12]}"
        d.mkdir(mode=0o755, exist_ok=True)
        os.chmod(d, 0o755)
        (d / EXEC_OWNER).write_text(str(self.work.resolve()))
        return d

    def prepare(self, kit_root: Path, owned: Mapping[str, Mapping[str, Path]]) -> SyncStats:
        """Sync the pristine kit plus, per exercise, its owned files from the submission."""
        files = kit_files(kit_root)
        for exercise, sources in owned.items():
            files = overlay(files, exercise, sources)
        self.work.mkdir(parents=True, exist_ok=True)
        os.chmod(self.work, 0o755)
        return sync_tree(files, self.source)
