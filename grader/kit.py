"""The kit's manifests (exercise.toml, rubric.toml, mutant.toml, variant.toml) as validated
dataclasses: every later stage trusts these, so all checking of the TOML happens here."""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from grader.errors import KitError

KNOWN_CONFIGS = ("asan", "tsan", "release", "dev")
SUITES = ("hidden", "public")
DEFAULT_CONFIGS = ("asan", "tsan")
DEFAULT_TIMEOUT_S = 30.0
# Suite.Test, with the optional prefixes and suffixes of parameterised and typed tests.
_TEST_ID = re.compile(r"^[A-Za-z0-9_/]+\.[A-Za-z0-9_/]+$")


@dataclass(frozen=True)
class ForbiddenRule:
    pattern: str
    reason: str
    penalty: float

    @property
    def regex(self) -> re.Pattern[str]:
        return re.compile(self.pattern)


@dataclass(frozen=True)
class Exercise:
    name: str
    title: str
    owned: tuple[str, ...]
    forbidden: tuple[ForbiddenRule, ...]
    directory: Path
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class RubricTest:
    id: str
    suite: str
    points: float
    guarantee: str
    configs: tuple[str, ...]
    timeout_s: float


@dataclass(frozen=True)
class PerformanceSpec:
    """The [performance] table of a rubric: one workload test, timed in the optimised
    build against the reference's in the same run, scored on the time ratio."""

    test: str                # Suite.Test in tests/hidden/<exercise>/performance/
    points: float
    full_at: float           # student time / reference time at or below which all points are earned
    zero_at: float           # ratio at or above which none are
    pairs: int               # interleaved (student, reference) runs; the median ratio counts
    timeout_s: float


# Pairs a timing takes unless the rubric says otherwise. On the kit's two-core virtual
# machine one pair's ratio of the reference against itself spreads with a standard
# deviation of 0.12-0.26 (in log terms, per exercise; docs/PERFORMANCE.md); the median of
# 9 pairs left the 0.85-1.15 band in about 1 run in 15 for the noisiest (channel), the
# median of 41 in about 1 in 300.
DEFAULT_PAIRS = 41


@dataclass(frozen=True)
class Rubric:
    configs: tuple[str, ...]
    timeout_s: float
    tests: tuple[RubricTest, ...]
    path: Path | None
    warnings: tuple[str, ...] = ()
    quality_points: float = 0.0        # code quality: clang-tidy on the owned files
    quality_per_warning: float = 1.0   # what each warning costs, up to quality_points
    performance: PerformanceSpec | None = None

    @property
    def max_points(self) -> float:
        perf = self.performance.points if self.performance is not None else 0.0
        return sum(t.points for t in self.tests) + self.quality_points + perf

    def by_id(self) -> dict[str, RubricTest]:
        return {t.id: t for t in self.tests}


@dataclass(frozen=True)
class Mutant:
    exercise: str
    name: str
    directory: Path
    bug: str
    must_fail: tuple[str, ...]
    hint: str = ""  # student-facing: the bug class and the lesson section, never the fix
    slower: bool = False  # correct but slow: must keep every test's points, lose performance ones


@dataclass(frozen=True)
class Alternate:
    exercise: str
    name: str
    directory: Path
    design: str


@dataclass(frozen=True)
class Kit:
    """A kit checkout (or a student bundle, which lacks solutions/ and tests/hidden/)."""

    root: Path
    exercise_cache: dict[str, Exercise] = field(default_factory=dict, compare=False, repr=False)

    @property
    def exercises_dir(self) -> Path:
        return self.root / "exercises"

    def exercise_names(self) -> list[str]:
        """Every folder of exercises/ that has an exercise.toml, sorted."""
        if not self.exercises_dir.is_dir():
            return []
        return sorted(p.name for p in self.exercises_dir.iterdir()
                      if p.is_dir() and (p / "exercise.toml").is_file())

    def exercise(self, name: str) -> Exercise:
        if name not in self.exercise_cache:
            self.exercise_cache[name] = load_exercise(self.exercises_dir / name)
        return self.exercise_cache[name]

    def rubric(self, name: str) -> Rubric | None:
        path = self.root / "tests" / "hidden" / name / "rubric.toml"
        return load_rubric(path) if path.is_file() else None

    def solution_dir(self, name: str) -> Path:
        return self.root / "solutions" / name

    def mutants(self, name: str) -> list[Mutant]:
        base = self.root / "tests" / "mutants" / name
        if not base.is_dir():
            return []
        return [load_mutant(p, name) for p in sorted(base.iterdir())
                if p.is_dir() and (p / "mutant.toml").is_file()]

    def alternates(self, name: str) -> list[Alternate]:
        base = self.root / "tests" / "alternates" / name
        if not base.is_dir():
            return []
        return [load_alternate(p, name) for p in sorted(base.iterdir())
                if p.is_dir() and (p / "variant.toml").is_file()]

    def resolve_exercises(self, requested: list[str] | None) -> list[str]:
        """The exercises a verb works on: all of them, or the requested ones (validated)."""
        available = self.exercise_names()
        if not requested:
            if not available:
                raise KitError(f"{self.exercises_dir} holds no exercise (no exercise.toml found)")
            return available
        unknown = [n for n in requested if n not in available]
        if unknown:
            raise KitError(f"unknown exercise {', '.join(unknown)}; the kit has: "
                           f"{', '.join(available) or '(none)'}")
        return list(dict.fromkeys(requested))


def find_kit_root(explicit: Path | None = None) -> Path:
    """The kit root: --kit, else $LOCKSTEP_KIT, else the folder holding this package, else
    the nearest parent of the working directory with an exercises/ folder."""
    candidates: list[Path] = []
    if explicit is not None:
        candidates = [explicit]
    elif os.environ.get("LOCKSTEP_KIT"):
        candidates = [Path(os.environ["LOCKSTEP_KIT"])]
    else:
        candidates.append(Path(__file__).resolve().parent.parent)
        cwd = Path.cwd().resolve()
        candidates.extend([cwd, *cwd.parents])
    for c in candidates:
        if (c / "exercises").is_dir():
            return c.resolve()
    where = ", ".join(str(c) for c in candidates[:3])
    raise KitError(f"no lockstep kit found (looked for an exercises/ folder in {where}); "
                   "pass --kit DIR")


# --- TOML readers -------------------------------------------------------------------------

def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except FileNotFoundError:
        raise KitError(f"{path}: file not found") from None
    except tomllib.TOMLDecodeError as e:
        raise KitError(f"{path}: invalid TOML: {e}") from None
    except OSError as e:
        raise KitError(f"{path}: cannot read: {e}") from None


class _Fields:
    """Typed access to one TOML table with errors naming the file and key."""

    def __init__(self, path: Path, table: dict[str, Any], where: str = "") -> None:
        self.path, self.table, self.where = path, table, where
        self.used: set[str] = set()

    def _err(self, key: str, msg: str) -> KitError:
        loc = f"{self.where}." if self.where else ""
        return KitError(f"{self.path}: {loc}{key}: {msg}")

    def get(self, key: str, kind: type | tuple[type, ...], default: Any = ..., *,
            name: str = "") -> Any:
        self.used.add(key)
        if key not in self.table:
            if default is ...:
                raise self._err(key, "missing (required)")
            return default
        value = self.table[key]
        # bool is an int in Python; a boolean is never a valid number here.
        if isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,)):
            raise self._err(key, f"expected {name or kind}, got a boolean")
        if not isinstance(value, kind):
            raise self._err(key, f"expected {name or kind}, got {type(value).__name__}")
        return value

    def str_list(self, key: str, default: Any = ..., *, nonempty: bool = False) -> tuple[str, ...]:
        value = self.get(key, list, default, name="a list of strings")
        if value is None:
            return ()
        if not all(isinstance(v, str) for v in value):
            raise self._err(key, "expected a list of strings")
        if nonempty and not value:
            raise self._err(key, "must not be empty")
        return tuple(value)

    def number(self, key: str, default: Any = ..., *, positive: bool = False) -> float:
        value = float(self.get(key, (int, float), default, name="a number"))
        if value < 0 or (positive and value == 0):
            raise self._err(key, "must be " + ("positive" if positive else "at least 0"))
        return value

    def configs(self, key: str, default: Any = ...) -> tuple[str, ...]:
        value = self.str_list(key, default, nonempty=True)
        bad = [c for c in value if c not in KNOWN_CONFIGS]
        if bad:
            raise self._err(key, f"unknown configuration {', '.join(bad)} "
                                 f"(known: {', '.join(KNOWN_CONFIGS)})")
        return value

    def unknown_keys(self) -> list[str]:
        loc = f"{self.where}." if self.where else ""
        return [f"{self.path}: unknown key {loc}{k} (ignored)"
                for k in self.table if k not in self.used]


def _safe_relpath(path: Path, key: str, value: str) -> str:
    p = PurePosixPath(value)
    if not value or p.is_absolute() or ".." in p.parts or "\\" in value or value.startswith("~"):
        raise KitError(f"{path}: {key}: {value!r} must be a relative path inside the exercise")
    return p.as_posix()


def load_exercise(directory: Path) -> Exercise:
    path = directory / "exercise.toml"
    data = _read_toml(path)
    f = _Fields(path, data)
    name = f.get("name", str, directory.name)
    if name != directory.name:
        raise KitError(f"{path}: name = {name!r} but the folder is {directory.name!r}")
    title = f.get("title", str, name)
    owned = tuple(_safe_relpath(path, "owned", o) for o in f.str_list("owned", nonempty=True))
    if len(set(owned)) != len(owned):
        raise KitError(f"{path}: owned lists a file twice")
    rules: list[ForbiddenRule] = []
    warnings: list[str] = []
    for i, table in enumerate(f.get("forbidden", list, [], name="an array of tables")):
        if not isinstance(table, dict):
            raise KitError(f"{path}: forbidden[{i}]: expected a table ([[forbidden]])")
        g = _Fields(path, table, f"forbidden[{i}]")
        pattern = g.get("pattern", str)
        try:
            re.compile(pattern)
        except re.error as e:
            raise KitError(f"{path}: forbidden[{i}].pattern: invalid regular expression: {e}") from None
        rules.append(ForbiddenRule(pattern, g.get("reason", str, ""), g.number("penalty", 0)))
        warnings += g.unknown_keys()
    # exercise.toml may carry more (points, limits) for other tools: not an error.
    return Exercise(name, title, owned, tuple(rules), directory, tuple(warnings))


def load_rubric(path: Path) -> Rubric:
    data = _read_toml(path)
    f = _Fields(path, data)
    configs = f.configs("configs", list(DEFAULT_CONFIGS))
    timeout_s = f.number("timeout_s", DEFAULT_TIMEOUT_S, positive=True)
    quality_points = f.number("quality_points", 0.0)
    quality_per_warning = f.number("quality_per_warning", 1.0)
    tables = f.get("test", list, [], name="an array of tables ([[test]])")
    perf_table = f.get("performance", dict, None, name="a table ([performance])")
    tests: list[RubricTest] = []
    warnings = f.unknown_keys()
    seen: set[str] = set()
    for i, table in enumerate(tables):
        if not isinstance(table, dict):
            raise KitError(f"{path}: test[{i}]: expected a table ([[test]])")
        g = _Fields(path, table, f"test[{i}]")
        test_id = g.get("id", str)
        if not _TEST_ID.match(test_id):
            raise KitError(f"{path}: test[{i}].id: {test_id!r} is not a gtest name Suite.Test")
        if test_id in seen:
            raise KitError(f"{path}: test {test_id} is listed twice")
        seen.add(test_id)
        suite = g.get("suite", str, "hidden")
        if suite not in SUITES:
            raise KitError(f"{path}: test[{i}].suite: {suite!r} is not one of {', '.join(SUITES)}")
        guarantee = g.get("guarantee", str, "")
        if not guarantee:
            warnings.append(f"{path}: test {test_id} has no guarantee text")
        tests.append(RubricTest(
            id=test_id, suite=suite, points=g.number("points"), guarantee=guarantee,
            configs=g.configs("configs", configs), timeout_s=g.number("timeout_s", timeout_s, positive=True)))
        warnings += g.unknown_keys()
    if not tests:
        raise KitError(f"{path}: no [[test]] entries")
    performance = None if perf_table is None else _performance(path, perf_table, warnings)
    return Rubric(configs, timeout_s, tuple(tests), path, tuple(warnings), quality_points,
                  quality_per_warning, performance)


def _performance(path: Path, table: dict[str, Any], warnings: list[str]) -> PerformanceSpec:
    g = _Fields(path, table, "performance")
    test = g.get("test", str)
    if not _TEST_ID.match(test):
        raise KitError(f"{path}: performance.test: {test!r} is not a gtest name Suite.Test")
    full_at = g.number("full_at", 1.25, positive=True)
    zero_at = g.number("zero_at", 3.0, positive=True)
    if zero_at <= full_at:
        raise KitError(f"{path}: performance: zero_at ({zero_at:g}) must be above full_at ({full_at:g})")
    pairs = g.get("pairs", int, DEFAULT_PAIRS, name="an integer")
    if not 1 <= pairs <= 199:
        raise KitError(f"{path}: performance.pairs: {pairs} is not between 1 and 199")
    spec = PerformanceSpec(test, g.number("points"), full_at, zero_at, pairs,
                           g.number("timeout_s", 60.0, positive=True))
    warnings += g.unknown_keys()
    return spec


def load_mutant(directory: Path, exercise: str) -> Mutant:
    path = directory / "mutant.toml"
    f = _Fields(path, _read_toml(path))
    # A slower mutant is correct code that is slow: no test may fail, performance points go.
    slower = f.get("slower", bool, False, name="a boolean")
    must_fail = f.str_list("must_fail", () if slower else ..., nonempty=not slower)
    if slower and must_fail:
        raise KitError(f"{path}: a slower mutant is correct code: must_fail must be empty")
    for t in must_fail:
        if not _TEST_ID.match(t):
            raise KitError(f"{path}: must_fail: {t!r} is not a gtest name Suite.Test")
    return Mutant(exercise, directory.name, directory, f.get("bug", str), must_fail,
                  f.get("hint", str, ""), slower)


def load_alternate(directory: Path, exercise: str) -> Alternate:
    path = directory / "variant.toml"
    f = _Fields(path, _read_toml(path))
    return Alternate(exercise, directory.name, directory, f.get("design", str, ""))
