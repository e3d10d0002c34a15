"""Scan a submission's owned files for the forbidden APIs of exercise.toml.

Comments and string literals are blanked first (keeping line numbers), so explaining in a
comment why std::mutex is not used costs nothing; each hit keeps its file and line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping

from grader.kit import ForbiddenRule


@dataclass(frozen=True)
class Finding:
    file: str        # owned path, e.g. "channel.hpp"
    line: int
    text: str        # the offending source line, stripped
    pattern: str
    reason: str
    penalty: float


_TOKEN = re.compile(r'//[^\n]*|/\*.*?\*/|R"([^(\s]{0,16})\((?:.|\n)*?\)\1"|"(?:\\.|[^"\\\n])*"'
                    r"|'(?:\\.|[^'\\\n])*'", re.S)


def strip_comments_and_strings(source: str) -> str:
    """Replace comments and literals by spaces, newlines kept, so line numbers survive."""
    def blank(m: re.Match[str]) -> str:
        return re.sub(r"[^\n]", " ", m.group(0))
    return _TOKEN.sub(blank, source)


def scan_text(name: str, source: str, rules: Iterable[ForbiddenRule]) -> list[Finding]:
    code_lines = strip_comments_and_strings(source).splitlines()
    raw_lines = source.splitlines()
    findings: list[Finding] = []
    for rule in rules:
        regex = rule.regex
        for i, line in enumerate(code_lines):
            if regex.search(line):
                findings.append(Finding(name, i + 1, raw_lines[i].strip()[:200], rule.pattern,
                                        rule.reason, rule.penalty))
    return findings


def scan(files: Mapping[str, Path], rules: Iterable[ForbiddenRule]) -> list[Finding]:
    """Findings over owned files (relpath -> file on disk), in file then line order."""
    rules = list(rules)
    findings: list[Finding] = []
    if not rules:
        return findings
    for name, path in sorted(files.items()):
        text = path.read_bytes().decode("utf-8", "replace")
        findings += scan_text(name, text, rules)
    return sorted(findings, key=lambda f: (f.file, f.line, f.pattern))
