"""Check up front that the tools a build needs are installed, so a student sees one
apt-get command instead of a cmake error 40 lines deep. (GoogleTest is only detectable
by configuring; build.configure_failure recognises that case.)"""

from __future__ import annotations

import shutil
import sys

from grader.errors import EnvironmentProblem

# (what, executables that would do, Debian package)
TOOLS = (
    ("cmake", ("cmake",), "cmake"),
    ("ninja", ("ninja",), "ninja-build"),
    ("g++", ("g++",), "g++"),
    ("clang++ (it builds the ASan+UBSan configuration)", ("clang++",), "clang"),
)


def missing_tools() -> list[tuple[str, str]]:
    return [(what, package) for what, exes, package in TOOLS
            if not any(shutil.which(e) for e in exes)]


def require_tools() -> None:
    missing = missing_tools()
    if sys.version_info < (3, 11):
        raise EnvironmentProblem("the grader needs Python 3.11 or newer: apt-get install -y python3")
    if missing:
        packages = " ".join(p for _, p in missing)
        names = ", ".join(w for w, _ in missing)
        raise EnvironmentProblem(
            f"missing {names}. Install with:\n    apt-get update && apt-get install -y {packages}")
