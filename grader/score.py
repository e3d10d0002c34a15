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
                   messages: Iterable[str] = (), quality: Quality | None = None) -> ExerciseScore:
    """outcomes maps (test id, config) to the outcome of that run."""
    scored = tuple(score_test(t, outcomes if graded else {}) for t in tests)
    found = tuple(findings)
    # Code quality is earned only by code that was submitted and graded.
    raw = sum(t.earned for t in scored) + (quality.earned if quality is not None and graded else 0.0)
    penalty = penalty_of(found)
    return ExerciseScore(
        exercise=exercise, tests=scored, findings=found, penalty=penalty, raw_points=raw,
        points=max(0.0, raw - penalty),
        max_points=sum(t.test.points for t in scored) + (quality.points if quality else 0.0),
        graded=graded, messages=tuple(messages), quality=quality)
