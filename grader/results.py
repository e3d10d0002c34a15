"""The one results model every exporter is a view of (canonical JSON, terminal, ...).

Assembled from the scores and the feedback; to_canonical() gives the versioned JSON
("schema": "lockstep.result/1") that other tools read, so its keys only ever grow.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Any

from grader import __version__
from grader.diagnosis import Diagnosis
from grader.score import Performance, Quality
from grader.tidy import TidyReport
from grader.feedback import CompileFeedback, RunFeedback
from grader.lint import Finding
from grader.score import ExerciseScore

SCHEMA = "lockstep.result/1"


def describe_performance(p: Performance) -> str:
    """One line a student reads: what was measured, against what, and what it earned."""
    scale = f"all points at <= {p.full_at:g}x the reference's time, none at >= {p.zero_at:g}x"
    if p.ratio is None:
        why = p.withheld or p.unmeasured or "not measured"
        return f"{p.earned:g}/{p.points:g} performance points: {why}"
    mine = statistics.median(p.student_ms) if p.student_ms else 0.0
    ref = statistics.median(p.reference_ms) if p.reference_ms else 0.0
    return (f"{p.earned:g}/{p.points:g} performance points: your workload took {p.ratio:.2f}x the "
            f"reference's time (median of {len(p.student_ms)} interleaved pairs; yours {mine:.0f} ms, "
            f"reference {ref:.0f} ms; {scale})")


@dataclass
class BuildSummary:
    config: str
    ok: bool
    seconds: float
    failed_targets: list[str] = field(default_factory=list)
    error: CompileFeedback | None = None

    def to_canonical(self) -> dict[str, Any]:
        d: dict[str, Any] = {"ok": self.ok, "seconds": round(self.seconds, 2),
                             "failed_targets": list(self.failed_targets)}
        if self.error is not None:
            d["error"] = {"summary": self.error.summary, "excerpt": self.error.excerpt,
                          "location": self.error.location}
        return d


@dataclass
class TestResult:
    id: str
    suite: str
    points: float
    earned: float
    guarantee: str
    runs: dict[str, RunFeedback | None]     # config -> feedback (None: never ran)

    @property
    def passed(self) -> bool:
        return self.earned >= self.points and all(r is not None and r.status == "passed"
                                                  for r in self.runs.values())

    def to_canonical(self) -> dict[str, Any]:
        runs: dict[str, Any] = {}
        for config, fb in self.runs.items():
            if fb is None:
                runs[config] = {"status": "not_run"}
                continue
            runs[config] = {
                "status": fb.status, "reason": fb.reason, "details": fb.details,
                "location": fb.location, "sanitizer": fb.sanitizer, "seed": fb.seed,
                "rerun": fb.rerun, "duration_ms": fb.duration_ms, "exit_code": fb.exit_code,
                "signal": fb.signal}
        return {"id": self.id, "suite": self.suite, "points": self.points, "earned": self.earned,
                "passed": self.passed, "guarantee": self.guarantee, "runs": runs}


@dataclass
class ExerciseResult:
    name: str
    title: str
    status: str                 # "graded" | "not_submitted" | "build_failed"
    score: float
    max_score: float
    penalty: float
    messages: list[str]
    builds: dict[str, BuildSummary]
    findings: list[Finding]
    tests: list[TestResult]
    diagnosis: Diagnosis | None = None      # the known bug these failures look like
    tidy: TidyReport | None = None          # clang-tidy on the owned files
    quality: Quality | None = None
    performance: Performance | None = None  # the timed workload against the reference

    @classmethod
    def from_score(cls, title: str, scored: ExerciseScore, status: str,
                   builds: dict[str, BuildSummary], runs: dict[str, dict[str, RunFeedback | None]],
                   messages: list[str], diagnosis: Diagnosis | None = None,
                   tidy: TidyReport | None = None) -> "ExerciseResult":
        tests = [TestResult(t.test.id, t.test.suite, t.test.points, t.earned, t.test.guarantee,
                            runs.get(t.test.id, {c: None for c in t.test.configs}))
                 for t in scored.tests]
        return cls(scored.exercise, title, status, scored.points, scored.max_points,
                   scored.penalty, messages, builds, list(scored.findings), tests, diagnosis, tidy,
                   scored.quality, scored.performance)

    def to_canonical(self) -> dict[str, Any]:
        return {
            "name": self.name, "title": self.title, "status": self.status,
            "score": self.score, "max_score": self.max_score, "penalty": self.penalty,
            "messages": list(self.messages),
            "builds": {c: b.to_canonical() for c, b in self.builds.items()},
            "findings": [{"file": f.file, "line": f.line, "text": f.text, "pattern": f.pattern,
                          "reason": f.reason, "penalty": f.penalty} for f in self.findings],
            "tests": [t.to_canonical() for t in self.tests],
            "quality": self._quality_canonical(),
            "performance": self._performance_canonical(),
            "diagnosis": None if self.diagnosis is None else {
                "hint": self.diagnosis.hint, "similarity": round(self.diagnosis.similarity, 3)},
        }


    def _performance_canonical(self) -> dict[str, Any] | None:
        p = self.performance
        if p is None:
            return None
        return {"points": p.points, "earned": p.earned if self.status != "not_submitted" else 0.0,
                "ratio": None if p.ratio is None else round(p.ratio, 3),
                "full_at": p.full_at, "zero_at": p.zero_at,
                "withheld": p.withheld or None, "unmeasured": p.unmeasured or None,
                "student_ms": [round(x, 2) for x in p.student_ms],
                "reference_ms": [round(x, 2) for x in p.reference_ms]}

    def _quality_canonical(self) -> dict[str, Any] | None:
        if self.tidy is None:
            return None
        d: dict[str, Any] = {
            "checked": not self.tidy.skipped, "skipped": self.tidy.skipped or None,
            "warnings": [{"file": w.file, "line": w.line, "column": w.column, "check": w.check,
                          "message": w.message} for w in self.tidy.warnings]}
        if self.quality is not None:
            d.update(points=self.quality.points, per_warning=self.quality.per_warning,
                     earned=self.quality.earned if self.status != "not_submitted" else 0.0)
        return d


@dataclass
class Results:
    verb: str                   # "grade" | "check"
    submission: str
    configs: list[str]
    started_at: str
    finished_at: str
    duration_s: float
    exercises: list[ExerciseResult]
    notes: list[str] = field(default_factory=list)
    environment: dict[str, Any] = field(default_factory=dict)

    @property
    def score(self) -> float:
        return sum(e.score for e in self.exercises)

    @property
    def max_score(self) -> float:
        return sum(e.max_score for e in self.exercises)

    def to_canonical(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "grader": {"name": "lockstep", "version": __version__},
            "verb": self.verb,
            "submission": self.submission,
            "configs": list(self.configs),
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "duration_s": round(self.duration_s, 2),
            "score": self.score,
            "max_score": self.max_score,
            "notes": list(self.notes),
            "environment": dict(self.environment),
            "exercises": [e.to_canonical() for e in self.exercises],
        }
