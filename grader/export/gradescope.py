"""Gradescope's results.json: one entry per rubric test (its points across every
configuration it runs in), the scorecard as the top-level output.

Hidden tests are shown to students `after_published` by default (configurable); public
ones are `visible`. Scores sum to the exercise scores, penalties and code quality being
separate entries so that the total on Gradescope equals the grader's total.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from grader.export import terminal
from grader.export.files import write_atomically
from grader.results import Results, TestResult, describe_performance

VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")


def _output(t: TestResult) -> str:
    lines = [f"guarantee: {t.guarantee}"] if t.guarantee else []
    for config, r in t.runs.items():
        if r is None:
            lines.append(f"{config}: not run")
            continue
        lines.append(f"{config}: {r.status}" + (f": {r.reason}" if r.status != "passed" else ""))
        if r.status != "passed":
            if r.location:
                lines.append(f"  at {r.location}")
            if r.details:
                lines += ["  " + line for line in r.details.splitlines()[:20]]
            if r.rerun:
                lines.append(f"  rerun: {r.rerun}")
    return "\n".join(lines)


def to_gradescope(results: Results, hidden_visibility: str = "after_published") -> dict[str, Any]:
    if hidden_visibility not in VISIBILITIES:
        raise ValueError(f"visibility must be one of {', '.join(VISIBILITIES)}")
    tests: list[dict[str, Any]] = []
    for e in results.exercises:
        for t in e.tests:
            tests.append({
                "name": f"{e.name}: {t.id}", "name_format": "text",
                "score": t.earned, "max_score": t.points,
                "status": "passed" if t.passed else "failed",
                "output": _output(t), "output_format": "text",
                "visibility": "visible" if t.suite == "public" else hidden_visibility})
        if e.quality is not None and e.quality.points:
            tests.append({"name": f"{e.name}: code quality (clang-tidy)", "score": e.quality.earned,
                          "max_score": e.quality.points,
                          "status": "passed" if e.quality.earned >= e.quality.points else "failed",
                          "output": "\n".join(f"{w.file}:{w.line}: {w.message} [{w.check}]"
                                              for w in (e.tidy.warnings if e.tidy else [])),
                          "visibility": "visible"})
        if e.performance is not None and e.performance.points:
            earned = e.performance.earned if e.status != "not_submitted" else 0.0
            tests.append({"name": f"{e.name}: performance against the reference", "score": earned,
                          "max_score": e.performance.points,
                          "status": "passed" if earned >= e.performance.points else "failed",
                          "output": describe_performance(e.performance), "visibility": "visible"})
        if e.penalty:
            tests.append({"name": f"{e.name}: forbidden APIs", "score": -e.penalty, "max_score": 0,
                          "status": "failed", "visibility": "visible",
                          "output": "\n".join(f"{f.file}:{f.line}: {f.pattern}: {f.reason}"
                                              for f in e.findings)})
    return {"score": results.score, "output": terminal.render(results), "output_format": "text",
            "visibility": "visible", "stdout_visibility": "hidden", "tests": tests}


def write(results: Results, out_dir: Path, hidden_visibility: str = "after_published",
          name: str = "gradescope.json") -> Path:
    return write_atomically(out_dir / name,
                            json.dumps(to_gradescope(results, hidden_visibility), indent=1) + "\n")
