"""Turn an untrusted submission (directory, .zip or .tar.gz) into a clean staging directory.

Only regular files with safe relative names are ever written; links, devices, paths that
climb out (`..`), absolute paths and undecodable names are skipped with a note; total size
and file count are capped while reading (archive headers can lie), so a bomb stops early.
Then the layout root is found (a single wrapping folder is accepted) and each exercise's
owned files are looked up. Nothing here builds or runs anything.
"""

from __future__ import annotations

import os
import shutil
import stat
import tarfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import BinaryIO, Iterator, Mapping

from grader import includes
from grader.errors import UsageError

# Junk that archivers add and that must not count as a "wrapping folder".
_IGNORED_TOP = {"__MACOSX", ".DS_Store", "Thumbs.db"}
_CHUNK = 1 << 16


@dataclass(frozen=True)
class Limits:
    max_total_bytes: int = 64 << 20
    max_files: int = 5000
    max_file_bytes: int = 16 << 20
    max_owned_bytes: int = 2 << 20


class IntakeRejected(Exception):
    """The submission as a whole is unusable (corrupt archive, bomb): graded as zero."""


@dataclass
class OwnedStatus:
    """What intake found for one exercise: the staged owned files, or why it has none."""

    exercise: str
    files: dict[str, Path] = field(default_factory=dict)  # owned relpath -> staged file
    missing: list[str] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)      # "channel.hpp: binary file (NUL bytes)"

    @property
    def complete(self) -> bool:
        return not self.missing and not self.invalid


@dataclass
class Intake:
    staging: Path                 # everything safe that was unpacked
    root: Path | None             # where <exercise>/<owned files> live (None: rejected)
    notes: list[str]
    exercises: dict[str, OwnedStatus]
    rejected: str | None = None   # why the whole submission is unusable


class _Budget:
    """Counts files and bytes across the whole submission and raises past the caps."""

    def __init__(self, limits: Limits) -> None:
        self.limits, self.files, self.bytes = limits, 0, 0

    def add_file(self) -> None:
        self.files += 1
        if self.files > self.limits.max_files:
            raise IntakeRejected(f"more than {self.limits.max_files} files: refused as an archive bomb")

    def copy(self, src: BinaryIO, dest: Path) -> None:
        written = 0
        with dest.open("wb") as out:
            while chunk := src.read(_CHUNK):
                written += len(chunk)
                self.bytes += len(chunk)
                if written > self.limits.max_file_bytes:
                    raise IntakeRejected(f"{dest.name}: larger than {self.limits.max_file_bytes >> 20} MiB")
                if self.bytes > self.limits.max_total_bytes:
                    raise IntakeRejected(
                        f"more than {self.limits.max_total_bytes >> 20} MiB uncompressed: refused as an archive bomb")
                out.write(chunk)


def safe_relpath(name: str) -> str | None:
    """A normalised relative POSIX path, or None when the name is unsafe or undecodable."""
    try:
        name.encode("utf-8")  # surrogate-escaped bytes from a non-UTF-8 name fail here
    except UnicodeEncodeError:
        return None
    name = name.replace("\\", "/")
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return None
    parts = [p for p in PurePosixPath(name).parts if p not in ("", ".")]
    if not parts or ".." in parts or any("\x00" in p for p in parts):
        return None
    return "/".join(parts)


def _describe(name: str) -> str:
    return name.encode("utf-8", "backslashreplace").decode("ascii", "backslashreplace")


def _target(staging: Path, rel: str) -> Path:
    dest = staging / rel
    dest.parent.mkdir(parents=True, exist_ok=True)
    return dest


def _from_directory(src: Path, staging: Path, budget: _Budget, notes: list[str]) -> None:
    """Copy regular files only; never follow a symlink (it could point anywhere)."""
    for dirpath, dirnames, filenames in os.walk(src, followlinks=False):
        base = Path(dirpath)
        for d in list(dirnames):
            if (base / d).is_symlink():
                notes.append(f"skipped symlink {_describe(str((base / d).relative_to(src)))}")
                dirnames.remove(d)
            elif d in (".git", "build", ".lockstep-work", "__pycache__"):
                dirnames.remove(d)
        for fname in sorted(filenames):
            path = base / fname
            rel_raw = str(path.relative_to(src))
            rel = safe_relpath(rel_raw)
            st = path.lstat()
            if rel is None:
                notes.append(f"skipped unusable file name {_describe(rel_raw)}")
                continue
            if stat.S_ISLNK(st.st_mode):
                notes.append(f"skipped symlink {rel}")
                continue
            if not stat.S_ISREG(st.st_mode):
                notes.append(f"skipped special file {rel}")
                continue
            budget.add_file()
            with path.open("rb") as f:
                budget.copy(f, _target(staging, rel))


def _from_zip(src: Path, staging: Path, budget: _Budget, notes: list[str]) -> None:
    try:
        zf = zipfile.ZipFile(src)
    except (zipfile.BadZipFile, OSError) as e:
        raise IntakeRejected(f"not a readable zip archive: {e}") from None
    with zf:
        for info in zf.infolist():
            budget.add_file()  # count entries, not only files: a million empty dirs is a bomb too
            rel = safe_relpath(info.filename)
            mode = info.external_attr >> 16
            if rel is None:
                notes.append(f"skipped unsafe path {_describe(info.filename)}")
                continue
            if info.is_dir():
                continue
            if stat.S_ISLNK(mode):
                notes.append(f"skipped symlink {rel}")
                continue
            if stat.S_IFMT(mode) not in (0, stat.S_IFREG):  # 0: archivers that set no type
                notes.append(f"skipped special file {rel}")
                continue
            if info.file_size > budget.limits.max_total_bytes:
                raise IntakeRejected(f"{rel}: declared size too large: refused as an archive bomb")
            try:
                with zf.open(info) as f:
                    budget.copy(f, _target(staging, rel))
            except (zipfile.BadZipFile, RuntimeError, NotImplementedError, OSError, EOFError) as e:
                # RuntimeError: encrypted member; NotImplementedError: unknown compression.
                notes.append(f"skipped unreadable entry {rel}: {e}")


def _from_tar(src: Path, staging: Path, budget: _Budget, notes: list[str]) -> None:
    try:
        tf = tarfile.open(src, mode="r:*")
    except (tarfile.TarError, OSError, EOFError) as e:
        raise IntakeRejected(f"not a readable tar archive: {e}") from None
    with tf:
        try:
            for member in _members(tf):
                budget.add_file()
                rel = safe_relpath(member.name)
                if rel is None:
                    notes.append(f"skipped unsafe path {_describe(member.name)}")
                    continue
                if member.isdir():
                    continue
                if member.issym() or member.islnk():
                    notes.append(f"skipped link {rel}")
                    continue
                if not member.isfile():
                    notes.append(f"skipped special file {rel}")
                    continue
                f = tf.extractfile(member)
                if f is None:
                    continue
                with f:
                    budget.copy(f, _target(staging, rel))
        except (tarfile.TarError, OSError, EOFError, zipfile.BadZipFile) as e:
            notes.append(f"archive truncated or corrupt, stopped reading: {e}")


def _members(tf: tarfile.TarFile) -> Iterator[tarfile.TarInfo]:
    """Iterate lazily: tf.getmembers() would read a million-entry bomb's headers first."""
    while (m := tf.next()) is not None:
        yield m


def unpack(submission: Path, staging: Path, limits: Limits = Limits()) -> list[str]:
    """Write the safe part of `submission` into the empty dir `staging`; return notes."""
    notes: list[str] = []
    budget = _Budget(limits)
    staging.mkdir(parents=True, exist_ok=True)
    name = submission.name.lower()
    if submission.is_dir():
        _from_directory(submission, staging, budget, notes)
    elif name.endswith(".zip"):
        _from_zip(submission, staging, budget, notes)
    elif name.endswith((".tar.gz", ".tgz", ".tar", ".tar.bz2", ".tar.xz")):
        _from_tar(submission, staging, budget, notes)
    elif zipfile.is_zipfile(submission):
        _from_zip(submission, staging, budget, notes)
    else:
        raise IntakeRejected(f"{submission.name}: not a directory, .zip or .tar.gz")
    return notes


def find_layout_root(staging: Path, exercises: list[str]) -> Path:
    """The folder holding <exercise>/ folders: the staging dir itself or one wrapping folder."""
    def has_exercise(d: Path) -> bool:
        return any((d / e).is_dir() for e in exercises)

    current = staging
    for _ in range(2):  # the staging dir, then at most one wrapping level
        if has_exercise(current):
            return current
        entries = [p for p in current.iterdir() if p.name not in _IGNORED_TOP]
        dirs = [p for p in entries if p.is_dir()]
        if len(dirs) == 1 and len(entries) == 1:
            current = dirs[0]
        else:
            break
    return current


def collect_owned(root: Path, owned: Mapping[str, tuple[str, ...]], limits: Limits = Limits()
                  ) -> dict[str, OwnedStatus]:
    """Per exercise, the owned files present under root/<exercise>/ and what is missing."""
    found: dict[str, OwnedStatus] = {}
    for exercise, files in owned.items():
        status = OwnedStatus(exercise)
        for rel in files:
            path = root / exercise / rel
            if not path.is_file() or path.is_symlink():
                status.missing.append(rel)
                continue
            size = path.stat().st_size
            data = path.read_bytes() if size <= limits.max_owned_bytes else b""
            if size > limits.max_owned_bytes:
                status.invalid.append(f"{rel}: larger than {limits.max_owned_bytes >> 20} MiB")
            elif b"\x00" in data:
                status.invalid.append(f"{rel}: a binary file (NUL bytes), not source code")
            elif reaches := includes.outside_reaches(data.decode("utf-8", "replace")):
                status.invalid += [f"{rel}: {r}" for r in reaches]
            else:
                status.files[rel] = path
        found[exercise] = status
    return found


def intake(submission: Path, staging: Path, owned: Mapping[str, tuple[str, ...]],
           limits: Limits = Limits()) -> Intake:
    """The whole stage: unpack safely, locate the layout, report owned files per exercise.

    Raises UsageError only when the submission path does not exist (the caller's mistake);
    any problem of the submission's content is reported in the returned Intake instead."""
    if not submission.exists() and not submission.is_symlink():
        raise UsageError(f"submission {submission} does not exist")
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    try:
        notes = unpack(submission, staging, limits)
    except IntakeRejected as e:
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        empty = {ex: OwnedStatus(ex, missing=list(files)) for ex, files in owned.items()}
        return Intake(staging, None, [f"submission rejected: {e}"], empty, rejected=str(e))
    root = find_layout_root(staging, list(owned))
    if root != staging:
        notes.append(f"using the wrapping folder {root.relative_to(staging).as_posix()}/")
    status = collect_owned(root, owned, limits)
    for ex, st in status.items():
        if st.missing and len(st.missing) == len(owned[ex]):
            notes.append(f"{ex}: no {ex}/ folder with {', '.join(owned[ex])} in the submission")
        elif st.missing:
            notes.append(f"{ex}: missing {', '.join(f'{ex}/{m}' for m in st.missing)}")
        for problem in st.invalid:
            notes.append(f"{ex}: {problem}")
    return Intake(staging, root, notes, status)
