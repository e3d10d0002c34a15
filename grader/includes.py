"""Reaching outside the submission at build time: an owned file may include only the kit's
headers and the submission's own files. The compiler runs outside the sandbox and the
work area holds the hidden tests, so `#include "../../tests/hidden/..."`, an absolute
path, a computed `#include MACRO` or an assembler `.incbin` would put files the student
must not see into the binary, and from there into a failing test's output (DESIGN 6).
"""

from __future__ import annotations

import re

# `#` or its digraph `%:`, then include / include_next / import, then what follows.
_DIRECTIVE = re.compile(r"^\s*(?:#|%:)\s*(include_next|include|import)\b\s*(.*)$")
_QUOTED = re.compile(r'^(?:"([^"]*)"|<([^>]*)>)')
_INCBIN = re.compile(r"incbin", re.IGNORECASE)


def _lines(text: str) -> list[str]:
    """Physical lines joined where a backslash-newline splices them, as the preprocessor does."""
    return text.replace("\\\r\n", "").replace("\\\n", "").splitlines()


def outside_reaches(text: str) -> list[str]:
    """One message per line that reaches outside the submission."""
    problems: list[str] = []
    for number, line in enumerate(_lines(text), start=1):
        if _INCBIN.search(line):
            problems.append(f"line {number}: `incbin` embeds a file at build time, which no "
                            "exercise needs")
            continue
        m = _DIRECTIVE.match(line)
        if m is None:
            continue
        target = _QUOTED.match(m.group(2))
        if target is None:
            problems.append(f"line {number}: a computed #{m.group(1)} (the path comes from a macro); "
                            "write the header's name in quotes or angle brackets")
            continue
        path = target.group(1) if target.group(1) is not None else target.group(2)
        parts = re.split(r"[/\\]", path)
        if path.startswith(("/", "\\", "~")) or ".." in parts:
            problems.append(f"line {number}: #{m.group(1)} of {path!r}, a path outside the submission; "
                            "include the kit's headers and your own files only")
    return problems
