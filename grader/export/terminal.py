"""The scorecard printed after grading: per exercise the score; per lost test the
guarantee it checks, the status in each configuration, the first lines of the reason,
the seed and the command that reruns it. Colour only when writing to a terminal."""

from __future__ import annotations

import re

import os
import sys
from typing import TextIO

from grader.results import ExerciseResult, Results, TestResult, describe_performance

_COLOURS = {"green": "32", "red": "31", "yellow": "33", "bold": "1", "dim": "2"}
DETAIL_LINES = 8
TIDY_LINES = 10


class _Style:
    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __call__(self, text: str, colour: str) -> str:
        if not self.enabled:
            return text
        return f"\033[{_COLOURS[colour]}m{text}\033[0m"


def _fmt(x: float) -> str:
    return f"{x:g}"


def _status_word(status: str, style: _Style) -> str:
    colour = "green" if status == "passed" else ("yellow" if status in ("skipped", "not_run") else "red")
    return style(status, colour)


def _lost_test(t: TestResult, style: _Style, out: list[str]) -> None:
    per_config = ", ".join(f"{c}: {_status_word(r.status if r else 'not_run', style)}"
                           for c, r in t.runs.items())
    out.append(f"  {style('x', 'red')} {t.id}  ({_fmt(t.earned)}/{_fmt(t.points)})  [{per_config}]")
    if t.guarantee:
        out.append(f"      guarantee: {t.guarantee}")
    shown_details: set[str] = set()
    for config, r in t.runs.items():
        if r is None or r.status == "passed":
            continue
        out.append(f"      {config}: {r.reason}")
        if r.location:
            out.append(f"        at {r.location}")
        if r.details and r.details not in shown_details:
            shown_details.add(r.details)
            lines = r.details.splitlines()
            for line in lines[:DETAIL_LINES]:
                out.append(style(f"        | {line}", "dim"))
            if len(lines) > DETAIL_LINES:
                out.append(style(f"        | ... ({len(lines) - DETAIL_LINES} more lines in result.json)", "dim"))
        if r.rerun:
            out.append(f"        rerun: {r.rerun}")


def _quality(e: ExerciseResult, style: _Style, out: list[str]) -> None:
    if e.tidy is None:
        return
    points = ""
    if e.quality is not None and e.quality.points:
        points = f" ({_fmt(e.quality.earned)}/{_fmt(e.quality.points)} code-quality points)"
    if e.tidy.skipped:
        out.append(f"  clang-tidy: {e.tidy.skipped}{points}")
        return
    if not e.tidy.warnings:
        out.append(f"  clang-tidy: no warnings{points}")
        return
    out.append(f"  clang-tidy: {len(e.tidy.warnings)} warning(s){points}")
    for w in e.tidy.warnings[:TIDY_LINES]:
        out.append(f"    {w.file}:{w.line}:{w.column}: {w.message}" + (f" [{w.check}]" if w.check else ""))
    if len(e.tidy.warnings) > TIDY_LINES:
        out.append(style(f"    ... ({len(e.tidy.warnings) - TIDY_LINES} more in result.json)", "dim"))


_NOT_IMPLEMENTED = re.compile(r"not implemented: ([^\"\n]+)")


def not_implemented(lost: list[TestResult]) -> list[str]:
    """The skeleton functions every lost test ran into, or [] when any lost test failed for
    another reason (then each failure is shown in full)."""
    names: list[str] = []
    for t in lost:
        for r in t.runs.values():
            if r is None or r.status == "passed":
                continue
            m = _NOT_IMPLEMENTED.search(r.reason)
            if m is None:
                return []
            names.append(m.group(1).strip())
    return list(dict.fromkeys(names))


def _exercise(e: ExerciseResult, style: _Style, out: list[str]) -> None:
    full = e.score >= e.max_score and e.max_score > 0
    head = f"{e.name}: {_fmt(e.score)}/{_fmt(e.max_score)}"
    out.append(style(head, "green" if full else "bold"))
    if e.title and e.title != e.name:
        out[-1] += f"  {e.title}"
    for m in e.messages:
        out.append(f"  ! {m}")
    for config, b in e.builds.items():
        if not b.ok:
            out.append(f"  {style('build failed', 'red')} ({config}): {b.error.summary if b.error else ''}")
            if b.error is not None:
                for line in b.error.excerpt.splitlines()[:12]:
                    out.append(style(f"    | {line}", "dim"))
    if e.findings:
        out.append(f"  forbidden APIs (-{_fmt(e.penalty)}):")
        for f in e.findings[:10]:
            out.append(f"    {f.file}:{f.line}: {f.pattern}: {f.reason}  [{f.text}]")
    _quality(e, style, out)
    if e.performance is not None:
        out.append(f"  performance: {describe_performance(e.performance)}")
    passed = [t for t in e.tests if t.passed]
    lost = [t for t in e.tests if not t.passed]
    out.append(f"  {len(passed)}/{len(e.tests)} tests passed")
    if e.diagnosis is not None:
        out.append(style(f"  this pattern usually means: {e.diagnosis.hint}", "bold"))
        out.append(f"    (these failures match a known bug at {e.diagnosis.similarity:.0%}; "
                   "the failures below are what actually happened)")
    seen_build_failure = any(not b.ok for b in e.builds.values())
    missing = not_implemented(lost)
    if missing:
        out.append(f"  not implemented yet: every lost test stops at a function that still throws "
                   f"lockstep::not_implemented ({', '.join(missing)})")
        out += [f"  {style('x', 'red')} {t.id}  ({_fmt(t.earned)}/{_fmt(t.points)})" for t in lost]
        return
    for t in lost:
        if seen_build_failure and all(r is None or r.status == "not_built" for r in t.runs.values()):
            out.append(f"  {style('x', 'red')} {t.id}  ({_fmt(t.earned)}/{_fmt(t.points)})  not built")
            continue
        _lost_test(t, style, out)


def render(results: Results, colour: bool = False) -> str:
    style = _Style(colour)
    out: list[str] = []
    out.append(style(f"lockstep {results.verb}: {results.submission}", "bold"))
    for n in results.notes:
        out.append(f"note: {n}")
    for e in results.exercises:
        out.append("")
        _exercise(e, style, out)
    out.append("")
    out.append(style(f"total: {_fmt(results.score)}/{_fmt(results.max_score)}  "
                     f"({results.duration_s:.0f} s, configs: {', '.join(results.configs)})", "bold"))
    return "\n".join(out) + "\n"


def print_scorecard(results: Results, stream: TextIO | None = None) -> None:
    stream = stream if stream is not None else sys.stdout
    colour = stream.isatty() and os.environ.get("NO_COLOR") is None and os.environ.get("TERM") != "dumb"
    stream.write(render(results, colour))
    stream.flush()
