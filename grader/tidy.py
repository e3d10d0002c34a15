"""clang-tidy on the student's owned files, with the kit's .clang-tidy.

A header is checked through a one-line file that includes only it, compiled with the flags
of the exercise's public_test.cpp minus the precompiled GoogleTest header: the checks then
walk the student's code and the standard library, not GoogleTest and the test bodies
(channel: 6 s instead of 27 s of one core, the same warnings). A header that does not
compile on its own is checked through public_test.cpp instead. The header filter is
narrowed to the owned files, so only the student's lines are reported. The compile
database is the clang++ (asan) build's: g++-only flags would be clang errors. Nothing of
the student's runs here: clang-tidy only parses, like the compiler.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from grader import machine
from grader.feedback import PathMap

TIMEOUT_S = 300
DATABASE_CONFIG = "asan"

_ERROR = re.compile(r"^[^\s:][^:]*:\d+:\d+: error: ", re.MULTILINE)
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
    header_filter = "^" + re.escape(str(folder)) + "/(" + "|".join(re.escape(r) for r in owned) + ")$"
    base = [exe, f"--config-file={source / '.clang-tidy'}", f"--header-filter={header_filter}", "--quiet"]
    through_test = [*base, "-p", str(build_dir), str(folder / "public_test.cpp")]
    flags = header_flags(build_dir, folder / "public_test.cpp")
    output: list[str] = []
    try:
        for rel in owned:
            if rel.endswith((".cpp", ".cc")):
                output.append(_tidy([*base, "-p", str(build_dir), str(folder / rel)], source))
                continue
            text = None
            if flags is not None:
                unit = build_dir / "lockstep-tidy" / exercise / (rel.replace("/", "_") + ".cpp")
                unit.parent.mkdir(parents=True, exist_ok=True)
                unit.write_text(f'#include "{folder / rel}"\n')
                text = _tidy([*base, str(unit), "--", *flags], source)
            if text is None or _ERROR.search(text):
                # No flags, or the header needs something public_test.cpp includes before it.
                text = _tidy(through_test, source)
            output.append(text)
    except subprocess.TimeoutExpired:
        return TidyReport(skipped=f"clang-tidy took longer than {TIMEOUT_S} s; code quality was not checked")
    return TidyReport(parse("\n".join(output), paths, owned))


def header_flags(build_dir: Path, unit: Path) -> list[str] | None:
    """The compile flags of `unit` in the build's database without the precompiled header,
    the output and the input: what a file that includes only the owned header needs.
    None when the database has no entry for it."""
    try:
        entries = json.loads((build_dir / "compile_commands.json").read_text())
    except (OSError, ValueError):
        return None
    entry = next((e for e in entries
                  if Path(e.get("directory", ""), e.get("file", "")) == unit), None)
    if entry is None:
        return None
    args = entry.get("arguments") or shlex.split(entry.get("command", ""))
    flags: list[str] = []
    i = 1  # args[0] is the compiler
    while i < len(args):
        a = args[i]
        if a == "-Xclang" and i + 3 < len(args) and args[i + 1] in ("-include-pch", "-include"):
            i += 4
        elif a in ("-o", "-c") or a == entry["file"]:
            i += 2 if a == "-o" else 1
        else:
            flags.append(a)
            i += 1
    return flags


def _tidy(cmd: list[str], cwd: Path) -> str:
    """clang-tidy's output (raises TimeoutExpired after TIMEOUT_S)."""
    with machine.busy():
        proc = subprocess.run(cmd, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, timeout=TIMEOUT_S)
    return proc.stdout.decode("utf-8", "replace")
