"""Configure and build the test binaries of one exercise in one configuration.

A compile error is the submission's problem and is returned as data (the targets that
failed, the log); it never raises. A configure failure does not depend on the submission
(configure compiles nothing of it), so it is the kit's or the machine's problem and
raises, with the Debian command to install what is missing when the log names it.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from grader import machine
from grader.errors import EnvironmentProblem, KitError

CONFIGURE_TIMEOUT_S = 600
BUILD_TIMEOUT_S = 3600
_LOG_CAP = 4 << 20
STAMP = ".lockstep-configure.json"   # the arguments a build dir was last configured with

# Hints for configure failures: (text in the log, what to install).
_MISSING_DEPENDENCY = (
    ("GTest", "apt-get update && apt-get install -y libgtest-dev"),
    ("GoogleTest", "apt-get update && apt-get install -y libgtest-dev"),
    ("gtest", "apt-get update && apt-get install -y libgtest-dev"),
    ("benchmark", "apt-get update && apt-get install -y libbenchmark-dev"),
    ("CMAKE_CXX_COMPILER", "apt-get update && apt-get install -y g++"),
    ("Ninja", "apt-get update && apt-get install -y ninja-build"),
)


@dataclass
class BuildResult:
    config: str
    build_dir: Path
    ok_targets: list[str] = field(default_factory=list)
    failed_targets: list[str] = field(default_factory=list)
    seconds: float = 0.0
    log: str = ""
    log_path: Path | None = None

    @property
    def ok(self) -> bool:
        return not self.failed_targets

    def binary(self, target: str) -> Path:
        return self.build_dir / "bin" / target


def test_target(exercise: str, suite: str) -> str:
    """The CMake target of an exercise's test suite (DESIGN 7.1)."""
    return f"{exercise}_{suite}_test"


def _run(cmd: list[str], cwd: Path, timeout: float, background: bool = False) -> tuple[int, str]:
    """`background`: at the lowest CPU priority, so that it only takes what the rest of the
    grade leaves idle (cmake's configure steps, links, the tail of a test batch)."""
    if background:
        cmd = ["nice", "-n", "19", *cmd]
    try:
        with machine.busy():
            proc = subprocess.run(cmd, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, timeout=timeout)
        out = proc.stdout
        rc = proc.returncode
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"") + f"\n[lockstep] timed out after {timeout:.0f} s\n".encode()
        rc = -9
    except FileNotFoundError as e:
        raise EnvironmentProblem(f"{cmd[0]} not found: apt-get update && apt-get install -y cmake ninja-build") from e
    text = out.decode("utf-8", "replace")
    if len(text) > _LOG_CAP:
        text = text[:_LOG_CAP // 2] + "\n[... log truncated ...]\n" + text[-_LOG_CAP // 2:]
    return rc, text


def configure_command(source: Path, build_dir: Path, config: str, exercises: list[str],
                      extra: dict[str, str] | None = None,
                      hidden_only: list[str] | None = None) -> list[str]:
    # LOCKSTEP_HIDDEN_ONLY is always given, empty too: the cache would keep an earlier value.
    cmd = ["cmake", "--preset", config, "-S", str(source), "-B", str(build_dir),
           f"-DLOCKSTEP_EXERCISES={';'.join(exercises)}", "-DLOCKSTEP_GRADER_TESTS=OFF",
           f"-DLOCKSTEP_HIDDEN_ONLY={';'.join(hidden_only or [])}"]
    cmd += [f"-D{k}={v}" for k, v in sorted((extra or {}).items())]
    return cmd


def _configure_state(source: Path, build_dir: Path, config: str, exercises: list[str],
                     hidden_only: list[str] | None, impl_dir: str | None) -> tuple[list[str], dict, object]:
    """The configure command, its key, and the key this build dir was last configured with."""
    extra = {"LOCKSTEP_IMPL_DIR": impl_dir} if impl_dir else None
    cmd = configure_command(source, build_dir, config, exercises, extra, hidden_only)
    # cmake --build reruns configure when a CMakeLists changes, but not when the presets do.
    presets = source / "CMakePresets.json"
    key = {"cmd": cmd, "presets": hashlib.sha256(presets.read_bytes()).hexdigest()
           if presets.is_file() else None}
    stamp = build_dir / STAMP
    previous = None
    if (build_dir / "CMakeCache.txt").is_file() and stamp.is_file():
        try:
            previous = json.loads(stamp.read_text())
        except (OSError, ValueError):
            pass
    return cmd, key, previous


def is_configured(source: Path, build_dir: Path, config: str, exercises: list[str],
                  hidden_only: list[str] | None = None, impl_dir: str | None = None) -> bool:
    """Whether this build dir was configured with these arguments already, so that a
    grade has built in it before."""
    _, key, previous = _configure_state(source, build_dir, config, exercises, hidden_only, impl_dir)
    return previous == key


def configure(source: Path, build_dir: Path, config: str, exercises: list[str],
              log_path: Path | None = None, hidden_only: list[str] | None = None,
              impl_dir: str | None = None, background: bool = False) -> str:
    """Run cmake's configure step unless this build dir was configured with the same
    arguments already (cmake --build reruns it by itself when a CMakeLists changes).
    `impl_dir`: build another implementation folder than exercises/ (the reference)."""
    cmd, key, previous = _configure_state(source, build_dir, config, exercises, hidden_only, impl_dir)
    if previous == key:
        return ""
    build_dir.mkdir(parents=True, exist_ok=True)
    # An existing cache whose presets changed (or are unknown) is reconfigured --fresh: when
    # the preset's compiler changed, cmake wipes the cache and configures again without our
    # -D values (no sanitizer, every exercise). Otherwise a plain reconfigure, because
    # --fresh also makes cmake drop the precompiled header, a rebuild of several seconds.
    same_presets = isinstance(previous, dict) and previous.get("presets") == key["presets"]
    run_cmd = [*cmd, "--fresh"] if (build_dir / "CMakeCache.txt").is_file() and not same_presets else cmd
    rc, log = _run(run_cmd, source, CONFIGURE_TIMEOUT_S, background)
    if log_path is not None:
        log_path.write_text(log)
    if rc != 0:
        (build_dir / STAMP).unlink(missing_ok=True)
        raise configure_failure(config, log, log_path)
    (build_dir / STAMP).write_text(json.dumps(key))
    return log


def configure_failure(config: str, log: str, log_path: Path | None) -> Exception:
    """Explain a configure failure: a missing package when the log says so, else a broken kit."""
    tail = "\n".join(line for line in log.splitlines() if line.strip())
    tail = "\n".join(tail.splitlines()[-25:])
    where = f" (full log: {log_path})" if log_path else ""
    if "No such preset" in log or "Could not read presets" in log:
        return KitError(f"cmake --preset {config} failed{where}:\n{tail}")
    for needle, fix in _MISSING_DEPENDENCY:
        if needle in log and ("Could NOT find" in log or "not found" in log.lower()
                              or "No CMAKE_CXX_COMPILER" in log or "does not support" in log):
            return EnvironmentProblem(
                f"configuring the {config} build failed: a dependency is missing{where}.\n"
                f"Install it with:\n    {fix}\n\ncmake said:\n{tail}")
    return KitError(f"configuring the {config} build failed{where}:\n{tail}")


def build(source: Path, build_dir: Path, config: str, exercises: list[str],
          targets: list[str], log_path: Path | None = None,
          hidden_only: list[str] | None = None, impl_dir: str | None = None,
          background: bool = False) -> BuildResult:
    """Configure if needed, then build `targets`, keeping going past the first error so
    that a public test still runs when only the hidden suite fails to compile.
    `hidden_only`: build the hidden suites from these source file names alone."""
    t0 = time.monotonic()
    configure_log = configure(source, build_dir, config, exercises, log_path, hidden_only, impl_dir,
                              background)
    rc, log = _run(["cmake", "--build", str(build_dir), "--target", *targets, "--", "-k", "0"],
                   source, BUILD_TIMEOUT_S, background)
    result = BuildResult(config, build_dir, seconds=0.0, log=log)
    if log_path is not None:
        log_path.write_text(configure_log + log)
        result.log_path = log_path
    for target in targets:
        if rc == 0 or _up_to_date(build_dir, target):
            result.ok_targets.append(target)
        else:
            result.failed_targets.append(target)
    result.seconds = time.monotonic() - t0
    return result


def _up_to_date(build_dir: Path, target: str) -> bool:
    """After a failed build: ninja's dry run says whether this target still has work left."""
    rc, out = _run(["ninja", "-C", str(build_dir), "-n", target], build_dir, 120)
    return rc == 0 and "no work to do" in out
