"""`bundle --out DIR`: the starter repository students get.

It holds the exercises (skeletons, lessons, public tests), the harness, the build files,
the grader (students run `check`) and a GitHub Classroom workflow; no solutions, hidden
tests, alternates or mutants, in its files or in its history (DIR is written fresh, and
with --git it is a new repository with one commit).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import TextIO

from grader.commands.common import load_kit
from grader.errors import UsageError
from grader.workspace import kit_files

# Kit paths a student needs; everything else (solutions/, tests/, samples/, docs/) stays out.
STUDENT_PATHS = ("CMakeLists.txt", "CMakePresets.json", ".clang-tidy", ".clang-format",
                 "cmake", "harness", "exercises", "grader")
# Kit paths that must never reach a student, checked after the copy.
SECRET_PREFIXES = ("solutions/", "tests/hidden/", "tests/alternates/", "tests/mutants/", "samples/")

README = """# Concurrency exercises

Each folder of `exercises/` is one exercise: read its README.md (the lesson and exactly
what is graded), then edit the file it names. Check your work with the public tests:

```
python3 -m grader check            # every exercise
python3 -m grader check channel    # one exercise
```

`check` builds your code under AddressSanitizer+UndefinedBehaviorSanitizer and
ThreadSanitizer and runs the public tests; each failure names the guarantee that broke,
where, and the command that reruns it with the same seed. Your grade comes from many more
(hidden) tests of the same guarantees.

Needs: Python 3.11+, CMake 3.25+, Ninja, g++, clang++, GoogleTest
(`sudo apt-get install -y cmake ninja-build g++ clang clang-tidy libgtest-dev`).
"""

GITIGNORE = "build/\n.lockstep-work/\nlockstep-result/\n__pycache__/\n"

CLASSROOM_YML = """name: Autograding Tests
on: [push, workflow_dispatch, repository_dispatch]
permissions:
  checks: write
  actions: read
  contents: read
jobs:
  run-autograding-tests:
    runs-on: ubuntu-latest
    if: github.actor != 'github-classroom[bot]'
    env:
      KIT_REPO: ${{ secrets.LOCKSTEP_KIT_REPO }}   # secrets cannot appear in a step's if
    steps:
      - uses: actions/checkout@v4
      - name: Install the tools
        run: sudo apt-get update && sudo apt-get install -y cmake ninja-build g++ clang clang-tidy libgtest-dev
      - name: Public tests
        id: public
        run: |
          python3 -m grader check --out lockstep-result --format classroom,markdown || true
          cat lockstep-result/summary.md >> "$GITHUB_STEP_SUMMARY"
      # Hidden tests, when the instructor keeps them in a private repository: set the
      # repository secret LOCKSTEP_KIT_TOKEN (read access) and LOCKSTEP_KIT_REPO (owner/name).
      - name: Fetch the private kit
        if: env.KIT_REPO != ''
        uses: actions/checkout@v4
        with:
          repository: ${{ secrets.LOCKSTEP_KIT_REPO }}
          token: ${{ secrets.LOCKSTEP_KIT_TOKEN }}
          path: .lockstep-kit
      - name: Hidden tests
        id: hidden
        if: ${{ hashFiles('.lockstep-kit/tests/hidden/**') != '' }}
        run: |
          python3 -m grader grade exercises --kit .lockstep-kit --out lockstep-grade --format classroom,markdown
          cat lockstep-grade/summary.md >> "$GITHUB_STEP_SUMMARY"
      - name: Autograding Reporter
        uses: classroom-resources/autograding-grading-reporter@v1
        env:
          PUBLIC_RESULTS: "${{ steps.public.outputs.result }}"
          HIDDEN_RESULTS: "${{ steps.hidden.outputs.result }}"
        with:
          runners: ${{ steps.hidden.outputs.result != '' && 'hidden' || 'public' }}
"""


def run(*, out: Path, git: bool, kit_root: Path | None, stream: TextIO) -> int:
    kit = load_kit(kit_root)
    if out.exists() and any(out.iterdir()):
        raise UsageError(f"{out} exists and is not empty: the bundle is written to a fresh folder")
    files = kit_files(kit.root, STUDENT_PATHS)
    leaked = [rel for rel in files if rel.startswith(SECRET_PREFIXES)]
    if leaked:
        raise UsageError(f"refusing to bundle: {leaked[0]} must not reach students")
    for rel, src in sorted(files.items()):
        dest = out / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dest)
        shutil.copymode(src, dest)
    (out / "README.md").write_text(README)
    (out / ".gitignore").write_text(GITIGNORE)
    workflow = out / ".github" / "workflows" / "classroom.yml"
    workflow.parent.mkdir(parents=True, exist_ok=True)
    workflow.write_text(CLASSROOM_YML)
    if git:
        for cmd in (["git", "init", "-q"], ["git", "add", "-A"],
                    ["git", "-c", "user.name=lockstep", "-c", "user.email=lockstep@localhost",
                     "commit", "-q", "-m", "Starter code"]):
            subprocess.run(cmd, cwd=out, check=True)
    print(f"wrote the student bundle to {out} ({len(files) + 3} files)", file=stream)
    return 0
