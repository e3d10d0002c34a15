#!/usr/bin/env python3
"""Measure grading speed and write the tables of docs/PERFORMANCE.md.

For each exercise, interleaved round by round (A B A B, so both sides see the same
machine load):
  grader cold  `grader grade` of the reference in a fresh work dir (every build from zero);
  grader warm  the same grade again in that work dir (a repeated `check` of unchanged code);
  next student the submission with every owned file changed (a comment appended), graded in
               that work dir: what each further student of a batch costs, since the test
               files that include the student's headers rebuild and the harness and
               precompiled header do not;
  bare         `cmake --build` of the test targets + `ctest` of exactly the tests the
               rubric runs, per configuration, in fresh build dirs: what the grader adds
               (isolation, sandbox, scoring, clang-tidy) is the ratio of the two.
Then once (whatever --exercise says): a submission holding every exercise's reference,
graded cold, then as the next student.

Usage: python3 scripts/measure_grading.py [--exercise NAME]... [--rounds N] [--no-full]
                                          [--write docs/PERFORMANCE.md]
Numbers are wall seconds on this machine; the load average at the start of each
measurement is printed beside it, because a loaded machine makes every number worse.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

KIT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(KIT))

from grader.kit import Kit  # noqa: E402  (the kit's own grader, by path)

BEGIN = "<!-- grading-speed:begin (scripts/measure_grading.py writes this block) -->"
END = "<!-- grading-speed:end -->"


def load() -> float:
    return os.getloadavg()[0]


def timed(cmd: list[str], cwd: Path) -> float:
    t0 = time.monotonic()
    proc = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    seconds = time.monotonic() - t0
    if proc.returncode != 0:
        tail = proc.stdout.decode(errors="replace")[-3000:]
        raise SystemExit(f"measure: {' '.join(cmd)} failed ({proc.returncode}):\n{tail}")
    return seconds


def command_line(argv: list[str]) -> str:
    """The command that measured, as the block cites it (without where it was written)."""
    shown, skip = ["python3", "scripts/measure_grading.py"], False
    for a in argv:
        if skip or a.startswith("--write="):
            skip = False
            continue
        if a == "--write":
            skip = True
            continue
        shown.append(a)
    return " ".join(shown)


def reference_submission(kit: Kit, names: list[str], dest: Path) -> Path:
    for n in names:
        (dest / n).mkdir(parents=True)
        for rel in kit.exercise(n).owned:
            shutil.copy(KIT / "solutions" / n / rel, dest / n / rel)
    return dest


def next_student(submission: Path, dest: Path) -> Path:
    """A copy of the submission whose every file differs by a trailing comment."""
    shutil.copytree(submission, dest)
    for p in dest.rglob("*"):
        if p.is_file():
            p.write_text(p.read_text() + "// the next student\n")
    return dest


def grade(submission: Path, work: Path, names: list[str]) -> float:
    cmd = [sys.executable, "-m", "grader", "grade", str(submission), "--work", str(work),
           "--out", str(work / "out"), "-q"]
    for n in names:
        cmd += ["--exercise", n]
    return timed(cmd, KIT)


def bare(kit: Kit, name: str, root: Path) -> float:
    """cmake configure + build + ctest of the rubric's tests, one build dir per config."""
    rubric = kit.rubric(name)
    assert rubric is not None
    total = 0.0
    for config in sorted({c for t in rubric.tests for c in t.configs}):
        ids = [t.id for t in rubric.tests if config in t.configs]
        build = root / config
        total += timed(["cmake", "--preset", config, "-B", str(build), f"-DLOCKSTEP_EXERCISES={name}",
                        "-DLOCKSTEP_IMPL_DIR=solutions", "-DLOCKSTEP_GRADER_TESTS=OFF"], KIT)
        total += timed(["cmake", "--build", str(build), "--target", f"{name}_public_test",
                        f"{name}_hidden_test"], KIT)
        pattern = "^(" + "|".join(re.escape(i) for i in ids) + ")$"
        total += timed(["ctest", "--test-dir", str(build), "-j", str(os.cpu_count() or 2),
                        "-R", pattern, "--output-on-failure"], KIT)
    return total


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--exercise", action="append", help="only these exercises (repeatable)")
    ap.add_argument("--rounds", type=int, default=2,
                    help="interleaved rounds per exercise (0: only the all-exercise submission)")
    ap.add_argument("--no-full", action="store_true", help="skip the all-exercise submission")
    ap.add_argument("--write", type=Path, help="replace the measured block of this Markdown file")
    args = ap.parse_args()
    kit = Kit(KIT)
    names = kit.resolve_exercises(args.exercise)
    rows: list[str] = []
    with tempfile.TemporaryDirectory(prefix="lockstep-measure-") as tmp_name:
        tmp = Path(tmp_name)
        for n in names if args.rounds > 0 else []:
            sub = reference_submission(kit, [n], tmp / f"sub-{n}")
            other = next_student(sub, tmp / f"next-{n}")
            cold, warm, after, base, loads = [], [], [], [], []
            for r in range(args.rounds):
                work, bare_root = tmp / f"work-{n}-{r}", tmp / f"bare-{n}-{r}"
                loads.append(load())
                cold.append(grade(sub, work, [n]))
                warm.append(grade(sub, work, [n]))
                after.append(grade(other, work, [n]))
                base.append(bare(kit, n, bare_root))
                shutil.rmtree(work, ignore_errors=True)
                shutil.rmtree(bare_root, ignore_errors=True)
                print(f"{n} round {r + 1}: grader cold {cold[-1]:.1f} s, warm {warm[-1]:.1f} s, "
                      f"next student {after[-1]:.1f} s, "
                      f"bare build+ctest {base[-1]:.1f} s (load {loads[-1]:.1f})", flush=True)
            c, w, a, b = (statistics.median(x) for x in (cold, warm, after, base))
            rows.append(f"| {n} | {c:.0f} | {w:.0f} | {a:.0f} | {b:.0f} | {c / b:.2f} | {max(loads):.1f} |")
        full = ""
        if not args.no_full:
            every = kit.resolve_exercises(None)
            sub = reference_submission(kit, every, tmp / "sub-all")
            before = load()
            seconds = grade(sub, tmp / "work-all", every)
            then = grade(next_student(sub, tmp / "next-all"), tmp / "work-all", every)
            full = (f"A submission of all {len(every)} exercises, graded cold: **{seconds:.0f} s** "
                    f"({seconds / 60:.1f} min; load {before:.1f} at the start); the next student "
                    f"in the same work dir: **{then:.0f} s** ({then / 60:.1f} min).")
            print(full, flush=True)
    block = "\n".join([
        BEGIN,
        f"Measured {time.strftime('%Y-%m-%d')} on {os.cpu_count()} cores, {platform.machine()}, "
        f"Python {platform.python_version()}; medians of {args.rounds} interleaved rounds "
        f"(`{command_line(sys.argv[1:])}`).",
        "",
        "| exercise | grader cold (s) | grader warm (s) | next student (s) | bare build + ctest (s) "
        "| cold / bare | max load |",
        "|---|---|---|---|---|---|---|",
        *rows,
        "",
        full,
        END,
    ])
    print(block)
    if args.write:
        text = args.write.read_text() if args.write.is_file() else ""
        if BEGIN in text and END in text:
            text = text[:text.index(BEGIN)] + block + text[text.index(END) + len(END):]
        else:
            text += "\n" + block + "\n"
        args.write.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
