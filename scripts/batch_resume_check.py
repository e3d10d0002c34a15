#!/usr/bin/env python3
"""Real batch grading, killed twice and resumed, against one uninterrupted run.

Generates a class of submissions from the kit itself (each student's exercise is the
reference, the skeleton or one of the chosen mutants, in turn), grades it once without
interruption, then grades it again killing the whole batch (SIGKILL to its process group)
twice mid-run before letting a third run finish. Checks that every student has exactly
one result, that no result written before a kill was rewritten by a later run, and that
both gradebook.csv files are identical.

Mutants with deterministic failures are the default: a race that is caught in one run
and missed in the next would make the gradebooks differ for reasons that have nothing to
do with resuming. Takes about 2 x students x (seconds to grade one) / jobs.

Usage: python3 scripts/batch_resume_check.py [--students 30] [--jobs 2] [--work DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

KIT = Path(__file__).resolve().parents[1]
EXERCISE = "channel"
# Logic bugs that failed the same tests in every grade. close_discards_queued_values is not
# one: it lost 3 more points in 2 of 3 grades (a stress test catches it only when the
# consumer sees close before the last value), which no resume logic can make equal.
MUTANTS = ("send_fails_when_full", "drop_oldest_overwrites_in_place")


def make_class(root: Path, students: int) -> Path:
    kinds = [("reference", KIT / "solutions" / EXERCISE), ("skeleton", KIT / "exercises" / EXERCISE)]
    kinds += [(f"mutant {m}", KIT / "tests" / "mutants" / EXERCISE / m) for m in MUTANTS]
    subs = root / "submissions"
    for i in range(students):
        _, source = kinds[i % len(kinds)]
        dest = subs / f"student{i:02d}" / EXERCISE
        dest.mkdir(parents=True)
        shutil.copy(source / "channel.hpp", dest / "channel.hpp")
    return subs


def batch_command(subs: Path, out: Path, work: Path, jobs: int) -> list[str]:
    return [sys.executable, "-m", "grader", "batch", str(subs), "--out", str(out), "--work", str(work),
            "--jobs", str(jobs), "--exercise", EXERCISE, "--quiet"]


def results(out: Path) -> dict[str, tuple[int, str]]:
    """student -> (mtime_ns, sha256) of each result.json on disk."""
    found = {}
    for p in out.glob("*/result.json"):
        found[p.parent.name] = (p.stat().st_mtime_ns, hashlib.sha256(p.read_bytes()).hexdigest())
    return found


def gradebook(out: Path) -> str:
    subprocess.run([sys.executable, "-m", "grader", "gradebook", str(out)], cwd=KIT, check=True,
                   stdout=subprocess.DEVNULL)
    return (out / "gradebook.csv").read_text()


def run_to_end(cmd: list[str]) -> float:
    t0 = time.monotonic()
    rc = subprocess.run(cmd, cwd=KIT).returncode
    if rc != 0:
        sys.exit(f"batch exited with {rc}: {' '.join(cmd)}")
    return time.monotonic() - t0


def run_and_kill(cmd: list[str], out: Path, kill_at: int) -> None:
    """Starts the batch and SIGKILLs its whole process group once `kill_at` results exist."""
    proc = subprocess.Popen(cmd, cwd=KIT, start_new_session=True)
    while len(results(out)) < kill_at and proc.poll() is None:
        time.sleep(0.2)
    if proc.poll() is not None:
        sys.exit(f"the batch finished before it could be killed at {kill_at} results")
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--students", type=int, default=30)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--work", type=Path, default=KIT / ".lockstep-work" / "batch-resume-check")
    args = ap.parse_args()
    root = args.work.resolve()
    shutil.rmtree(root, ignore_errors=True)
    subs = make_class(root, args.students)

    clean_out = root / "clean" / "out"
    clean_s = run_to_end(batch_command(subs, clean_out, root / "clean" / "work", args.jobs))
    print(f"uninterrupted: {args.students} students in {clean_s:.0f} s")

    out, work = root / "resumed" / "out", root / "resumed" / "work"
    cmd = batch_command(subs, out, work, args.jobs)
    problems: list[str] = []
    before: dict[str, tuple[int, str]] = {}
    for kill_at in (args.students // 4, args.students // 2):
        run_and_kill(cmd, out, kill_at)
        now = results(out)
        rewritten = sorted(s for s in before if now.get(s) != before[s])
        problems += [f"{s}: its result.json was rewritten by a later run" for s in rewritten]
        print(f"killed with {len(now)} results on disk")
        before = now
    resumed_s = run_to_end(cmd)
    final = results(out)
    problems += [f"{s}: its result.json was rewritten by the final run"
                 for s in sorted(before) if final.get(s) != before[s]]
    missing = sorted({f"student{i:02d}" for i in range(args.students)} - set(final))
    problems += [f"{s}: no result" for s in missing]
    print(f"final run: {len(final) - len(before)} students in {resumed_s:.0f} s")

    clean_book, resumed_book = gradebook(clean_out), gradebook(out)
    if clean_book != resumed_book:
        diff = [f"  clean:   {a}\n  resumed: {b}" for a, b in
                zip(clean_book.splitlines(), resumed_book.splitlines()) if a != b]
        problems.append("the gradebooks differ:\n" + "\n".join(diff))
    if problems:
        print("batch resume check: FAILED\n" + "\n".join(f"- {p}" for p in problems))
        return 1
    print(f"batch resume check: OK, identical gradebooks ({len(clean_book.splitlines()) - 1} rows)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
