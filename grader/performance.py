"""The performance tier (DESIGN 7.8): time the student's workload against the reference's
in the same run and turn the ratio into points.

Both are built in the optimised configuration from the same test file, one against the
submission (in the work area) and one against solutions/ (in a build dir of the grader's
own, built once and reused). They run one at a time, in interleaved pairs (A B, B A, ...)
after a warm-up of each, so slow drift in the machine's load hits both alike; the score
uses the median of the per-pair time ratios. Only code that passed every test is timed:
the speed of wrong code is worth nothing.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from pathlib import Path

from grader import build as build_mod
from grader import machine, run, sandbox
from grader.errors import GraderError
from grader.kit import Kit, PerformanceSpec
from grader.score import Performance
from grader.workspace import Workspace

CONFIG = "release"
SUITE = "performance"
MEDIAN_PROPERTY = "median_round_ms"   # see harness/include/lockstep/performance.hpp
REFERENCE_DIR = "reference"   # in the work dir, beside the workspace: never in the sandbox's sight


@dataclass
class Measurement:
    """Times in milliseconds, pair by pair; `problem` says why there is no ratio."""
    student_ms: list[float] = field(default_factory=list)
    reference_ms: list[float] = field(default_factory=list)
    problem: str = ""
    students_fault: bool = False

    @property
    def ratios(self) -> list[float]:
        return [s / r for s, r in zip(self.student_ms, self.reference_ms) if r > 0]

    @property
    def ratio(self) -> float | None:
        return statistics.median(self.ratios) if self.ratios and not self.problem else None


def target(exercise: str) -> str:
    return build_mod.test_target(exercise, SUITE)


def exercises_with_performance(kit: Kit) -> list[str]:
    """Every exercise whose rubric has a [performance] table: the reference build holds
    them all, so its configure command never changes between exercises."""
    names = []
    for n in kit.exercise_names():
        rubric = kit.rubric(n)
        if rubric is not None and rubric.performance is not None:
            names.append(n)
    return names


def build_reference(kit: Kit, work: Path, exercise: str, background: bool = False) -> tuple[Path | None, str]:
    """The reference's workload binary (built from the kit's solutions/, outside the work
    area), or None and the reason. `background`: at the lowest CPU priority (build.py)."""
    if not kit.solution_dir(exercise).is_dir():
        return None, f"this kit has no solutions/{exercise}/ to time against (a kit problem)"
    build_dir = work / REFERENCE_DIR / CONFIG
    logs = work / REFERENCE_DIR / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    try:
        result = build_mod.build(kit.root, build_dir, CONFIG, exercises_with_performance(kit),
                                 [target(exercise)], logs / f"build-{exercise}.log", impl_dir="solutions",
                                 background=background)
    except GraderError as e:
        return None, f"the reference's build could not be configured (a kit problem): {e}"
    if not result.ok:
        return None, f"the reference's workload did not build (a kit problem; log: {result.log_path})"
    return result.binary(target(exercise)), ""


def prebuild_references(kit: Kit, work: Path, exercises: list[str]) -> None:
    """Build the references of these exercises at the lowest CPU priority while the grade
    builds and runs the tests, so that the performance tier finds them built. Only where no
    grade has built them yet (see pipeline.prebuild). A failure is left for the tier's own
    build_reference to report."""
    if not exercises or build_mod.is_configured(kit.root, work / REFERENCE_DIR / CONFIG, CONFIG,
                                                exercises_with_performance(kit), impl_dir="solutions"):
        return
    for n in exercises:
        build_reference(kit, work, n, background=True)


def build_student(ws: Workspace, exercises: list[str], exercise: str,
                  hidden_only: list[str] | None = None) -> tuple[Path | None, str]:
    """The student's workload, in the work area's release build. `hidden_only`: as the
    grade's release stage configured it, or each would reconfigure the build for the other
    and rebuild its hidden tests."""
    result = build_mod.build(ws.source, ws.build_dir(CONFIG), CONFIG, exercises, [target(exercise)],
                             ws.logs() / f"build-{CONFIG}-{SUITE}-{exercise}.log", hidden_only)
    if not result.ok:
        return None, "the performance workload did not compile against this code in the optimised build"
    return result.binary(target(exercise)), ""


def runnable(ws: Workspace, binary: Path, name: str) -> Path:
    """As root, the sandbox's uid runs a copy outside the kit and the work area."""
    if not sandbox.is_root():
        return binary
    dest = ws.exec_copies() / f"{SUITE}-{name}"
    sandbox.prepare_readable([binary], dest)
    return dest / binary.name


def time_once(binary: Path, exercise: str, spec: PerformanceSpec, seed: int,
              hide: tuple[Path, ...]) -> tuple[float | None, run.Outcome]:
    """One run of the workload: the median round time in ms that the workload recorded
    (lockstep/performance.hpp), or None when it did not pass or recorded none."""
    job = run.Job(exercise=exercise, suite=SUITE, test=spec.test, config=CONFIG, binary=binary,
                  timeout_s=spec.timeout_s, seed=seed)
    outcome = run.run_one(job, slot=0, hide=hide)
    if not outcome.passed:
        return None, outcome
    try:
        ms = float(outcome.properties.get(MEDIAN_PROPERTY, ""))
    except ValueError:
        ms = 0.0
    # A round can never take longer than the whole process did.
    if not 0 < ms <= outcome.wall_s * 1000:
        outcome.status, outcome.reason = "failed", (
            f"the workload recorded no plausible {MEDIAN_PROPERTY} "
            f"({outcome.properties.get(MEDIAN_PROPERTY, 'none')!s} for a {outcome.wall_s:.2f} s run)")
        return None, outcome
    return ms, outcome


def measure(student: Path, reference: Path, exercise: str, spec: PerformanceSpec, seed: int,
            hide: tuple[Path, ...] = (), stop_when_decided: bool = True) -> Measurement:
    """Warm up both, then `spec.pairs` interleaved pairs, alternating which goes first.

    Stops early once most of the planned pairs are at or past zero_at: the median can no
    longer earn a point, and code that slow would otherwise take the longest to time.
    With `stop_when_decided`, it also stops once most of them are at or below full_at: the
    median of all the pairs would then earn every point whatever the rest measured. Either
    way the points are those of the full timing; only the printed ratio rests on fewer
    pairs, so selfcheck, which judges the noise of the ratio itself, times them all."""
    m = Measurement()
    for binary, who in ((student, "student"), (reference, "reference")):
        ms, outcome = time_once(binary, exercise, spec, seed, hide)
        if ms is None:
            return _failed(m, who, outcome)
    for i in range(spec.pairs):
        order = [(student, "student"), (reference, "reference")]
        if i % 2:
            order.reverse()
        for binary, who in order:
            ms, outcome = time_once(binary, exercise, spec, seed, hide)
            if ms is None:
                return _failed(m, who, outcome)
            (m.student_ms if who == "student" else m.reference_ms).append(ms)
        if sum(1 for r in m.ratios if r >= spec.zero_at) > spec.pairs // 2:
            break
        if stop_when_decided and sum(1 for r in m.ratios if r <= spec.full_at) > spec.pairs // 2:
            break
    return m


def _failed(m: Measurement, who: str, outcome: run.Outcome) -> Measurement:
    if who == "student":
        m.problem = f"the performance workload {outcome.job.test} did not pass: {outcome.reason}"
        m.students_fault = True
    else:
        m.problem = (f"the reference's workload did not pass ({outcome.reason}): a kit problem, "
                     "so these points are not withheld")
    return m


def assess(spec: PerformanceSpec, m: Measurement) -> Performance:
    base = dict(points=spec.points, full_at=spec.full_at, zero_at=spec.zero_at)
    if m.problem:
        return Performance(**base, withheld=m.problem if m.students_fault else "",
                           unmeasured="" if m.students_fault else m.problem)
    return Performance(**base, ratio=m.ratio, student_ms=tuple(m.student_ms),
                       reference_ms=tuple(m.reference_ms))


def not_timed(spec: PerformanceSpec, reason: str) -> Performance:
    """Performance points lost because the code was not timed (it failed a test)."""
    return Performance(points=spec.points, full_at=spec.full_at, zero_at=spec.zero_at, withheld=reason)


def evaluate(kit: Kit, ws: Workspace, exercises: list[str], exercise: str, spec: PerformanceSpec,
             seed: int, hide: tuple[Path, ...],
             hidden_only: list[str] | None = None) -> tuple[Performance, Measurement]:
    """Build both workloads and measure them: the whole tier for one exercise."""
    m = Measurement()
    reference, why = build_reference(kit, ws.work, exercise)
    if reference is None:
        m.problem = why
        return assess(spec, m), m
    student, why = build_student(ws, exercises, exercise, hidden_only)
    if student is None:
        m.problem, m.students_fault = why, True
        return assess(spec, m), m
    with machine.quiet():
        m = measure(runnable(ws, student, "student"), runnable(ws, reference, "reference"), exercise,
                    spec, seed, hide)
    return assess(spec, m), m

