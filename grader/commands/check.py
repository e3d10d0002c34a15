"""`check`: what a student runs. The same pipeline on the kit's own exercises/ folder
(their work in progress), public tests only."""

from __future__ import annotations

from pathlib import Path

from grader import pipeline, preflight
from grader.commands.common import default_configs, load_kit, work_dir
from grader.export import formats as formats_mod
from grader.export import terminal
from grader.progress import Progress
from grader.workspace import WorkLock, Workspace


def run(*, exercise: str | None, jobs: int, work: Path | None, configs: str | None,
        seed: int | None, out: Path | None, kit_root: Path | None, progress: Progress,
        formats: list[str] | None = None) -> int:
    """Exit 0 when every public test passed, 1 otherwise, so it can gate a student's CI."""
    kit = load_kit(kit_root)
    names = kit.resolve_exercises([exercise] if exercise else None)
    chosen = default_configs(kit, names, configs, ("public",))
    preflight.require_tools()
    wd = work_dir(kit, work)
    with WorkLock(wd):
        results = pipeline.evaluate(kit=kit, names=names, submission=kit.exercises_dir,
                                    suites=("public",), configs=chosen, ws=Workspace(wd), jobs=jobs,
                                    seed=seed, progress=progress, verb="check",
                                    submission_label="exercises/")
    if out is not None:
        paths = formats_mod.write_all(results, out, formats or [])
        progress.line("wrote " + ", ".join(str(p) for p in paths))
    terminal.print_scorecard(results)
    all_passed = all(t.passed for e in results.exercises for t in e.tests) and all(
        e.status == "graded" for e in results.exercises)
    return 0 if all_passed else 1
