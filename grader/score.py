"""Scoring, pure: outcomes of runs + rubric + forbidden-API findings -> points. No I/O.

A test earns its points only when it passed in every configuration the rubric assigns it
(a configuration without an outcome counts as not passed); each forbidden rule that was hit
costs its penalty once; an exercise never goes below zero.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Mapping

from grader.kit import RubricTest
from grader.lint import Finding
from grader.run import Outcome


@dataclass(frozen=True)
class TestScore:
    test: RubricTest
    earned: float
    outcomes: Mapping[str, Outcome | None]   # config -> outcome (None: never ran)

    @property
    def passed(self) -> bool:
        return self.earned == self.test.points and all(
            o is not None and o.passed for o in self.outcomes.values())

    @property
    def lost_in(self) -> list[str]:
        return [c for c, o in self.outcomes.items() if o is None or not o.passed]


@dataclass(frozen=True)
class ExerciseScore:
    exercise: str
    tests: tuple[TestScore, ...]
    findings: tuple[Finding, ...] = ()
    penalty: float = 0.0
    raw_points: float = 0.0
    points: float = 0.0
    max_points: float = 0.0
    graded: bool = True               # False: nothing usable was submitted for it
    messages: tuple[str, ...] = field(default=())
    quality: "Quality | None" = None
    performance: "Performance | None" = None

    @property
    def correctness_complete(self) -> bool:
        """Every test earned its points: only then is the code's speed measured."""
        return self.graded and all(t.passed for t in self.tests)


@dataclass(frozen=True)
class Quality:
    """Code-quality points: each clang-tidy warning costs per_warning, up to points."""
    points: float
    per_warning: float
    warnings: int
    checked: bool          # False: clang-tidy did not run; the points are not withheld

    @property
    def earned(self) -> float:
        if not self.checked:
            return self.points
        return max(0.0, self.points - self.per_warning * self.warnings)


@dataclass(frozen=True)
class Performance:
    """Performance points: the student's workload time over the reference's, measured in
    the same run, scored on a linear scale from full_at (all points) to zero_at (none)."""
    points: float
    full_at: float
    zero_at: float
    ratio: float | None = None     # median over the pairs; None: not measured
    withheld: str = ""             # not measured, for a reason that costs the points
    unmeasured: str = ""           # not measured for a reason that is not the student's
    student_ms: tuple[float, ...] = ()     # the workload's times, pair by pair
    reference_ms: tuple[float, ...] = ()

    @property
    def earned(self) -> float:
        if self.ratio is None:
            return 0.0 if self.withheld or not self.unmeasured else self.points
        return scaled(self.ratio, self.points, self.full_at, self.zero_at)


def scaled(ratio: float, points: float, full_at: float, zero_at: float) -> float:
    """All points at or below full_at, none at or above zero_at, linear between (to 0.1)."""
    if ratio <= full_at:
        return points
    if ratio >= zero_at:
        return 0.0
    return round(points * (zero_at - ratio) / (zero_at - full_at), 1)


def penalty_of(findings: Iterable[Finding]) -> float:
    """Each forbidden rule costs its penalty once, however many lines hit it."""
    per_rule: dict[str, float] = {}
    for f in findings:
        per_rule[f.pattern] = max(per_rule.get(f.pattern, 0.0), f.penalty)
    return sum(per_rule.values())


def score_test(test: RubricTest, outcomes: Mapping[tuple[str, str], Outcome]) -> TestScore:
    per_config = {c: outcomes.get((test.id, c)) for c in test.configs}
    ok = all(o is not None and o.passed for o in per_config.values())
    return TestScore(test, test.points if ok else 0.0, per_config)


def score_exercise(exercise: str, tests: Iterable[RubricTest],
                   outcomes: Mapping[tuple[str, str], Outcome],
                   findings: Iterable[Finding] = (), *, graded: bool = True,
                   messages: Iterable[str] = (), quality: Quality | None = None,
                   performance: Performance | None = None) -> ExerciseScore:
    """outcomes maps (test id, config) to the outcome of that run."""
    scored = tuple(score_test(t, outcomes if graded else {}) for t in tests)
    found = tuple(findings)
    # Code quality and speed are earned only by code that was submitted and graded.
    extras = [x for x in (quality, performance) if x is not None]
    raw = sum(t.earned for t in scored) + (sum(x.earned for x in extras) if graded else 0.0)
    penalty = penalty_of(found)
    return ExerciseScore(
        exercise=exercise, tests=scored, findings=found, penalty=penalty, raw_points=raw,
        points=max(0.0, raw - penalty),
        max_points=sum(t.test.points for t in scored) + sum(x.points for x in extras),
        graded=graded, messages=tuple(messages), quality=quality, performance=performance)
