"""Diagnosis from known bugs: match a submission's failures against the failure signatures
selfcheck recorded for the kit's mutants, and name the bug class when one matches closely.

The features of one graded run are every failed test (`Suite.Test`) and, per failed test,
how it failed (`Suite.Test#data race`, `Suite.Test#timeout`; see kind_class). A mutant's signature
keeps three sets over its selfcheck runs: `core`, seen in every run; `features`, seen in at
least half of the runs; `seen`, seen in any run. A race shows some failures only in some
runs (a second test failing, a crash beside the report), so a run is not held to those:
similarity = |run & seen| / |run | core|. A submission that fails the core tests the same
way as the mutant and nothing the mutant was never seen to fail scores 1.0; each core
failure missing, and each failure the mutant never showed, lowers it; correct code (no
failures) matches nothing. A test the mutant never failed counts as one failure the
mutant never showed, not once more for each way it failed. A signature recorded without
`seen` or `core` falls back to its features (with neither: plain Jaccard similarity).
A diagnosis is shown only at or above THRESHOLD, which
`selfcheck` validates: every run of a mutant, judged against a signature recorded from
its other runs, is diagnosed as that mutant, and the reference and alternates get none.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Mapping

from grader.run import Outcome

if TYPE_CHECKING:
    from grader.kit import Kit
    from grader.score import ExerciseScore

THRESHOLD = 0.6
SIGNATURE_FILE = "signature.json"
SIGNATURE_SCHEMA = "lockstep.signature/1"


@dataclass(frozen=True)
class Signature:
    exercise: str
    mutant: str
    hint: str
    features: frozenset[str]           # seen in at least half of the mutant's runs
    core: frozenset[str] = frozenset()  # seen in every run; empty: the features are the core
    seen: frozenset[str] = frozenset()  # seen in any run; empty: the features

    @property
    def required(self) -> frozenset[str]:
        return self.core or self.features

    @property
    def possible(self) -> frozenset[str]:
        return self.seen or self.features


@dataclass(frozen=True)
class Diagnosis:
    mutant: str
    hint: str
    similarity: float


def failure_kind(outcome: Outcome, config: str) -> str:
    if outcome.status == "sanitizer":
        return kind_class(f"{config}:{outcome.sanitizer or 'report'}")
    return outcome.status


def kind_class(kind: str) -> str:
    """How a test failed, as the lessons name it. A race shows as whichever memory error
    its timing produced (a use-after-free in one run, a wild read or undefined behaviour in
    the next), so every ASan/UBSan report but a leak is one class, `memory error`, and so
    are TSan's memory reports; data races and leaks keep their names, TSan's other reports
    (lock order, mutex misuse) theirs. Signatures recorded with the report itself
    (`asan:heap-use-after-free`) read the same through this; a class is its own class."""
    config, sep, report = kind.partition(":")
    if not sep or config not in ("asan", "tsan"):
        return kind
    if report in ("data race", "leak"):
        return report
    if config == "asan" or report.startswith(("heap-use-after-free", "SEGV")):
        return "memory error"
    return kind


def _feature_class(feature: str) -> str:
    test, sep, kind = feature.partition("#")
    return f"{test}#{kind_class(kind)}" if sep else feature


def features(outcomes: Iterable[tuple[str, str, Outcome | None]]) -> frozenset[str]:
    """The signature of one run: (test id, config, outcome or None if it never ran)."""
    found: set[str] = set()
    for test, config, outcome in outcomes:
        if outcome is not None and outcome.passed:
            continue
        found.add(test)
        found.add(f"{test}#{failure_kind(outcome, config) if outcome else 'not_run'}")
    return frozenset(found)


def similarity(run: frozenset[str], sig: Signature) -> float:
    if not run or not sig.features:
        return 0.0
    known_tests = {f.partition("#")[0] for f in sig.possible}
    # For a test the mutant never failed, how it failed adds nothing: the test is the mismatch.
    counted = frozenset(f for f in run if "#" not in f or f.partition("#")[0] in known_tests)
    return len(counted & sig.possible) / len(counted | sig.required)


def diagnose(run: frozenset[str], signatures: Iterable[Signature],
             threshold: float = THRESHOLD) -> Diagnosis | None:
    """The closest signature at or above the threshold; None when nothing is that close."""
    best: Diagnosis | None = None
    for sig in signatures:
        s = similarity(run, sig)
        if s >= threshold and (best is None or s > best.similarity):
            best = Diagnosis(sig.mutant, sig.hint, s)
    return best


def stable_features(runs: list[frozenset[str]]) -> frozenset[str]:
    """What a mutant's signature keeps: the features seen in at least half of its runs."""
    counts: dict[str, int] = {}
    for r in runs:
        for f in r:
            counts[f] = counts.get(f, 0) + 1
    return frozenset(f for f, n in counts.items() if 2 * n >= len(runs))


def core_features(runs: list[frozenset[str]]) -> frozenset[str]:
    """The features every run showed."""
    return frozenset.intersection(*runs) if runs else frozenset()


def from_runs(exercise: str, mutant: str, hint: str, runs: list[frozenset[str]]) -> Signature:
    return Signature(exercise, mutant, hint, stable_features(runs), core_features(runs),
                     frozenset().union(*runs))


def save(directory: Path, exercise: str, mutant: str, runs: list[frozenset[str]]) -> None:
    sig = from_runs(exercise, mutant, "", runs)
    # Each run's own features too, so that a change to how runs are summarised can be
    # checked against the recorded runs without running the mutant again.
    data = {"schema": SIGNATURE_SCHEMA, "exercise": exercise, "mutant": mutant, "runs": len(runs),
            "features": sorted(sig.features), "core": sorted(sig.core), "seen": sorted(sig.seen),
            "run_features": [sorted(r) for r in runs]}
    tmp = directory / (SIGNATURE_FILE + ".tmp")
    tmp.write_text(json.dumps(data, indent=1) + "\n")
    tmp.replace(directory / SIGNATURE_FILE)


def load(directory: Path, exercise: str, mutant: str, hint: str) -> Signature | None:
    """A recorded signature, or None when there is none or it cannot be read."""
    try:
        data = json.loads((directory / SIGNATURE_FILE).read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(data, Mapping) or data.get("schema") != SIGNATURE_SCHEMA:
        return None
    runs = data.get("run_features", [])
    if not isinstance(runs, list):
        return None
    feats, core = data.get("features"), data.get("core", [])
    seen = data.get("seen", [f for r in runs if isinstance(r, list) for f in r])
    if not all(isinstance(x, list) and all(isinstance(f, str) for f in x) for x in (feats, core, seen)):
        return None
    feats, core, seen = (frozenset(_feature_class(f) for f in x) for x in (feats, core, seen))
    return Signature(exercise, mutant, hint, feats, core & feats, seen | feats if seen else frozenset())


def run_features(scored: ExerciseScore) -> frozenset[str]:
    return features((t.test.id, c, o) for t in scored.tests for c, o in t.outcomes.items())


def restricted(sig: Signature, tests: set[str]) -> Signature:
    """The signature as far as `tests` can see it (check runs the public tests only)."""
    def visible(feats: frozenset[str]) -> frozenset[str]:
        return frozenset(f for f in feats if f.split("#", 1)[0] in tests)
    return Signature(sig.exercise, sig.mutant, sig.hint, visible(sig.features), visible(sig.core),
                     visible(sig.seen))


def signatures_for(kit: Kit, exercise: str) -> list[Signature]:
    """The recorded signatures of the exercise's mutants that have a student-facing hint
    (a mutant without one is never named to a student). A student bundle has none."""
    found = []
    for m in kit.mutants(exercise):
        if m.hint:
            sig = load(m.directory, exercise, m.name, m.hint)
            if sig is not None:
                found.append(sig)
    return found


def diagnose_score(scored: ExerciseScore, signatures: list[Signature]) -> Diagnosis | None:
    ran = {t.test.id for t in scored.tests}
    return diagnose(run_features(scored), [restricted(s, ran) for s in signatures])
