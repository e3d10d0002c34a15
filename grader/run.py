"""Discover tests, run each (test, configuration) as its own sandboxed process, and
classify what happened.

A run counts as passed only when a record carrying this run's nonce names the test that
was asked for and says passed, the process exited by itself with status 0, and its output
holds no sanitizer report (DESIGN 7.2). Everything else is classified so feedback can say
what went wrong: failed, timeout, crashed, sanitizer, no_record, skipped or not_built.
"""

from __future__ import annotations

import json
import queue
import re
import secrets
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from grader import machine, sandbox

RESULT_FILE = "lockstep-records.jsonl"
WATCHDOG_EXIT = 86
TSAN_EXIT = 66
STATUSES = ("passed", "failed", "timeout", "crashed", "sanitizer", "no_record", "skipped",
            "not_built")

# Per configuration: options that make any report fail the process (DESIGN 4: set by the
# grader as well as compiled into the harness), and the schedule-widening knobs.
SANITIZER_ENV: dict[str, dict[str, str]] = {
    "asan": {"ASAN_OPTIONS": "halt_on_error=1:detect_leaks=1:abort_on_error=0",
             "UBSAN_OPTIONS": "halt_on_error=1:print_stacktrace=1",
             "LSAN_OPTIONS": "exitcode=23"},
    "tsan": {"TSAN_OPTIONS": "halt_on_error=1:exitcode=66:second_deadlock_stack=1:atexit_sleep_ms=0"},
}
YIELD_PERMILLE: dict[str, int] = {"tsan": 30}
WAIT_DELAY_US = 200
# One wait in ten is delayed: enough to turn lost wakeups into hangs, cheap enough that a
# stress test with tens of thousands of hand-offs stays within a second or two.
WAIT_DELAY_PERMILLE = 100
SHIM = "lib/liblockstep_wait_delay.so"
# Configurations whose test processes get the wait-delay shim preloaded, and the extra
# environment each needs for it (harness/README.md, "Wait-delay shim": ASan otherwise
# stops with "ASan runtime does not come first in initial library list").
PRELOAD_SHIM: dict[str, dict[str, str]] = {
    "asan": {"ASAN_OPTIONS": "verify_asan_link_order=0"},
    "tsan": {}, "release": {}, "dev": {},
}


def preload_env(config: str, shim: str) -> dict[str, str]:
    """LD_PRELOAD and companions for running one test of `config` with the shim."""
    if config not in PRELOAD_SHIM:
        return {}
    env = {"LD_PRELOAD": shim}
    env.update(PRELOAD_SHIM[config])
    return env


@dataclass(frozen=True)
class Job:
    """One test process to run."""

    exercise: str
    suite: str           # "hidden" | "public"
    test: str            # Suite.Test
    config: str
    binary: Path | None  # None: the suite did not build in this configuration
    timeout_s: float
    seed: int
    run_index: int = 0
    build_error: str = ""


@dataclass
class Outcome:
    """What one test process did, classified."""

    job: Job
    status: str
    reason: str                       # one line a student reads first
    details: str = ""                 # failure texts, the sanitizer report, output tail
    sanitizer: str | None = None      # "data race", "heap-use-after-free", ...
    exit_code: int | None = None
    signal: str | None = None
    duration_ms: float | None = None
    seed: int | None = None
    nonce: str = ""
    output: str = ""                  # the (truncated) raw output, for feedback to trim
    failures: list[dict[str, object]] = field(default_factory=list)
    wall_s: float = 0.0
    properties: dict[str, str] = field(default_factory=dict)   # the test's RecordProperty() values

    @property
    def passed(self) -> bool:
        return self.status == "passed"


# --- listing --------------------------------------------------------------------------------

def parse_test_list(text: str) -> list[str]:
    """gtest --gtest_list_tests output -> ["Suite.Test", ...] (comments like
    `# GetParam() = ...` dropped)."""
    tests: list[str] = []
    suite = None
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].rstrip()
        if not line.strip():
            continue
        if not raw.startswith(" "):
            suite = line.strip() if line.strip().endswith(".") else None
        elif suite is not None:
            tests.append(suite + line.strip())
    return tests


def list_tests(binary: Path, config: str, slot: int = 0, timeout_s: float = 60.0,
               prefix: list[str] | None = None, hide: tuple[Path, ...] = ()) -> tuple[list[str], str]:
    """The tests a binary contains, listed inside the sandbox (the submission's static
    initialisers run here too). Returns (tests, error text or "")."""
    env = dict(SANITIZER_ENV.get(config, {}))
    result = sandbox.run([*(prefix or []), str(binary), "--gtest_list_tests"], env=env,
                         limits=sandbox.Limits(timeout_s=timeout_s), slot=slot, hide=hide)
    if result.timed_out or result.returncode != 0:
        why = "timed out" if result.timed_out else (
            f"killed by {result.signal_name}" if result.signal else f"exit status {result.returncode}")
        return parse_test_list(result.output), f"listing the tests of {binary.name} failed ({why}):\n" \
            + "\n".join(result.output.splitlines()[-20:])
    return parse_test_list(result.output), ""


# --- classification -------------------------------------------------------------------------

_TSAN = re.compile(r"WARNING: ThreadSanitizer: ([^\n(]+?)\s*(?:\(|$)", re.M)
_ASAN = re.compile(r"ERROR: AddressSanitizer: ([A-Za-z0-9_-]+(?: on unknown address)?)", re.M)
_LSAN = re.compile(r"ERROR: LeakSanitizer: detected memory leaks", re.M)
_UBSAN = re.compile(r"^.*?:\d+(?::\d+)?: runtime error: (.+)$", re.M)
_WATCHDOG = re.compile(r"lockstep: deadlock or livelock suspected in \S+.*$", re.M)


def sanitizer_kind(output: str) -> tuple[str, int] | None:
    """(kind, offset of the report header) of the first sanitizer report, or None."""
    found: list[tuple[int, str]] = []
    if m := _TSAN.search(output):
        kind = m.group(1).strip()
        kind = {"lock-order-inversion": "lock-order-inversion"}.get(kind, kind)
        found.append((m.start(), kind))
    if m := _ASAN.search(output):
        kind = m.group(1)
        if kind.startswith("SEGV"):
            kind = "SEGV (invalid memory access)"
        found.append((m.start(), kind))
    if m := _LSAN.search(output):
        found.append((m.start(), "leak"))
    if m := _UBSAN.search(output):
        found.append((m.start(), "undefined behaviour: " + _short_ub(m.group(1))))
    if not found:
        return None
    offset, kind = min(found)
    return kind, offset


def _short_ub(message: str) -> str:
    """'load of misaligned address 0x1234 for type ...' -> 'load of misaligned address'."""
    cut = re.split(r" 0x[0-9a-fA-F]+|: ", message, maxsplit=1)[0]
    cut = cut.strip()
    return cut if len(cut) <= 80 else cut[:77] + "..."


def parse_records(data: bytes, nonce: str, test: str) -> tuple[list[dict[str, object]], int]:
    """The well-formed records of this run for this test, and how many lines were ignored
    (other nonce, other test, junk)."""
    mine: list[dict[str, object]] = []
    ignored = 0
    for line in data.decode("utf-8", "replace").splitlines():
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except ValueError:
            ignored += 1
            continue
        if (isinstance(rec, dict) and rec.get("nonce") == nonce and rec.get("test") == test
                and rec.get("status") in ("passed", "failed", "skipped")):
            mine.append(rec)
        else:
            ignored += 1
    return mine, ignored


def _location(f: dict[str, object]) -> str:
    """`file:line` of a gtest failure, or "" when gtest had none (an exception)."""
    file, line = f.get("file"), f.get("line")
    if not file or not isinstance(line, int) or line <= 0:
        return ""
    return f"{file}:{line}"


def _failure_text(failures: list[dict[str, object]]) -> str:
    """Every failure with its location, except what the reason line already says (the
    first failure's location and first line)."""
    parts = []
    for i, f in enumerate(failures[:5]):
        loc = _location(f)
        msg = str(f.get("message", "")).strip()
        if i == 0:
            rest = "\n".join(msg.splitlines()[1:])
            if rest:
                parts.append(rest)
            continue
        parts.append(f"{loc}: {msg}" if loc else msg)
    if len(failures) > 5:
        parts.append(f"... and {len(failures) - 5} more failures")
    return "\n".join(parts)


def _tail(text: str, lines: int = 15) -> str:
    return "\n".join(text.rstrip().splitlines()[-lines:])


def classify(job: Job, nonce: str, result: sandbox.ProcessResult, records: bytes) -> Outcome:
    """Decide what one run means. Order matters: the grader's own kill first, then any
    sanitizer report (even with exit 0), then the watchdog, signals, and only then the
    records, which are believed only from a process that exited with status 0."""
    out = result.output
    base = dict(job=job, nonce=nonce, output=out, exit_code=result.returncode,
                signal=result.signal_name, seed=job.seed, wall_s=result.wall_s)
    mine, _ = parse_records(records, nonce, job.test)
    if mine:
        dur = mine[-1].get("duration_ms")
        base["duration_ms"] = float(dur) if isinstance(dur, (int, float)) else None
        seed = mine[-1].get("seed")
        if isinstance(seed, int):
            base["seed"] = seed
        props = mine[-1].get("properties")
        if isinstance(props, dict):
            base["properties"] = {str(k): str(v) for k, v in props.items()}
    if result.timed_out:
        return Outcome(status="timeout", reason=(
            f"killed after {job.timeout_s:g} s of wall-clock time: a deadlock, a lost wakeup "
            "or a livelock (the harness watchdog did not fire either)"),
            details=_tail(out), **base)
    if result.memory_exceeded:
        limit_gib = sandbox.Limits().memory_bytes / (1 << 30)
        return Outcome(status="crashed", reason=(
            f"killed: its processes held more than {limit_gib:g} GiB of memory (resident); "
            "memory that grows without bound, e.g. a queue nobody drains or a leak in a loop"),
            details=_tail(out), **base)
    san = sanitizer_kind(out)
    watchdog = _WATCHDOG.search(out)
    # TSan reports the threads the watchdog leaves behind when it ends the process; the
    # hang is the finding then, not the leak.
    if san is not None and not (watchdog and san[0] == "thread leak"):
        kind, offset = san
        return Outcome(status="sanitizer", reason=f"sanitizer report: {kind}",
                       details=out[offset:], sanitizer=kind, **base)
    if result.returncode == WATCHDOG_EXIT or watchdog:
        m = watchdog
        return Outcome(status="timeout", reason=m.group(0) if m else
                       "the harness watchdog fired: deadlock or livelock suspected",
                       details=out[m.start():] if m else _tail(out), **base)
    if result.signal is not None:
        name = result.signal_name or str(result.signal)
        if name in ("SIGXCPU",):
            return Outcome(status="timeout", reason="CPU time limit exceeded (SIGXCPU): a busy loop?",
                           details=_tail(out), **base)
        what = {"SIGSEGV": "segmentation fault", "SIGABRT": "aborted (std::terminate, an "
                "uncaught exception or a failed assert)", "SIGBUS": "bus error",
                "SIGFPE": "arithmetic exception", "SIGXFSZ": "output or file size limit exceeded",
                "SIGILL": "illegal instruction", "SIGKILL": "killed"}.get(name, "killed by a signal")
        return Outcome(status="crashed", reason=f"crashed: {name} ({what})", details=_tail(out), **base)
    if result.returncode == TSAN_EXIT:
        return Outcome(status="sanitizer", reason="sanitizer report (exit status 66, ThreadSanitizer)",
                       details=_tail(out, 30), sanitizer="ThreadSanitizer report", **base)
    if not mine:
        if result.returncode == 0:
            return Outcome(status="no_record", reason=(
                "the process exited with status 0 without reporting this test: "
                "exit()/quick_exit() in the middle of a test?"), details=_tail(out), **base)
        return Outcome(status="crashed", reason=(
            f"exited with status {result.returncode} before reporting this test"),
            details=_tail(out), **base)
    statuses = {str(r.get("status")) for r in mine}
    failures = [f for r in mine for f in (r.get("failures") or []) if isinstance(f, dict)]
    if "failed" in statuses:
        first = failures[0] if failures else {}
        msg = str(first.get("message", "")).strip().splitlines()
        where = f" at {_location(first)}" if _location(first) else ""
        return Outcome(status="failed", reason=f"failed{where}: " + (msg[0] if msg else "(no message)"),
                       details=_failure_text(failures), failures=failures, **base)
    if "skipped" in statuses:
        return Outcome(status="skipped", reason="the test was skipped in this configuration",
                       details=_tail(out), **base)
    if result.returncode != 0:
        return Outcome(status="failed", reason=(
            f"the test reported success but the process then exited with status {result.returncode}"),
            details=_tail(out), **base)
    return Outcome(status="passed", reason="passed", **base)


# --- running --------------------------------------------------------------------------------

def not_built(job: Job) -> Outcome:
    return Outcome(job=job, status="not_built", reason=(
        f"the {job.suite} tests did not compile in the {job.config} build"),
        details=job.build_error, seed=job.seed)


def job_env(job: Job, nonce: str, preload: str | None = None) -> dict[str, str]:
    margin = max(2.0, job.timeout_s * 0.1)
    env = {
        "LOCKSTEP_RESULT_FILE": RESULT_FILE,
        "LOCKSTEP_NONCE": nonce,
        "LOCKSTEP_SEED": str(job.seed),
        "LOCKSTEP_DEADLINE_MS": str(max(1000, int((job.timeout_s - margin) * 1000))),
    }
    env.update(SANITIZER_ENV.get(job.config, {}))
    if job.config in YIELD_PERMILLE:
        env["LOCKSTEP_YIELD_PERMILLE"] = str(YIELD_PERMILLE[job.config])
    if preload:
        for key, value in preload_env(job.config, preload).items():
            env[key] = f"{env[key]}:{value}" if key.endswith("SAN_OPTIONS") and key in env else value
        env["LOCKSTEP_WAIT_DELAY_US"] = str(WAIT_DELAY_US)
        env["LOCKSTEP_WAIT_DELAY_PERMILLE"] = str(WAIT_DELAY_PERMILLE)
    return env


def run_one(job: Job, slot: int, preload: str | None = None,
            prefix: list[str] | None = None, hide: tuple[Path, ...] = ()) -> Outcome:
    if job.binary is None:
        return not_built(job)
    nonce = secrets.token_hex(16)
    env = job_env(job, nonce, preload)
    argv = [*(prefix or []), str(job.binary), f"--gtest_filter={job.test}"]
    result = sandbox.run(argv, env=env, limits=sandbox.Limits(timeout_s=job.timeout_s), slot=slot,
                         read_back=(RESULT_FILE,), cwd_env=("LOCKSTEP_RESULT_FILE",), hide=hide)
    return classify(job, nonce, result, result.files.get(RESULT_FILE, b""))


@dataclass(frozen=True)
class RunContext:
    """What run_one needs per configuration besides the job: the shim and argv prefix."""

    preload: dict[str, str] = field(default_factory=dict)   # config -> path of the shim
    prefixes: dict[str, list[str]] = field(default_factory=dict)
    hide: tuple[Path, ...] = ()   # what the test must not see: the kit, the work area


def run_jobs(jobs: Iterable[Job], *, parallel: int, context: RunContext = RunContext(),
             on_done: Callable[[Outcome], None] | None = None) -> list[Outcome]:
    """Run jobs on `parallel` slots; each slot has its own uid (see sandbox), so a slot is
    handed to one job at a time. Outcomes come back in the order of `jobs`. Each test
    process takes the machine busy (machine.py) for itself, not the batch: another
    grader's timing then waits only for the processes running, not for a whole batch whose
    hung tests each run to their timeout."""
    job_list = list(jobs)
    slots: "queue.Queue[int]" = queue.Queue()
    for s in range(max(1, parallel)):
        slots.put(s)

    def work(job: Job) -> Outcome:
        slot = slots.get()
        try:
            with machine.busy():
                return run_one(job, slot, context.preload.get(job.config),
                               context.prefixes.get(job.config), context.hide)
        finally:
            slots.put(slot)

    with ThreadPoolExecutor(max_workers=max(1, parallel)) as pool:
        futures = [pool.submit(work, job) for job in job_list]
        if on_done is not None:
            for future in as_completed(futures):
                on_done(future.result())
        return [f.result() for f in futures]
