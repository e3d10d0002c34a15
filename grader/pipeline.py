"""The stages of DESIGN 5 wired together for grade and check (selfcheck reuses the
pieces): intake -> workspace -> build -> run -> score -> feedback -> results.

Each stage lives in its own module; this one only decides what to feed to which, and
turns every per-submission problem into a result rather than an exception.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import secrets
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping

from grader import build as build_mod
from grader import diagnosis, feedback, lint, performance, run, sandbox, score, tidy
from grader import intake as intake_mod
from grader.errors import GraderError, KitError
from grader.kit import DEFAULT_CONFIGS, DEFAULT_TIMEOUT_S, Kit, Rubric, RubricTest
from grader.progress import Progress
from grader.results import BuildSummary, ExerciseResult, Results
from grader.workspace import Workspace

SHIM_TARGET = "lockstep_wait_delay"
# What a build holds that no submission changes (cmake/LockstepExercise.cmake, harness/).
HARNESS_TARGET = "lockstep_harness"
PCH_TARGET = "lockstep_test_pch"   # only when the build was configured with LOCKSTEP_PCH on


@dataclass
class Built:
    """The builds of one implementation: per config, the BuildResult."""

    builds: dict[str, build_mod.BuildResult] = field(default_factory=dict)
    exec_roots: dict[str, Path] = field(default_factory=dict)  # config -> copy of bin/ and lib/

    def exec_root(self, config: str) -> Path | None:
        """Where the binaries of a config are run from: the build dir, or a world-readable
        copy when the sandbox's unprivileged uid cannot reach the build dir."""
        if config in self.exec_roots:
            return self.exec_roots[config]
        b = self.builds.get(config)
        return b.build_dir if b is not None else None

    def binary(self, config: str, exercise: str, suite: str) -> Path | None:
        b = self.builds.get(config)
        root = self.exec_root(config)
        target = build_mod.test_target(exercise, suite)
        if b is None or root is None or target not in b.ok_targets:
            return None
        path = root / "bin" / target
        return path if path.is_file() else None


def new_seed() -> int:
    return secrets.randbelow(2**32)


def now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def has_hidden(source: Path, exercise: str) -> bool:
    return any((source / "tests" / "hidden" / exercise).glob("*.cpp"))


_TEST_DEFINITION = re.compile(r"^\s*TEST(?:_F)?\(\s*(\w+)\s*,\s*(\w+)\s*\)", re.M)
_TEST_P_DEFINITION = re.compile(r"^\s*TEST_P\(\s*(\w+)\s*,\s*(\w+)\s*\)", re.M)
_INSTANTIATION = re.compile(r"^\s*INSTANTIATE_TEST_SUITE_P\(\s*(\w+)\s*,\s*(\w+)\s*,", re.M)
_PARAMETERISED_ID = re.compile(r"^(\w+)/(\w+)\.(\w+)/[^/]+$")


def hidden_sources_of(source: Path, exercise: str, tests: Iterable[str]) -> list[str] | None:
    """The hidden test files (names) that define `tests`, or None when one of them is not
    found in a file (then everything is built). A value-parameterised test
    (Prefix/Suite.Name/param) is placed only where its TEST_P and its instantiation meet."""
    where: dict[str, str] = {}
    for path in sorted((source / "tests" / "hidden" / exercise).glob("*.cpp")):
        text = path.read_text(errors="replace")
        for m in _TEST_DEFINITION.finditer(text):
            where.setdefault(f"{m.group(1)}.{m.group(2)}", path.name)
        prefixes: dict[str, list[str]] = {}
        for m in _INSTANTIATION.finditer(text):
            prefixes.setdefault(m.group(2), []).append(m.group(1))
        for m in _TEST_P_DEFINITION.finditer(text):
            for prefix in prefixes.get(m.group(1), []):
                where.setdefault(f"{prefix}/{m.group(1)}.{m.group(2)}", path.name)

    def place(test: str) -> str | None:
        m = _PARAMETERISED_ID.match(test)
        return where.get(f"{m.group(1)}/{m.group(2)}.{m.group(3)}" if m else test)

    files = {place(t) for t in tests}
    return None if None in files else sorted(files)  # type: ignore[type-var]


def build_all(ws: Workspace, exercises: list[str], configs: Iterable[str], suites: Iterable[str],
              progress: Progress, label: str = "",
              tests: Mapping[str, Iterable[RubricTest]] | None = None) -> Built:
    """Build the test targets of `exercises` in each config (one cmake build per config).
    With `tests` (per exercise, the rubric tests that will run), a config builds only the
    suites and hidden test files that hold one of its tests: an optimised build that runs
    three stress tests compiles three files, not the whole suite."""
    built = Built()
    suites = list(suites)
    if not exercises:
        return built
    for config in configs:
        targets, hidden_only = config_targets(ws, exercises, suites, config, tests)
        if not targets:
            continue
        extra = [SHIM_TARGET] if config in run.PRELOAD_SHIM else []
        log_path = ws.logs() / f"build-{config}.log"
        progress.status(f"{label + ' ' if label else ''}building {config} ...")
        result = build_mod.build(ws.source, ws.build_dir(config), config, exercises,
                                 targets + extra, log_path, hidden_only)
        built.builds[config] = result
        if sandbox.is_root():
            # Tests run from a copy outside the kit and the work area, which they must not see.
            built.exec_roots[config] = _readable_copy(ws, result)
        what = f"{label} " if label else ""
        status = "ok" if result.ok else f"FAILED ({', '.join(result.failed_targets)})"
        progress.line(f"{what}build {config}: {status} in {result.seconds:.1f} s")
    return built


def prebuild(ws: Workspace, exercises: list[str], suites: list[str], config: str,
             tests: Mapping[str, Iterable[RubricTest]] | None) -> None:
    """Configure a later stage's build and build what in it no submission changes (the
    harness, the precompiled header, the preload shim), at the lowest CPU priority while
    the earlier stages run. Only in a build dir no grade has built in yet: anywhere else
    that is done, and a cmake run at the lowest priority can wait long on a busy machine.
    A failure is left for the stage's own build to report."""
    targets, hidden_only = config_targets(ws, exercises, suites, config, tests)
    build_dir = ws.build_dir(config)
    if not exercises or not targets or build_mod.is_configured(ws.source, build_dir, config, exercises,
                                                               hidden_only):
        return
    try:
        build_mod.configure(ws.source, build_dir, config, exercises, None, hidden_only, background=True)
        independent = [HARNESS_TARGET, *([SHIM_TARGET] if config in run.PRELOAD_SHIM else [])]
        if "LOCKSTEP_PCH:BOOL=ON" in (build_dir / "CMakeCache.txt").read_text(errors="replace"):
            independent.append(PCH_TARGET)
        build_mod.build(ws.source, build_dir, config, exercises, independent,
                        ws.logs() / f"prebuild-{config}.log", hidden_only, background=True)
    except (GraderError, OSError):
        pass


def config_targets(ws: Workspace, exercises: list[str], suites: list[str], config: str,
                   tests: Mapping[str, Iterable[RubricTest]] | None) -> tuple[list[str], list[str] | None]:
    """The test targets one config needs and the hidden files to build them from (None:
    every file). Without `tests`, every suite of every exercise, whole."""
    targets: list[str] = []
    hidden_files: set[str] = set()
    whole = tests is None
    for ex in exercises:
        mine = None if tests is None or ex not in tests else [t for t in tests[ex] if config in t.configs]
        whole = whole or mine is None
        for suite in suites:
            if suite == "hidden" and not has_hidden(ws.source, ex):
                continue
            if mine is not None and not any(t.suite == suite for t in mine):
                continue
            targets.append(build_mod.test_target(ex, suite))
            if suite == "hidden" and mine is not None:
                files = hidden_sources_of(ws.source, ex, [t.id for t in mine if t.suite == "hidden"])
                if files is None:
                    whole = True
                else:
                    hidden_files.update(files)
    return targets, None if whole else sorted(hidden_files)


def _readable_copy(ws: Workspace, result: build_mod.BuildResult) -> Path:
    """Copy the test binaries and the shim where the sandbox uid can execute them."""
    root = ws.exec_copies() / result.config
    sources = [result.build_dir / "bin" / t for t in result.ok_targets if (result.build_dir / "bin" / t).is_file()]
    sandbox.prepare_readable(sources, root / "bin")
    shim = result.build_dir / run.SHIM
    if shim.is_file():
        sandbox.prepare_readable([shim], root / "lib")
    return root


def run_context(built: Built, configs: Iterable[str], hide: tuple[Path, ...] = ()) -> run.RunContext:
    """`hide`: the kit and the work area, which hold the hidden tests and the solutions."""
    preload: dict[str, str] = {}
    prefixes: dict[str, list[str]] = {}
    for config in configs:
        prefixes[config] = sandbox.tsan_prefix() if config == "tsan" else []
        root = built.exec_root(config)
        value = preload_value(config, root / run.SHIM) if root is not None else None
        if value:
            preload[config] = value
    return run.RunContext(preload, prefixes, hide)


def preload_value(config: str, shim: Path) -> str | None:
    """The shim to preload in a configuration (see run.PRELOAD_SHIM), or None."""
    return str(shim) if config in run.PRELOAD_SHIM and shim.is_file() else None


# Build order of grade and check: TSan builds fastest and catches the most; ASan+UBSan next.
STAGE_ORDER = ("tsan", "asan", "release", "dev")


def staged_order(configs: Iterable[str]) -> list[str]:
    return sorted(configs, key=lambda c: STAGE_ORDER.index(c) if c in STAGE_ORDER else len(STAGE_ORDER))


def restrict(tests: Iterable[RubricTest], configs: list[str], suites: Iterable[str]) -> list[RubricTest]:
    """The rubric tests of the chosen suites, each limited to the chosen configurations
    (a test none of whose configurations is chosen is left out)."""
    chosen: list[RubricTest] = []
    suites = set(suites)
    for t in tests:
        if t.suite not in suites:
            continue
        cs = tuple(c for c in t.configs if c in configs)
        if cs:
            chosen.append(dataclasses.replace(t, configs=cs))
    return chosen


def make_jobs(exercise: str, tests: Iterable[RubricTest], built: Built, seed: int | None,
              run_index: int = 0, build_errors: Mapping[str, str] | None = None) -> list[run.Job]:
    jobs: list[run.Job] = []
    for t in tests:
        for config in t.configs:
            binary = built.binary(config, exercise, t.suite)
            jobs.append(run.Job(exercise=exercise, suite=t.suite, test=t.id, config=config,
                                binary=binary, timeout_s=t.timeout_s,
                                seed=seed if seed is not None else new_seed(), run_index=run_index,
                                build_error=(build_errors or {}).get(config, "")))
    return jobs


def discovered_public_tests(built: Built, exercise: str, configs: list[str],
                            hide: tuple[Path, ...] = ()) -> list[RubricTest]:
    """Without a rubric (a student bundle), every public test is worth one point."""
    for config in configs:
        binary = built.binary(config, exercise, "public")
        if binary is None:
            continue
        names, _ = run.list_tests(binary, config, prefix=sandbox.tsan_prefix() if config == "tsan" else [],
                                  hide=hide)
        if names:
            return [RubricTest(n, "public", 1.0, "", tuple(configs), DEFAULT_TIMEOUT_S) for n in names]
    return []


def listed_tests(built: Built, exercise: str, configs: list[str], suites: Iterable[str],
                 hide: tuple[Path, ...] = ()) -> dict[tuple[str, str], set[str]]:
    """(config, suite) -> the tests its binary lists; absent when listing failed (a
    submission crashing in a static initialiser: every test then reports that itself)."""
    listed: dict[tuple[str, str], set[str]] = {}
    for config in configs:
        for suite in suites:
            binary = built.binary(config, exercise, suite)
            if binary is None:
                continue
            names, error = run.list_tests(binary, config, hide=hide,
                                          prefix=sandbox.tsan_prefix() if config == "tsan" else [])
            if not error:
                listed[(config, suite)] = set(names)
    return listed


def _batch_line(progress: Progress, label: str, outcomes: list[run.Outcome], seconds: float) -> None:
    counts: dict[str, int] = {}
    for o in outcomes:
        counts[o.status] = counts.get(o.status, 0) + 1
    summary = ", ".join(f"{n} {s}" for s, n in sorted(counts.items(), key=lambda kv: -kv[1]))
    progress.line(f"{label}: {len(outcomes)} test runs in {seconds:.1f} s ({summary or 'none'})")


def run_batch(jobs: list[run.Job], context: run.RunContext, parallel: int,
              progress: Progress, label: str) -> list[run.Outcome]:
    t0 = time.monotonic()
    counter = progress.counter(label, len(jobs))
    outcomes = run.run_jobs(jobs, parallel=parallel, context=context, on_done=lambda o: counter.tick(
        o.passed, f"{o.job.test} [{o.job.config}] {o.status} ({o.wall_s:.1f} s)"))
    progress.clear()
    _batch_line(progress, label, outcomes, time.monotonic() - t0)
    return outcomes


def build_display(ws: Workspace, config: str, suite: str) -> str:
    """How a rerun command names the build tree: the student's own (cmake --preset
    <config> builds into build/<config>) for public tests, the grader's work area for
    hidden ones, which only exist there."""
    return f"build/{config}" if suite == "public" else str(ws.build_dir(config))


def rerun_parts(ws: Workspace, config: str, exercise: str, suite: str,
                context: run.RunContext) -> tuple[str, list[str], dict[str, str]]:
    """(binary, argv prefix, environment) of the command that reruns a test by hand."""
    root = build_display(ws, config, suite)
    binary = f"{root}/bin/{build_mod.test_target(exercise, suite)}"
    env: dict[str, str] = {}
    if config in context.preload:
        env = run.preload_env(config, f"{root}/{run.SHIM}")
    return binary, context.prefixes.get(config, []), env


def start_code_quality(pool: ThreadPoolExecutor, ws: Workspace, exercise: str,
                       owned: tuple[str, ...], paths: feedback.PathMap,
                       progress: Progress) -> Future[tidy.TidyReport]:
    """clang-tidy in the background: it needs one core for half a minute, which the test
    runs of the remaining configurations leave partly idle."""
    def check() -> tidy.TidyReport:
        t0 = time.monotonic()
        report = tidy.run(ws.source, ws.build_dir(tidy.DATABASE_CONFIG), exercise, owned, paths)
        progress.line(f"{exercise}: clang-tidy: " + (report.skipped or f"{len(report.warnings)} "
                                                     f"warning(s) in {time.monotonic() - t0:.1f} s"))
        return report
    return pool.submit(check)


def code_quality(builds: Mapping[str, BuildSummary],
                 pending: Future[tidy.TidyReport] | None) -> tidy.TidyReport:
    """clang-tidy's warnings on the owned files (skipped, with the reason, when it cannot run)."""
    database = builds.get(tidy.DATABASE_CONFIG)
    if database is None:
        return tidy.TidyReport(skipped=f"code quality is checked on the {tidy.DATABASE_CONFIG} build, "
                                       "which this run did not make")
    if not database.ok or pending is None:
        return tidy.TidyReport(skipped="the code does not compile; code quality was not checked")
    return pending.result()


def evaluate(*, kit: Kit, names: list[str], submission: Path, suites: tuple[str, ...],
             configs: list[str], ws: Workspace, jobs: int, seed: int | None,
             progress: Progress, verb: str, submission_label: str | None = None) -> Results:
    """Grade one submission: the whole pipeline for grade and check. The caller holds
    the work-dir lock."""
    t_start = time.monotonic()
    started = now()
    exercises = {n: kit.exercise(n) for n in names}
    rubrics = {n: kit.rubric(n) for n in names}
    for n in names:
        if "hidden" in suites and rubrics[n] is None:
            raise KitError(f"exercise {n} has no tests/hidden/{n}/rubric.toml: cannot grade it")

    owned = {n: exercises[n].owned for n in names}
    taken = intake_mod.intake(submission, ws.work / "staging", owned)
    notes = list(taken.notes)
    complete = [n for n in names if taken.exercises[n].complete]
    progress.line(f"intake: {len(complete)}/{len(names)} exercises complete"
                  + (f" ({len(notes)} notes)" if notes else ""))
    ws.prepare(kit.root, {n: taken.exercises[n].files for n in complete})
    paths = feedback.PathMap.for_workspace(ws.source, owned)

    # One configuration at a time, the fastest to build first, each run as soon as it is
    # built: a student sees the first failure (or compile error) after one build, not three.
    built = Built()
    compile_fb: dict[str, dict[str, feedback.CompileFeedback]] = {n: {} for n in names}
    plans: dict[str, list[RubricTest]] = {}
    outcomes: list[run.Outcome] = []
    stage_tests = {n: restrict(rubrics[n].tests, configs, suites) for n in complete if rubrics[n] is not None}
    timed_exercises = [n for n in complete if "hidden" in suites and rubrics[n] is not None
                       and rubrics[n].performance is not None]
    tidy_pool = ThreadPoolExecutor(max_workers=1)
    # What no submission changes is built in the background, one build at a time and in the
    # order it is needed: the later stages' harness and precompiled header, then the
    # references the performance tier times against.
    background = ThreadPoolExecutor(max_workers=1)
    try:
        pending_tidy: dict[str, Future[tidy.TidyReport]] = {}
        stages = staged_order(configs)
        prebuilt = {c: background.submit(prebuild, ws, complete, list(suites), c, stage_tests)
                    for c in stages[1:]}
        references = background.submit(performance.prebuild_references, kit, ws.work, timed_exercises)
        for config in stages:
            if config in prebuilt:
                prebuilt[config].result()   # never two builds in one build dir at once
            stage = build_all(ws, complete, [config], suites, progress, tests=stage_tests)
            built.builds.update(stage.builds)
            built.exec_roots.update(stage.exec_roots)
            b = stage.builds.get(config)
            if b is not None and not b.ok:
                fb = feedback.compile_errors(b.log, paths)
                progress.line(f"build {config} failed: {fb.summary}")
                for n in complete:
                    if any(t.startswith(f"{n}_") for t in b.failed_targets):
                        compile_fb[n][config] = fb
            if b is not None and config == tidy.DATABASE_CONFIG:
                for n in complete:
                    if not any(t.startswith(f"{n}_") for t in b.failed_targets):
                        pending_tidy[n] = start_code_quality(tidy_pool, ws, n, owned[n], paths, progress)
            stage_jobs: list[run.Job] = []
            for n in complete:
                rubric = rubrics[n]
                if not plans.get(n):
                    plans[n] = (restrict(rubric.tests, configs, suites) if rubric is not None
                                else discovered_public_tests(built, n, configs, (kit.root, ws.work)))
                tests = restrict(plans[n], [config], suites)
                errors = {c: f"{fb.summary}\n{fb.excerpt}" for c, fb in compile_fb[n].items()}
                listed = listed_tests(built, n, [config], {t.suite for t in tests}, (kit.root, ws.work))
                for job in make_jobs(n, tests, built, seed, build_errors=errors):
                    names_in_binary = listed.get((job.config, job.suite))
                    if job.binary is not None and names_in_binary is not None and job.test not in names_in_binary:
                        outcomes.append(run.Outcome(job=job, status="no_record", seed=job.seed, reason=(
                            f"the kit's {job.suite} test binary has no test {job.test} (a kit problem: "
                            "run selfcheck)")))
                        notes.append(f"kit problem: {job.test} is in the rubric but not in the {job.config} binary")
                    else:
                        stage_jobs.append(job)
            if stage_jobs:
                ran = run_batch(stage_jobs, run_context(built, [config], (kit.root, ws.work)), jobs, progress,
                                f"tests ({config})")
                first = next((o for o in ran if not o.passed), None)
                if first is not None:
                    progress.line(f"first failure ({config}): {first.job.test}: {paths.rewrite(first.reason)}")
                outcomes += ran
        context = run_context(built, configs, (kit.root, ws.work))
        by_exercise: dict[str, dict[tuple[str, str], run.Outcome]] = {n: {} for n in names}
        for o in outcomes:
            by_exercise[o.job.exercise][(o.job.test, o.job.config)] = o
        timed: dict[str, score.Performance] = {}
        references.result()  # built before anything is timed; the tier's own build is then a no-op
        if "hidden" in suites:
            for future in pending_tidy.values():
                future.result()  # nothing else may compete for the cores while the workloads run
            _, release_files = config_targets(ws, complete, list(suites), performance.CONFIG, stage_tests)
            timed = performance_tier(kit, ws, {n: r for n, r in rubrics.items() if r is not None},
                                     complete, plans, by_exercise, seed, progress, release_files)

        results: list[ExerciseResult] = []
        for n in names:
            ex = exercises[n]
            status_intake = taken.exercises[n]
            messages: list[str] = []
            if n not in complete:
                problems = [f"missing {n}/{m}" for m in status_intake.missing] + status_intake.invalid
                if taken.rejected:
                    problems.insert(0, f"submission rejected: {taken.rejected}")
                messages.append("not graded: " + "; ".join(problems))
                rubric = rubrics[n]
                tests = restrict(rubric.tests, configs, suites) if rubric is not None else []
                scored = score.score_exercise(n, tests, {}, graded=False, performance=timed.get(n))
                results.append(ExerciseResult.from_score(ex.title, scored, "not_submitted", {}, {}, messages))
                continue
            findings = lint.scan(status_intake.files, ex.forbidden)
            builds: dict[str, BuildSummary] = {}
            for config, b in built.builds.items():
                mine = [t for t in b.failed_targets if t.startswith(f"{n}_")]
                builds[config] = BuildSummary(config, not mine, b.seconds, mine, compile_fb[n].get(config))
            tidy_report = code_quality(builds, pending_tidy.get(n))
            rubric = rubrics[n]
            quality = None if rubric is None else score.Quality(
                rubric.quality_points, rubric.quality_per_warning, len(tidy_report.warnings),
                checked=not tidy_report.skipped)
            scored = score.score_exercise(n, plans[n], by_exercise[n], findings, quality=quality,
                                          performance=timed.get(n))
            run_fb: dict[str, dict[str, feedback.RunFeedback | None]] = {}
            for t in plans[n]:
                per: dict[str, feedback.RunFeedback | None] = {}
                for c in t.configs:
                    o = by_exercise[n].get((t.id, c))
                    if o is None:
                        per[c] = None
                        continue
                    binary, prefix, env = rerun_parts(ws, c, n, t.suite, context)
                    if o.status != "timeout":
                        env = {}  # the shim only matters to reproduce a hang; keep the command short
                    per[c] = feedback.for_run(o, paths, binary, prefix, env)
                run_fb[t.id] = per
            status = "build_failed" if any(not b.ok for b in builds.values()) else "graded"
            if rubrics[n] is None:
                messages.append("no rubric in this kit: every public test counts one point")
            diagnosed = diagnosis.diagnose_score(scored, diagnosis.signatures_for(kit, n))
            results.append(ExerciseResult.from_score(ex.title, scored, status, builds, run_fb, messages,
                                                     diagnosed, tidy_report))

        return Results(verb=verb, submission=submission_label or str(submission), configs=list(configs),
                       started_at=started, finished_at=now(), duration_s=time.monotonic() - t_start,
                       exercises=results, notes=notes,
                       environment={"jobs": jobs, "root_sandbox": sandbox.is_root(),
                                    "network_isolated": sandbox.network_isolation(),
                                    "kit_hidden": sandbox.is_root() and sandbox.path_hiding()})
    finally:
        tidy_pool.shutdown()
        background.shutdown()  # never leaves a build running in the work dir


def performance_tier(kit: Kit, ws: Workspace, rubrics: Mapping[str, Rubric], complete: list[str],
                     plans: Mapping[str, list[RubricTest]],
                     outcomes: Mapping[str, Mapping[tuple[str, str], run.Outcome]],
                     seed: int | None, progress: Progress,
                     release_files: list[str] | None = None) -> dict[str, score.Performance]:
    """Per exercise with a [performance] table: the timed ratio against the reference, or
    the points withheld with the reason (only code that passed every test is timed).
    `release_files`: the hidden files the release stage's build was configured with."""
    timed: dict[str, score.Performance] = {}
    for n in sorted(rubrics):
        spec = rubrics[n].performance
        if spec is None:
            continue
        if n not in complete:
            timed[n] = performance.not_timed(spec, "nothing was submitted")
            continue
        if not score.score_exercise(n, plans[n], outcomes[n]).correctness_complete:
            timed[n] = performance.not_timed(spec, "speed is measured only for code that passes every "
                                                   "test, and this code failed at least one")
            progress.line(f"{n}: performance not measured (a test failed)")
            continue
        progress.status(f"{n}: timing the performance workload against the reference ...")
        t0 = time.monotonic()
        timed[n], m = performance.evaluate(kit, ws, complete, n, spec,
                                           seed if seed is not None else new_seed(), (kit.root, ws.work),
                                           release_files)
        progress.clear()
        progress.line(f"{n}: performance: " + (m.problem or f"time ratio {m.ratio:.2f} to the reference "
                                               f"over {len(m.ratios)} pairs, {timed[n].earned:g}/"
                                               f"{spec.points:g} points") + f" ({time.monotonic() - t0:.1f} s)")
    return timed


def parse_configs(text: str | None, default: Iterable[str] = DEFAULT_CONFIGS) -> list[str]:
    from grader.errors import UsageError
    from grader.kit import KNOWN_CONFIGS
    if not text:
        return list(default)
    configs = [c.strip() for c in text.split(",") if c.strip()]
    bad = [c for c in configs if c not in KNOWN_CONFIGS]
    if bad or not configs:
        raise UsageError(f"--configs: unknown configuration {', '.join(bad) or '(empty)'}; "
                         f"choose from {', '.join(KNOWN_CONFIGS)}")
    return list(dict.fromkeys(configs))
