"""What the verbs share: locating the kit, the work dir and the default configurations."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from grader.kit import DEFAULT_CONFIGS, KNOWN_CONFIGS, Kit, find_kit_root
from grader.pipeline import parse_configs


def load_kit(kit_root: Path | None) -> Kit:
    return Kit(find_kit_root(kit_root))


def work_dir(kit: Kit, work: Path | None) -> Path:
    return (work if work is not None else kit.root / ".lockstep-work").resolve()


def default_configs(kit: Kit, names: Iterable[str], requested: str | None,
                    suites: Iterable[str] = ("hidden", "public")) -> list[str]:
    """--configs, else every configuration the rubrics use for the suites in play."""
    if requested:
        return parse_configs(requested)
    suites = set(suites)
    used: set[str] = set()
    for n in names:
        rubric = kit.rubric(n)
        if rubric is not None:
            for t in rubric.tests:
                if t.suite in suites:
                    used.update(t.configs)
    if not used:
        return list(DEFAULT_CONFIGS)
    return [c for c in KNOWN_CONFIGS if c in used]
