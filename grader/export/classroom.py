"""GitHub Classroom: the autograding reporter's runner format (base64 of a JSON object,
version 1: status, max_score, tests[] with name, status, score, message).

The reporter shows two totals: on its console the share of *entries* that passed (x/100),
and in the "Points X/Y" annotation Classroom records the sum of entry scores over
max_score. They agree only if every entry is worth the same; so each rubric point is one
entry worth 1 (a 3-point test is three entries with the same status), and max_score is
the point total: the console's percentage is then exactly Points X/Y, and the sum is the
grader's score (a forbidden-API penalty fails that many passing entries). Half points are
doubled into units of 0.5 points.
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from typing import Any

from grader.export.files import write_atomically
from grader.results import Results, describe_performance


def _units_per_point(results: Results) -> int:
    values = [t.points for e in results.exercises for t in e.tests]
    return 1 if all(float(v).is_integer() for v in values) else 2


def to_classroom(results: Results) -> dict[str, Any]:
    per_point = _units_per_point(results)
    tests: list[dict[str, Any]] = []
    for e in results.exercises:
        mine: list[dict[str, Any]] = []
        for t in e.tests:
            units = max(1, round(t.points * per_point))
            reasons = "; ".join(f"{c}: {r.reason if r else 'not run'}" for c, r in t.runs.items()
                                if r is None or r.status != "passed")
            message = "" if t.passed else f"{t.guarantee} -- {reasons}".strip(" -")
            for i in range(units):
                name = t.id if units == 1 else f"{t.id} ({i + 1}/{units})"
                mine.append(_entry(f"{e.name}: {name}", t.passed, message))
        if e.quality is not None and e.quality.points:
            units = round(e.quality.points * per_point)
            earned = round(e.quality.earned * per_point) if e.status != "not_submitted" else 0
            for i in range(units):
                mine.append(_entry(f"{e.name}: code quality ({i + 1}/{units})", i < earned,
                                   "" if i < earned else "clang-tidy warnings (see the report)"))
        if e.performance is not None and e.performance.points:
            units = round(e.performance.points * per_point)
            earned = round(e.performance.earned * per_point) if e.status != "not_submitted" else 0
            for i in range(units):
                mine.append(_entry(f"{e.name}: performance ({i + 1}/{units})", i < earned,
                                   "" if i < earned else describe_performance(e.performance)))
        # A forbidden-API penalty turns passing entries into failures, so the sum of the
        # entries is the exercise's score (which never goes below zero).
        to_flip = round(e.penalty * per_point)
        for entry in reversed(mine):
            if to_flip == 0:
                break
            if entry["status"] == "pass":
                entry.update(_entry(entry["name"], False, "penalty: forbidden API used (see the report)"))
                to_flip -= 1
        tests += mine
    status = "pass" if all(x["status"] == "pass" for x in tests) else "fail"
    return {"version": 1, "status": status, "max_score": len(tests), "tests": tests}


def _entry(name: str, passed: bool, message: str) -> dict[str, Any]:
    return {"name": name, "status": "pass" if passed else "fail", "score": 1 if passed else 0,
            "message": message}


def encode(results: Results) -> str:
    return base64.b64encode(json.dumps(to_classroom(results)).encode()).decode()


def write(results: Results, out_dir: Path) -> Path:
    """classroom.b64, and `result=<base64>` appended to $GITHUB_OUTPUT inside Actions, which
    is what the reporter's `<RUNNER>_RESULTS` env var is fed from."""
    encoded = encode(results)
    github_output = os.environ.get("GITHUB_OUTPUT")
    if github_output:
        with open(github_output, "a", encoding="utf-8") as f:
            f.write(f"result={encoded}\n")
    return write_atomically(out_dir / "classroom.b64", encoded + "\n")
