"""`selfcheck`: the kit proves its tests (DESIGN 5).

Per exercise, in one workspace whose owned files are swapped implementation by
implementation (so each is built once per configuration and ninja rebuilds only what the
swap touched): the reference and every alternate get full marks in every run; the
skeleton builds, finishes without the grader having to kill it and scores at most 5%;
every mutant loses points in every run and each of its must_fail tests fails in every
run; the rubric and the tests the binaries contain match both ways. Prints the kill
matrix and the false-failure count; exit 1 with the list of broken expectations.
"""

from __future__ import annotations

import dataclasses
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from grader import (diagnosis, feedback, machine, performance, pipeline, preflight, run as run_mod,
                    sandbox, score, tidy)
from grader.commands.common import default_configs, load_kit, work_dir
from grader.errors import GraderError
from grader.kit import Kit, Mutant, PerformanceSpec, RubricTest
from grader.progress import Progress
from grader.workspace import WorkLock, Workspace

SKELETON_MAX_FRACTION = 0.05
# The reference timed against itself must land in this band in every run, or the
# performance tier is too noisy to grade with (DESIGN 7.8).
SELF_RATIO_BAND = (0.85, 1.15)


@dataclass
class Impl:
    kind: str                  # reference | alternate | skeleton | mutant
    name: str
    directory: Path
    mutant: Mutant | None = None

    @property
    def label(self) -> str:
        return self.kind if self.kind in ("reference", "skeleton") else f"{self.kind} {self.name}"


@dataclass
class ImplReport:
    impl: Impl
    built: bool
    runs: list[score.ExerciseScore] = field(default_factory=list)
    outcomes: list[run_mod.Outcome] = field(default_factory=list)
    timings: list[performance.Measurement] = field(default_factory=list)

    def timed(self) -> bool:
        return self.impl.kind in ("reference", "alternate") or self.slower()

    def slower(self) -> bool:
        return self.impl.mutant is not None and self.impl.mutant.slower


def implementations(kit: Kit, name: str, owned: tuple[str, ...], problems: list[str]) -> list[Impl]:
    impls = [Impl("reference", "reference", kit.solution_dir(name))]
    alternates = kit.alternates(name)
    if not alternates:
        problems.append(f"{name}: no alternate solution in tests/alternates/{name}/ (DESIGN 2 asks for one)")
    impls += [Impl("alternate", a.name, a.directory) for a in alternates]
    impls.append(Impl("skeleton", "skeleton", kit.exercises_dir / name))
    mutants = kit.mutants(name)
    if len(mutants) < 5:
        problems.append(f"{name}: {len(mutants)} mutants in tests/mutants/{name}/ (DESIGN 2 asks for at least 5)")
    impls += [Impl("mutant", m.name, m.directory, m) for m in mutants]
    return impls


def owned_files(impl: Impl, owned: tuple[str, ...]) -> tuple[dict[str, Path], list[str]]:
    files = {rel: impl.directory / rel for rel in owned}
    missing = [rel for rel, p in files.items() if not p.is_file()]
    return files, missing


def _first_line(text: str) -> str:
    return (text.strip().splitlines() or [""])[0][:160]


def check_consistency(name: str, rubric_tests: tuple[RubricTest, ...], built: pipeline.Built,
                      configs: list[str], problems: list[str]) -> None:
    """Every test a binary lists has a rubric entry with the right suite, and back."""
    listed: dict[str, str] = {}
    for suite in ("public", "hidden"):
        for config in configs:
            binary = built.binary(config, name, suite)
            if binary is None:
                continue
            tests, error = run_mod.list_tests(binary, config,
                                              prefix=sandbox.tsan_prefix() if config == "tsan" else [])
            if error:
                problems.append(f"{name}: {_first_line(error)}")
            for t in tests:
                listed[t] = suite
            break
    rubric = {t.id: t for t in rubric_tests}
    for t, suite in sorted(listed.items()):
        if t not in rubric:
            problems.append(f"{name}: {t} ({suite} binary) has no [[test]] entry in rubric.toml")
        elif rubric[t].suite != suite:
            problems.append(f"{name}: rubric says {t} is {rubric[t].suite}, but the {suite} binary holds it")
    for t in rubric:
        if t not in listed:
            problems.append(f"{name}: rubric.toml lists {t}, which no test binary contains")


def evaluate_impl(impl: Impl, *, kit: Kit, name: str, owned: tuple[str, ...], tests: list[RubricTest],
                  ws: Workspace, configs: list[str], runs: int, jobs: int, progress: Progress,
                  problems: list[str], first: bool, rubric_tests: tuple[RubricTest, ...],
                  quick: bool, spec: PerformanceSpec | None = None) -> ImplReport | None:
    files, missing = owned_files(impl, owned)
    if missing:
        problems.append(f"{name}/{impl.label}: missing {', '.join(missing)} in {impl.directory}")
        return None
    if impl.kind == "mutant" and impl.mutant is not None and impl.mutant.slower and quick:
        # Quick mode takes the slow mutant's correctness on trust and times it once: one
        # timing of 41 pairs already decides whether it loses performance points.
        ws.prepare(kit.root, {name: files})
        report = ImplReport(impl, built=True)
        if spec is not None:
            report.timings = time_impl(impl, kit=kit, name=name, spec=spec, ws=ws, runs=1,
                                       progress=progress)
            report.runs = [score.score_exercise(name, [], {}, performance=performance.assess(spec, m))
                           for m in report.timings]
        return report
    if impl.kind == "mutant" and impl.mutant is not None and quick:
        chosen = [t for t in tests if t.id in set(impl.mutant.must_fail)]
        return hunt_mutant(impl, kit=kit, name=name, files=files, tests=chosen, ws=ws,
                           configs=configs, runs=runs, jobs=jobs, progress=progress,
                           problems=problems)
    chosen = tests
    if impl.kind == "skeleton" and quick:
        # Quick mode proves the skeleton builds and fails fast in one configuration.
        first_config = quick_config_order(configs)[0]
        chosen = pipeline.restrict(tests, [first_config], ("hidden", "public"))
        configs = [first_config]
    # Build only what the chosen tests need (a quick mutant run skips unused configs); the
    # first implementation builds everything, for the rubric <-> binaries check.
    need_configs = configs if first else [c for c in configs if any(c in t.configs for t in chosen)]
    need_suites = ("hidden", "public") if first else tuple(s for s in ("hidden", "public")
                                                           if any(t.suite == s for t in chosen))
    ws.prepare(kit.root, {name: files})
    built = pipeline.build_all(ws, [name], need_configs, need_suites, progress, label=f"{name}/{impl.label}",
                               tests=None if first else {name: chosen})
    report = ImplReport(impl, built=all(b.ok for b in built.builds.values()))
    if not report.built:
        failed = {c: b.failed_targets for c, b in built.builds.items() if not b.ok}
        problems.append(f"{name}/{impl.label}: does not build ({failed}); see {ws.logs()}")
        if impl.kind != "skeleton":
            return report
    if first:
        check_consistency(name, rubric_tests, built, configs, problems)
    if impl.kind in ("reference", "alternate") and tidy.DATABASE_CONFIG in built.builds:
        check_tidy_clean(impl, name, owned, ws, problems, progress)
    all_jobs: list[run_mod.Job] = []
    for r in range(runs):
        all_jobs += pipeline.make_jobs(name, chosen, built, seed=None, run_index=r)
    outcomes = pipeline.run_batch(all_jobs, pipeline.run_context(built, configs, (kit.root, ws.work)), jobs, progress, f"{name}/{impl.label} tests")
    report.outcomes = outcomes
    if spec is not None and report.timed():
        report.timings = time_impl(impl, kit=kit, name=name, spec=spec, ws=ws, runs=runs,
                                   progress=progress)
    for r in range(runs):
        mine = {(o.job.test, o.job.config): o for o in outcomes if o.job.run_index == r}
        timed = performance.assess(spec, report.timings[r]) if report.timings and spec else None
        report.runs.append(score.score_exercise(name, chosen, mine, performance=timed))
    return report


def check_tidy_clean(impl: Impl, name: str, owned: tuple[str, ...], ws: Workspace,
                     problems: list[str], progress: Progress) -> None:
    """Correct kit code is clang-tidy clean: a warning in the reference or an alternate is a
    kit problem (and would teach students the habit the code-quality points penalise)."""
    paths = feedback.PathMap.for_workspace(ws.source, {name: owned})
    report = tidy.run(ws.source, ws.build_dir(tidy.DATABASE_CONFIG), name, owned, paths)
    if report.skipped:
        progress.line(f"{name}/{impl.label}: {report.skipped}")
    for w in report.warnings:
        problems.append(f"{name}/{impl.label}: clang-tidy warning at {impl.directory / w.file}:{w.line}: "
                        f"{w.message} [{w.check}]")


def time_impl(impl: Impl, *, kit: Kit, name: str, spec: PerformanceSpec, ws: Workspace, runs: int,
              progress: Progress) -> list[performance.Measurement]:
    """The performance workload of the prepared implementation against the reference's,
    once per run (each run its own interleaved pairs)."""
    reference, why = performance.build_reference(kit, ws.work, name)
    student, why_student = (None, "") if reference is None else performance.build_student(ws, [name], name)
    if reference is None or student is None:
        return [performance.Measurement(problem=why or why_student, students_fault=reference is not None)
                for _ in range(runs)]
    mine = performance.runnable(ws, student, "student")
    theirs = performance.runnable(ws, reference, "reference")
    timings = []
    with machine.quiet():
        for r in range(runs):
            progress.status(f"{name}/{impl.label}: timing the performance workload, run {r + 1}/{runs} ...")
            timings.append(performance.measure(mine, theirs, name, spec, pipeline.new_seed(),
                                               (kit.root, ws.work), stop_when_decided=False))
    progress.clear()
    progress.line(f"{name}/{impl.label} performance: time ratio per run "
                  + ", ".join(f"{m.ratio:.2f}" if m.ratio is not None else m.problem for m in timings))
    return timings


# Quick mode tries the configurations in this order and stops as soon as every must_fail
# test has failed in every run: TSan builds fast and catches races, hangs and wrong results
# alike; the optimised build is next cheapest.
QUICK_CONFIG_ORDER = ("tsan", "release", "asan")


def quick_config_order(configs: list[str]) -> list[str]:
    return sorted(configs, key=lambda c: QUICK_CONFIG_ORDER.index(c)
                  if c in QUICK_CONFIG_ORDER else len(QUICK_CONFIG_ORDER))


def hunt_mutant(impl: Impl, *, kit: Kit, name: str, files: dict[str, Path], tests: list[RubricTest],
                ws: Workspace, configs: list[str], runs: int, jobs: int, progress: Progress,
                problems: list[str]) -> ImplReport:
    """A mutant's must_fail tests, one configuration at a time: a (test, run) pair that
    already failed is not run again, and a configuration nobody still needs is not built.
    A test fails when it fails in any configuration, so this decides the same kills as
    running everything, at a fraction of the builds."""
    ws.prepare(kit.root, {name: files})
    report = ImplReport(impl, built=True)
    alive = {(t.id, r) for t in tests for r in range(runs)}
    for config in quick_config_order(configs):
        wanted = [t for t in tests if config in t.configs and any((t.id, r) in alive for r in range(runs))]
        if not wanted:
            continue
        suites = tuple(s for s in ("hidden", "public") if any(t.suite == s for t in wanted))
        # Only the hidden test files that hold these tests are compiled against the mutant.
        built = pipeline.build_all(ws, [name], [config], suites, progress,
                                   label=f"{name}/{impl.label}", tests={name: wanted})
        if not all(b.ok for b in built.builds.values()):
            report.built = False
            problems.append(f"{name}/{impl.label}: does not build in {config}; see {ws.logs()}")
            return report
        one_config = pipeline.restrict(wanted, [config], suites)
        batch: list[run_mod.Job] = []
        for r in range(runs):
            batch += pipeline.make_jobs(name, [t for t in one_config if (t.id, r) in alive], built,
                                        seed=None, run_index=r)
        outcomes = pipeline.run_batch(batch, pipeline.run_context(built, [config], (kit.root, ws.work)), jobs, progress,
                                      f"{name}/{impl.label} tests ({config})")
        report.outcomes += outcomes
        alive -= {(o.job.test, o.job.run_index) for o in outcomes if not o.passed}
    for r in range(runs):
        mine = {(o.job.test, o.job.config): o for o in report.outcomes if o.job.run_index == r}
        ran = [dataclasses.replace(t, configs=tuple(c for c in t.configs if (t.id, c) in mine))
               for t in tests]
        report.runs.append(score.score_exercise(name, [t for t in ran if t.configs], mine))
    return report


def judge(name: str, report: ImplReport, runs: int, problems: list[str]) -> None:
    impl = report.impl
    judge_timings(name, report, problems)
    if report.slower():
        return
    if impl.kind in ("reference", "alternate"):
        for i, r in enumerate(report.runs):
            # Lost performance points are judge_timings' to report, with the ratio.
            if any(not t.passed for t in r.tests):
                lost = [f"{t.test.id} [" + ", ".join(
                    f"{c}: {o.status if o else 'not run'}: {_first_line(o.reason) if o else ''}"
                    for c, o in t.outcomes.items() if o is None or not o.passed) + "]"
                    for t in r.tests if not t.passed]
                problems.append(f"{name}/{impl.label}: run {i + 1}: {r.points:g}/{r.max_points:g}, lost "
                                + "; ".join(lost))
    elif impl.kind == "skeleton":
        for i, r in enumerate(report.runs):
            if r.max_points and r.points > SKELETON_MAX_FRACTION * r.max_points:
                problems.append(f"{name}/skeleton: run {i + 1} scores {r.points:g}/{r.max_points:g} "
                                f"(> {SKELETON_MAX_FRACTION:.0%}): "
                                + ", ".join(t.test.id for t in r.tests if t.passed))
        killed = [o for o in report.outcomes if o.status == "timeout" and "wall-clock" in o.reason]
        if killed:
            problems.append(f"{name}/skeleton: {len(killed)} test runs had to be killed by the grader "
                            f"(e.g. {killed[0].job.test} in {killed[0].job.config})")
    elif impl.kind == "mutant" and impl.mutant is not None:
        for i, r in enumerate(report.runs):
            if r.points >= r.max_points:
                problems.append(f"{name}/{impl.label}: run {i + 1} loses no points")
            by_id = {t.test.id: t for t in r.tests}
            for t in impl.mutant.must_fail:
                ts = by_id.get(t)
                if ts is None:
                    problems.append(f"{name}/{impl.label}: must_fail names {t}, which is not in the rubric"
                                    + (" for the chosen configurations" if i == 0 else ""))
                elif ts.passed:
                    problems.append(f"{name}/{impl.label}: run {i + 1}: must_fail test {t} passed")


def judge_timings(name: str, report: ImplReport, problems: list[str]) -> None:
    """The reference against itself stays inside SELF_RATIO_BAND; an alternate keeps every
    performance point (judged with its score); a slower mutant passes every test and loses
    performance points in every run."""
    impl = report.impl
    low, high = SELF_RATIO_BAND
    for i, m in enumerate(report.timings):
        if m.problem:
            problems.append(f"{name}/{impl.label}: run {i + 1}: performance not measured: {m.problem}")
        elif impl.kind == "reference" and m.ratio is not None and not low <= m.ratio <= high:
            problems.append(f"{name}/reference: run {i + 1}: timed against itself, the ratio is "
                            f"{m.ratio:.2f}, outside {low:g}-{high:g}: the workload is too noisy to grade")
        elif impl.kind == "alternate" and m.ratio is not None and report.runs and i < len(report.runs) \
                and report.runs[i].performance is not None \
                and report.runs[i].performance.earned < report.runs[i].performance.points:
            problems.append(f"{name}/{impl.label}: run {i + 1}: time ratio {m.ratio:.2f} to the reference "
                            "costs performance points, but an alternate is correct and fast")
    if report.slower():
        if not report.timings:
            problems.append(f"{name}/{impl.label}: a slower mutant, but the rubric has no [performance]")
        for i, r in enumerate(report.runs):
            if r.performance is not None and r.performance.earned >= r.performance.points:
                problems.append(f"{name}/{impl.label}: run {i + 1} keeps every performance point "
                                f"(ratio {r.performance.ratio or 0:.2f}): the workload does not "
                                "see the slowness")
            lost = [t.test.id for t in r.tests if not t.passed]
            if lost:
                problems.append(f"{name}/{impl.label}: run {i + 1}: a slower mutant is correct code, "
                                f"but it failed {', '.join(lost[:3])}")


def print_matrix(name: str, tests: list[RubricTest], mutant_reports: list[ImplReport], runs: int,
                 out: TextIO) -> None:
    if not mutant_reports:
        print(f"\n{name}: no mutants, no kill matrix", file=out)
        return
    print(f"\n{name}: kill matrix (runs in which the test failed / runs; '-' not run; "
          f"* = listed in must_fail)", file=out)
    for i, rep in enumerate(mutant_reports):
        print(f"  M{i + 1} = {rep.impl.name}: {rep.impl.mutant.bug if rep.impl.mutant else ''}", file=out)
    width = max(len(t.id) for t in tests) + 2
    header = " " * (width + 2) + "".join(f"{'M' + str(i + 1):>7}" for i in range(len(mutant_reports)))
    print(header, file=out)
    for t in tests:
        cells = []
        for rep in mutant_reports:
            ran = [s for s in (next((x for x in r.tests if x.test.id == t.id), None) for r in rep.runs) if s]
            must = rep.impl.mutant is not None and t.id in rep.impl.mutant.must_fail
            if not ran:
                cell = "-"
            else:
                cell = f"{sum(1 for s in ran if not s.passed)}/{len(ran)}"
            cells.append(f"{cell + ('*' if must else ''):>7}")
        print(f"  {t.id:<{width}}" + "".join(cells), file=out)
    print(f"\n{name}: mutant kill rates (runs that lost points / runs)", file=out)
    for i, rep in enumerate(mutant_reports):
        if not rep.runs:
            print(f"  M{i + 1} {rep.impl.name:<36} not run (build failed)", file=out)
            continue
        killed = sum(1 for r in rep.runs if r.points < r.max_points)
        rate = killed / len(rep.runs)
        print(f"  M{i + 1} {rep.impl.name:<36} {killed}/{len(rep.runs)} ({rate:.0%})", file=out)


def run(*, runs: int, quick: bool, exercises: list[str] | None, jobs: int, work: Path | None,
        configs: str | None, kit_root: Path | None, progress: Progress,
        out: TextIO | None = None) -> int:
    stream = out if out is not None else sys.stdout
    kit = load_kit(kit_root)
    names = kit.resolve_exercises(exercises or None)
    chosen = default_configs(kit, names, configs)
    preflight.require_tools()
    problems: list[str] = []
    wd = work_dir(kit, work)
    with WorkLock(wd):
        ws = Workspace(wd)
        for name in names:
            ex = kit.exercise(name)
            problems += [f"{name}: {w}" for w in ex.warnings]
            rubric = kit.rubric(name)
            if rubric is None:
                problems.append(f"{name}: no tests/hidden/{name}/rubric.toml")
                continue
            problems += [f"{name}: {w}" for w in rubric.warnings]
            tests = pipeline.restrict(rubric.tests, chosen, ("hidden", "public"))
            reports: list[ImplReport] = []
            for i, impl in enumerate(implementations(kit, name, ex.owned, problems)):
                try:
                    rep = evaluate_impl(impl, kit=kit, name=name, owned=ex.owned, tests=tests, ws=ws,
                                        configs=chosen, runs=runs, jobs=jobs, progress=progress,
                                        problems=problems, first=(i == 0), rubric_tests=rubric.tests,
                                        quick=quick, spec=rubric.performance)
                except GraderError as e:
                    problems.append(f"{name}/{impl.label}: {e}")
                    continue
                if rep is not None:
                    judge(name, rep, runs, problems)
                    reports.append(rep)
            summarize(name, tests, reports, runs, stream)
            check_diagnosis(kit, name, reports, quick, problems, stream)
    print("", file=stream)
    if problems:
        print(f"selfcheck: FAILED, {len(problems)} expectation(s) not met:", file=stream)
        for p in problems:
            print(f"  - {p}", file=stream)
        return 1
    print("selfcheck: OK, every expectation met", file=stream)
    return 0


def summarize(name: str, tests: list[RubricTest], reports: list[ImplReport], runs: int, out: TextIO) -> None:
    print(f"\n{name}: {runs} run(s) per implementation", file=out)
    false_failures = 0
    correct_runs = 0
    for rep in reports:
        if rep.impl.kind == "mutant":
            continue
        if rep.impl.kind in ("reference", "alternate"):
            bad = [o for o in rep.outcomes if not o.passed]
            false_failures += len(bad)
            correct_runs += len(rep.outcomes)
        if not rep.runs:
            print(f"  {rep.impl.label:<28} did not build", file=out)
            continue
        points = ", ".join(f"{r.points:g}" for r in rep.runs)
        print(f"  {rep.impl.label:<28} scores per run: {points} (of {rep.runs[0].max_points:g})", file=out)
    timed = [r for r in reports if r.timings]
    if timed:
        print(f"\n{name}: performance, time ratio to the reference per run "
              f"(the reference against itself must stay within {SELF_RATIO_BAND[0]:g}-{SELF_RATIO_BAND[1]:g})",
              file=out)
        for rep in timed:
            ratios = ", ".join(f"{m.ratio:.2f}" if m.ratio is not None else "not measured" for m in rep.timings)
            print(f"  {rep.impl.label:<36} {ratios}", file=out)
    print_matrix(name, tests, [r for r in reports if r.impl.kind == "mutant" and not r.slower()], runs, out)
    print(f"\n{name}: false failures of correct solutions: {false_failures} "
          f"of {correct_runs} test runs", file=out)
    for rep in reports:
        if rep.impl.kind in ("reference", "alternate"):
            for o in rep.outcomes:
                if not o.passed:
                    print(f"  {rep.impl.label}: {o.job.test} [{o.job.config}, seed {o.seed}]: "
                          f"{o.status}: {_first_line(o.reason)}", file=out)


def held_out(signatures: list[diagnosis.Signature], report: ImplReport, i: int) -> list[diagnosis.Signature]:
    """The signatures a mutant's run i is judged against: its own rebuilt from its other
    runs, as a student's run is judged against runs it took no part in. Judged against a
    signature that includes it, a run would match by construction (with two runs, a run
    always holds the core and lies within the features)."""
    if report.impl.kind != "mutant":
        return signatures
    return [other_runs_signature(report, i, s) if s.mutant == report.impl.name else s for s in signatures]


def other_runs_signature(report: ImplReport, i: int, recorded: diagnosis.Signature) -> diagnosis.Signature:
    others = [diagnosis.run_features(x) for j, x in enumerate(report.runs) if j != i]
    return diagnosis.from_runs(recorded.exercise, recorded.mutant, recorded.hint, others)


def own_similarity(report: ImplReport, i: int) -> float:
    """How close a mutant's run i came to the signature of its other runs."""
    own = other_runs_signature(report, i, diagnosis.Signature("", report.impl.name, "", frozenset()))
    return diagnosis.similarity(diagnosis.run_features(report.runs[i]), own)


def check_diagnosis(kit: Kit, name: str, reports: list[ImplReport], quick: bool,
                    problems: list[str], out: TextIO) -> None:
    """Record each mutant's failure signature (full runs only: quick mode runs just the
    must_fail tests) and prove the diagnosis honest: every run of a mutant is diagnosed as
    that mutant, no run of a correct solution is diagnosed at all."""
    # A slower mutant fails no test: there is no failure pattern to diagnose.
    mutants = [r for r in reports if r.impl.kind == "mutant" and r.impl.mutant is not None
               and not r.slower()]
    if quick:
        recorded = sum(1 for r in mutants if (r.impl.directory / diagnosis.SIGNATURE_FILE).is_file())
        print(f"\n{name}: diagnosis not validated in quick mode (mutants run only their must_fail "
              f"tests); {recorded}/{len(mutants)} mutants have a recorded signature", file=out)
        return
    if any(len(r.runs) < 2 for r in mutants):
        problems.append(f"{name}: the diagnosis needs two or more runs per mutant to be validated "
                        "(each run is judged against a signature from the others): use --runs 2 or more")
    for r in mutants:
        if r.runs:
            diagnosis.save(r.impl.directory, name, r.impl.name,
                           [diagnosis.run_features(x) for x in r.runs])
    signatures = diagnosis.signatures_for(kit, name)
    print(f"\n{name}: diagnosis (threshold {diagnosis.THRESHOLD:.0%}; runs diagnosed as the mutant "
          f"itself / runs, each run against a signature recorded from the other runs)", file=out)
    for r in reports:
        if r.impl.kind == "skeleton" or r.slower():
            continue
        verdicts = [diagnosis.diagnose_score(x, held_out(signatures, r, i)) for i, x in enumerate(r.runs)]
        if r.impl.kind in ("reference", "alternate"):
            for i, d in enumerate(verdicts):
                if d is not None:
                    problems.append(f"{name}/{r.impl.label}: run {i + 1} is diagnosed as {d.mutant} "
                                    f"({d.similarity:.0%}), but it is correct code")
            continue
        assert r.impl.mutant is not None
        if not r.impl.mutant.hint:
            problems.append(f"{name}/{r.impl.label}: mutant.toml has no hint, so no student is ever "
                            "told about this bug class")
            continue
        own = [d for d in verdicts if d is not None and d.mutant == r.impl.name]
        others = sorted({d.mutant for d in verdicts if d is not None and d.mutant != r.impl.name})
        low = min((d.similarity for d in own), default=0.0)
        missed = [f"run {i + 1} {own_similarity(r, i):.0%}" for i, d in enumerate(verdicts)
                  if d is None or d.mutant != r.impl.name]
        print(f"  {r.impl.name:<36} {len(own)}/{len(verdicts)}"
              + (f" (similarity >= {low:.0%})" if own else "")
              + (f"; to its own signature: {', '.join(missed)}" if missed else "")
              + (f"; also diagnosed as {', '.join(others)}" if others else ""), file=out)
        if len(own) < len(verdicts):
            problems.append(f"{name}/{r.impl.label}: diagnosed as itself in {len(own)}/{len(verdicts)} runs"
                            + (f" (confused with {', '.join(others)})" if others else ""))
