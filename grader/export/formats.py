"""The report formats `grade` and `check` can write, by name."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from grader.export import canonical, classroom, gradescope, html, junit, markdown
from grader.results import Results

WRITERS: dict[str, Callable[[Results, Path], Path]] = {
    "json": canonical.write,          # result.json, the canonical model
    "junit": junit.write,             # junit.xml
    "markdown": markdown.write,       # summary.md (CI step summaries)
    "html": html.write,               # report.html, self-contained
    "gradescope": gradescope.write,   # gradescope.json (Gradescope's results.json schema)
    "classroom": classroom.write,     # classroom.b64 (+ $GITHUB_OUTPUT in Actions)
}


def write_all(results: Results, out_dir: Path, formats: list[str]) -> list[Path]:
    """json always, then the others asked for."""
    return [WRITERS[f](results, out_dir) for f in dict.fromkeys(["json", *formats])]
