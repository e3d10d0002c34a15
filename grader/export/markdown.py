"""Markdown for CI step summaries ($GITHUB_STEP_SUMMARY) and pull-request comments: the
score table, then per exercise the diagnosis, code quality and each lost test with its
guarantee, what happened, where, and the command that reruns it."""

from __future__ import annotations

from pathlib import Path

from grader.export.files import write_atomically
from grader.results import ExerciseResult, Results, describe_performance

MAX_LOST = 25


def _fmt(x: float) -> str:
    return f"{x:g}"


def _cell(s: str) -> str:
    return s.replace("|", "\\|").replace("\n", " ")


def _fence(text: str) -> list[str]:
    fence = "```"
    while fence in text:
        fence += "`"
    return [fence, text.rstrip(), fence]


def _exercise(e: ExerciseResult, out: list[str]) -> None:
    out += ["", f"### {e.name}: {_fmt(e.score)}/{_fmt(e.max_score)}"]
    out += [f"> {m}" for m in e.messages]
    for config, b in e.builds.items():
        if not b.ok and b.error is not None:
            out += ["", f"**build failed** ({config}): `{_cell(b.error.summary)}`"]
    if e.diagnosis is not None:
        out += ["", f"**This pattern usually means:** {e.diagnosis.hint}"]
    if e.findings:
        out += ["", f"**Forbidden APIs** (-{_fmt(e.penalty)}):"]
        out += [f"- `{f.file}:{f.line}` {f.pattern}: {f.reason}" for f in e.findings[:10]]
    if e.tidy is not None and e.tidy.warnings:
        out += ["", f"**clang-tidy**: {len(e.tidy.warnings)} warning(s)"]
        out += [f"- `{w.file}:{w.line}` {w.message} [{w.check}]" for w in e.tidy.warnings[:10]]
    if e.performance is not None:
        out += ["", f"**Performance**: {describe_performance(e.performance)}"]
    lost = [t for t in e.tests if not t.passed]
    if not lost:
        return
    out += ["", "| lost | test | guarantee | what happened |", "|---:|---|---|---|"]
    for t in lost[:MAX_LOST]:
        what = "; ".join(f"{c}: {r.reason if r else 'not run'}" for c, r in t.runs.items()
                         if r is None or r.status != "passed")
        out.append(f"| {_fmt(t.points - t.earned)} | `{t.id}` | {_cell(t.guarantee)} | {_cell(what)} |")
    if len(lost) > MAX_LOST:
        out.append(f"\n... and {len(lost) - MAX_LOST} more (see result.json)")
    first = next((r for t in lost for r in t.runs.values() if r is not None and r.rerun), None)
    if first is not None:
        out += ["", "Rerun the first failure:", ""] + _fence(first.rerun or "")


def dumps(results: Results) -> str:
    out = [f"## lockstep {results.verb}: {_fmt(results.score)}/{_fmt(results.max_score)}", "",
           "| exercise | score | tests passed |", "|---|---:|---:|"]
    for e in results.exercises:
        passed = sum(1 for t in e.tests if t.passed)
        out.append(f"| {e.name} | {_fmt(e.score)}/{_fmt(e.max_score)} | {passed}/{len(e.tests)} |")
    out += [f"> {n}" for n in results.notes]
    for e in results.exercises:
        _exercise(e, out)
    out += ["", f"<sub>configurations: {', '.join(results.configs)}; {results.duration_s:.0f} s</sub>", ""]
    return "\n".join(out)


def write(results: Results, out_dir: Path) -> Path:
    return write_atomically(out_dir / "summary.md", dumps(results))
