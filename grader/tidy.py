"""clang-tidy on the student's owned files, with the kit's .clang-tidy.

A header is checked through a file that includes it (the exercise's public_test.cpp), with
the header filter narrowed to the owned files, so only the student's lines are reported.
The compile database is the clang++ (asan) build's: g++-only flags would be clang errors.
Nothing of the student's runs here: clang-tidy only parses, like the compiler.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from grader import machine
from grader.feedback import PathMap

TIMEOUT_S = 300
DATABASE_CONFIG = "asan"

_WARNING = re.compile(r"^(?P<file>[^\s:][^:]*):(?P<line>\d+):(?P<col>\d+): warning: "
                      r"(?P<message>.*?)(?: \[(?P<check>[\w.,-]+)\])?$")


@dataclass(frozen=True)
class TidyWarning:
    file: str        # owned path, e.g. "channel.hpp"
    line: int
    column: int
    check: str
    message: str


@dataclass
class TidyReport:
    warnings: list[TidyWarning] = field(default_factory=list)
    skipped: str = ""        # why nothing was checked ("" when it ran)


def parse(output: str, paths: PathMap, owned: tuple[str, ...]) -> list[TidyWarning]:
    """The warnings of clang-tidy's output that point into an owned file, deduplicated."""
    found: dict[tuple[str, int, int, str], TidyWarning] = {}
    for line in paths.rewrite(output).splitlines():
        m = _WARNING.match(line)
        if not m or m.group("file") not in owned:
            continue
        w = TidyWarning(m.group("file"), int(m.group("line")), int(m.group("col")),
                        m.group("check") or "", m.group("message"))
        found.setdefault((w.file, w.line, w.column, w.check), w)
    return sorted(found.values(), key=lambda w: (w.file, w.line, w.column))


def run(source: Path, build_dir: Path, exercise: str, owned: tuple[str, ...],
        paths: PathMap) -> TidyReport:
    exe = shutil.which("clang-tidy")
    if exe is None:
        return TidyReport(skipped="clang-tidy is not installed (apt-get install -y clang-tidy); "
                                  "code quality was not checked")
    if not (build_dir / "compile_commands.json").is_file():
        return TidyReport(skipped=f"no {DATABASE_CONFIG} build to take compile flags from; "
                                  "code quality was not checked")
    folder = source / "exercises" / exercise
    units = [folder / rel for rel in owned if rel.endswith((".cpp", ".cc"))]
    if any(not rel.endswith((".cpp", ".cc")) for rel in owned):
        units.append(folder / "public_test.cpp")
    header_filter = "^" + re.escape(str(folder)) + "/(" + "|".join(re.escape(r) for r in owned) + ")$"
    cmd = [exe, "-p", str(build_dir), f"--config-file={source / '.clang-tidy'}",
           f"--header-filter={header_filter}", "--quiet", *map(str, units)]
    try:
        with machine.busy():
            proc = subprocess.run(cmd, cwd=source, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return TidyReport(skipped=f"clang-tidy took longer than {TIMEOUT_S} s; code quality was not checked")
    return TidyReport(parse(proc.stdout.decode("utf-8", "replace"), paths, owned))
