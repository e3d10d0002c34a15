"""`grade`: build a submission against the hidden and public tests, run, score, report."""

from __future__ import annotations

from pathlib import Path

from grader import pipeline, preflight
from grader.commands.common import default_configs, load_kit, work_dir
from grader.export import formats as formats_mod
from grader.export import terminal
from grader.progress import Progress
from grader.workspace import WorkLock, Workspace


def run(*, submission: Path | None, exercises: list[str] | None, out: Path, jobs: int,
        work: Path | None, configs: str | None, seed: int | None, kit_root: Path | None,
        progress: Progress, suites: tuple[str, ...] = ("hidden", "public"),
        formats: list[str] | None = None) -> int:
    """Exit 0 when grading finished, whatever the score (errors raise GraderError)."""
    kit = load_kit(kit_root)
    names = kit.resolve_exercises(exercises)
    chosen = default_configs(kit, names, configs)
    sub = submission if submission is not None else kit.root / "samples" / "buggy-channel"
    preflight.require_tools()
    wd = work_dir(kit, work)
    with WorkLock(wd):
        results = pipeline.evaluate(kit=kit, names=names, submission=sub.resolve() if sub.exists() else sub,
                                    suites=suites, configs=chosen, ws=Workspace(wd),
                                    jobs=jobs, seed=seed, progress=progress, verb="grade",
                                    submission_label=str(sub))
    paths = formats_mod.write_all(results, out, formats or [])
    terminal.print_scorecard(results)
    progress.line("wrote " + ", ".join(str(p) for p in paths))
    return 0
