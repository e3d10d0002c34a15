"""Turn raw outcomes and build logs into what a student can act on: the first lines of a
report, the line in their own file (workspace paths rewritten to e.g. `channel.hpp:42`),
the guarantee that broke, the seed and a command that reruns the test."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping

from grader.kit import RubricTest
from grader.run import Outcome

MAX_FRAMES = 6
MAX_REPORT_LINES = 45
MAX_DETAIL_LINES = 25


@dataclass(frozen=True)
class PathMap:
    """How workspace paths read in feedback: owned files by their own name, other kit
    files relative to the kit, everything else unchanged."""

    roots: tuple[str, ...]                              # workspace roots as they may appear
    owned: Mapping[str, tuple[str, ...]]                # exercise -> owned relpaths

    @classmethod
    def for_workspace(cls, source: Path, owned: Mapping[str, tuple[str, ...]]) -> "PathMap":
        forms = {str(source), str(source.resolve())}
        return cls(tuple(sorted(forms, key=len, reverse=True)), dict(owned))

    def rewrite(self, text: str) -> str:
        for root in self.roots:
            for ex, files in self.owned.items():
                for rel in files:
                    text = text.replace(f"{root}/exercises/{ex}/{rel}", rel)
            text = text.replace(root + "/", "")
        return text

    def is_student_path(self, text: str) -> bool:
        owned = {rel for files in self.owned.values() for rel in files}
        return any(re.search(rf"(?<![\w/.-]){re.escape(rel)}:\d+", text) for rel in owned)


_FRAME = re.compile(r"^\s*#\d+\s")
_SECTION_END = re.compile(r"^\s*$")


def trim_sanitizer_report(report: str, paths: PathMap) -> str:
    """Header, then per stack the first frames plus any frame in the student's files,
    and the SUMMARY line; paths rewritten. `report` starts at the header."""
    lines = paths.rewrite(report).splitlines()
    kept: list[str] = []
    frames_in_stack = 0
    skipped = 0
    for line in lines:
        if line.startswith("SUMMARY:"):
            if skipped:
                kept.append(f"    ... {skipped} more frames")
                skipped = 0
            kept.append(line)
            break
        if _FRAME.match(line):
            frames_in_stack += 1
            if frames_in_stack <= MAX_FRAMES or paths.is_student_path(line):
                if skipped:
                    kept.append(f"    ... {skipped} more frames")
                    skipped = 0
                kept.append(line)
            else:
                skipped += 1
            continue
        if skipped:
            kept.append(f"    ... {skipped} more frames")
            skipped = 0
        frames_in_stack = 0
        if line.startswith("==") and "ABORTING" in line:
            continue
        kept.append(line)
    while kept and not kept[-1].strip():
        kept.pop()
    if len(kept) > MAX_REPORT_LINES:
        cut = len(kept) - MAX_REPORT_LINES
        kept = kept[:MAX_REPORT_LINES] + [f"... ({cut} more lines)"]
    return "\n".join(kept)


def _clip(text: str, n: int = MAX_DETAIL_LINES) -> str:
    lines = text.rstrip().splitlines()
    if len(lines) > n:
        return "\n".join(lines[:n] + [f"... ({len(lines) - n} more lines)"])
    return "\n".join(lines)


def student_location(text: str, paths: PathMap) -> str | None:
    """The first `owned.hpp:LINE` mentioned in (already rewritten) text."""
    owned = sorted({rel for files in paths.owned.values() for rel in files}, key=len, reverse=True)
    for line in text.splitlines():
        for rel in owned:
            m = re.search(rf"(?<![\w/.-]){re.escape(rel)}:(\d+)", line)
            if m:
                return f"{rel}:{m.group(1)}"
    return None


def rerun_command(outcome: Outcome, binary_display: str, prefix: Iterable[str] = (),
                  env: Mapping[str, str] | None = None) -> str | None:
    """`LOCKSTEP_SEED=<s> [VAR=value ...] [setarch ...] <binary> --gtest_filter=<test>`."""
    if outcome.status == "not_built" or outcome.seed is None:
        return None
    assignments = [f"LOCKSTEP_SEED={outcome.seed}"]
    assignments += [f"{k}={shlex.quote(v)}" for k, v in (env or {}).items()]
    argv = [*prefix, binary_display, f"--gtest_filter={outcome.job.test}"]
    return " ".join(assignments + [shlex.quote(a) for a in argv])


@dataclass(frozen=True)
class RunFeedback:
    status: str
    reason: str
    details: str
    location: str | None       # "channel.hpp:42" when the report points into the student's code
    seed: int | None
    rerun: str | None
    duration_ms: float | None
    exit_code: int | None
    signal: str | None
    sanitizer: str | None


def for_run(outcome: Outcome, paths: PathMap, binary_display: str,
            prefix: Iterable[str] = (), env: Mapping[str, str] | None = None) -> RunFeedback:
    if outcome.status == "sanitizer":
        details = trim_sanitizer_report(outcome.details, paths)
    elif outcome.status == "not_built":
        details = _clip(outcome.details, 15)
    else:
        details = _clip(paths.rewrite(outcome.details))
    reason = paths.rewrite(outcome.reason)
    if details.startswith(reason):  # the watchdog's line is both the reason and the report's head
        details = details[len(reason):].lstrip("\n")
    return RunFeedback(
        status=outcome.status, reason=reason, details=details,
        location=student_location(details, paths), seed=outcome.seed,
        rerun=None if outcome.status == "passed" else rerun_command(outcome, binary_display, prefix, env),
        duration_ms=outcome.duration_ms, exit_code=outcome.exit_code, signal=outcome.signal,
        sanitizer=outcome.sanitizer)


def guarantee_line(test: RubricTest) -> str:
    return test.guarantee or "(the rubric gives no guarantee text for this test)"


# --- compile errors -------------------------------------------------------------------------

_DIAG = re.compile(r"^(?P<file>[^\s:][^:]*):(?P<line>\d+):(?:(?P<col>\d+):)? "
                   r"(?P<kind>(?:fatal )?error): (?P<msg>.*)$")
_LINKER = re.compile(r"undefined reference to|ld returned \d+ exit status|multiple definition of")


@dataclass(frozen=True)
class CompileFeedback:
    summary: str        # "channel.hpp:42: error: 'x' was not declared in this scope"
    excerpt: str        # the first error with its context, paths rewritten
    location: str | None


def compile_errors(log: str, paths: PathMap, max_lines: int = 30) -> CompileFeedback:
    """The first compiler error (preferring one in the student's own file) and the
    lines around it, so a student sees the cause rather than the cascade."""
    lines = paths.rewrite(log).splitlines()
    first: int | None = None
    preferred: int | None = None
    owned = {rel for files in paths.owned.values() for rel in files}
    for i, line in enumerate(lines):
        m = _DIAG.match(line)
        if m or _LINKER.search(line):
            if first is None:
                first = i
            if m and m.group("file") in owned and preferred is None:
                preferred = i
    pick = preferred if preferred is not None else first
    if pick is None:
        tail = "\n".join(l for l in lines if l.strip())
        return CompileFeedback("the build failed (no compiler error found in the log)",
                               "\n".join(tail.splitlines()[-max_lines:]), None)
    start = pick
    while start > 0 and (lines[start - 1].startswith(("In file included from", "                 from"))
                         or re.match(r"^[^\s:][^:]*: In (member )?(function|instantiation|constructor|"
                                     r"destructor|static member function|lambda)", lines[start - 1])):
        start -= 1
    excerpt_lines: list[str] = []
    for line in lines[start:]:
        if len(excerpt_lines) >= max_lines:
            break
        if line.startswith(("ninja: build stopped", "[")) and excerpt_lines:
            break
        excerpt_lines.append(line)
    m = _DIAG.match(lines[pick])
    if m:
        summary = f"{m.group('file')}:{m.group('line')}: {m.group('kind')}: {m.group('msg')}"
        location = f"{m.group('file')}:{m.group('line')}" if m.group("file") in owned else None
    else:
        summary, location = lines[pick].strip(), None
    return CompileFeedback(summary, "\n".join(excerpt_lines), location)
