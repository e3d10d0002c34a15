"""`batch SUBMISSIONS_DIR --out DIR [--jobs N] [--shard i/N]`: grade a whole class.

Each entry of SUBMISSIONS_DIR (a folder, .zip or .tar.gz) is one student, named after the
entry. Its results go to DIR/<student>/ (result.json last, written atomically), so a
rerun skips every student whose result.json exists: kill the batch at any moment, rerun,
and nothing is lost or graded twice. `--shard i/N` takes every N-th student starting at
the i-th (in name order), so N machines (a CI matrix, a Kubernetes Indexed Job, a Slurm
array) split a class without talking to each other; `gradebook DIR` merges them.
"""

from __future__ import annotations

import os
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import Callable

from grader import pipeline, preflight
from grader.commands.common import default_configs, load_kit
from grader.errors import EnvironmentProblem, UsageError
from grader.export import formats as formats_mod
from grader.progress import Progress
from grader.workspace import WorkLock, Workspace

RESULT = "result.json"
_SUFFIXES = (".tar.gz", ".tgz", ".zip")

# grade_one(submission, student out dir, work dir, test jobs) -> None; writes result.json last.
GradeOne = Callable[[Path, Path, Path, int], None]


def student_id(entry: Path) -> str:
    name = entry.name
    for suffix in _SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def submissions(directory: Path) -> list[Path]:
    if not directory.is_dir():
        raise UsageError(f"{directory} is not a folder of submissions")
    found = [p for p in sorted(directory.iterdir())
             if not p.name.startswith(".") and (p.is_dir() or p.name.endswith(_SUFFIXES))]
    ids = [student_id(p) for p in found]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise UsageError(f"two submissions for {dupes[0]} (e.g. a folder and a zip): keep one")
    return found


def parse_shard(text: str | None) -> tuple[int, int]:
    if not text:
        return 1, 1
    m = re.fullmatch(r"(\d+)/(\d+)", text.strip())
    if not m or not 1 <= int(m.group(1)) <= int(m.group(2)):
        raise UsageError(f"--shard {text!r}: expected i/N with 1 <= i <= N, e.g. --shard 2/3")
    return int(m.group(1)), int(m.group(2))


def my_share(entries: list[Path], shard: tuple[int, int]) -> list[Path]:
    i, n = shard
    return [e for k, e in enumerate(entries) if k % n == i - 1]


def run_batch(entries: list[Path], out: Path, work: Path, jobs: int, grade_one: GradeOne,
              progress: Progress, test_jobs: int) -> tuple[int, int, list[str]]:
    """(graded now, skipped as already done, failures 'student: why')."""
    todo = [e for e in entries if not (out / student_id(e) / RESULT).is_file()]
    skipped = len(entries) - len(todo)
    if skipped:
        progress.line(f"batch: {skipped} of {len(entries)} already graded, skipped")
    failures: list[str] = []
    counter = progress.counter("batch", len(todo))
    slots = list(range(max(1, jobs)))
    lock = threading.Lock()

    def one(entry: Path) -> None:
        with lock:
            slot = slots.pop()
        try:
            grade_one(entry, out / student_id(entry), work / f"slot{slot}", test_jobs)
        finally:
            with lock:
                slots.append(slot)

    t0 = time.monotonic()
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = {pool.submit(one, e): e for e in todo}
        for f in as_completed(futures):
            sid = student_id(futures[f])
            error = f.exception()
            if isinstance(error, EnvironmentProblem):
                raise error  # the machine, not the student: stop and say what to install
            if error is not None:
                failures.append(f"{sid}: {error}")
            counter.tick(error is None, sid)
    progress.clear()
    progress.line(f"batch: graded {len(todo) - len(failures)} in {time.monotonic() - t0:.0f} s"
                  + (f", {len(failures)} could not be graded" if failures else ""))
    return len(todo), skipped, failures


def run(*, submissions_dir: Path, out: Path, shard: str | None, jobs: int, work: Path | None,
        configs: str | None, exercises: list[str] | None, formats: list[str],
        kit_root: Path | None, progress: Progress) -> int:
    kit = load_kit(kit_root)
    names = kit.resolve_exercises(exercises)
    chosen = default_configs(kit, names, configs)
    preflight.require_tools()
    entries = my_share(submissions(submissions_dir), parse_shard(shard))
    work_root = work if work is not None else kit.root / ".lockstep-work" / "batch"
    # Test processes per submission: the cores shared among the submissions graded at once.
    test_jobs = max(1, (os.cpu_count() or 1) // max(1, jobs))

    def grade_one(entry: Path, student_out: Path, slot_work: Path, n_tests: int) -> None:
        with WorkLock(slot_work):
            results = pipeline.evaluate(kit=kit, names=names, submission=entry, suites=("hidden", "public"),
                                        configs=chosen, ws=Workspace(slot_work), jobs=n_tests, seed=None,
                                        progress=Progress(quiet=True), verb="grade",
                                        submission_label=student_id(entry))
        # result.json last: its presence is what marks the student done.
        for f in dict.fromkeys(formats):
            if f != "json":
                formats_mod.WRITERS[f](results, student_out)
        formats_mod.WRITERS["json"](results, student_out)

    _, _, failures = run_batch(entries, out, work_root, jobs, grade_one, progress, test_jobs)
    for f in failures:
        progress.line(f"could not grade {f}")
    return 1 if failures else 0
