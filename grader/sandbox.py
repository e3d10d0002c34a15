"""Run one untrusted process with the limits of DESIGN section 6.

A fresh temporary working directory (HOME and TMPDIR too), a scrubbed environment, stdin
from /dev/null, stdout+stderr to a file, its own session and process group, a wall-clock
limit after which the whole group is SIGKILLed, RLIMIT_CPU/FSIZE/CORE and a process cap;
never RLIMIT_AS or RLIMIT_DATA (the sanitizers reserve terabytes of address space): memory
is bounded by a watchdog on the memory of the whole session (resident, or proportional
when forked children share pages). As root the process
runs as an unprivileged uid per job slot so RLIMIT_NPROC applies, and every process left
of that uid is killed afterwards; where the platform allows it has no network and does
not see the kit or the work area (an empty mount covers them).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import platform
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

LAUNCHER = Path(__file__).with_name("_launch.py")
BASE_UID = 64000
SAFE_PATH = "/usr/local/bin:/usr/bin:/bin"
HEAD_BYTES = 64 << 10
TAIL_BYTES = 16 << 10


@dataclass(frozen=True)
class Limits:
    timeout_s: float = 30.0
    cpu_s: int | None = None        # default: timeout_s x cores + 10
    fsize_bytes: int = 64 << 20
    max_processes: int = 1024       # threads count too (RLIMIT_NPROC counts tasks)
    nofile: int = 4096
    memory_bytes: int = 4 << 30     # resident memory of the whole session (RSS watchdog)


@dataclass
class ProcessResult:
    argv: list[str]
    returncode: int | None          # exit status, or None when killed by a signal
    signal: int | None              # the terminating signal, if any
    timed_out: bool                 # killed by the grader at the wall-clock limit
    output: str                     # stdout+stderr, truncated in the middle
    output_bytes: int               # size before truncation
    wall_s: float
    files: dict[str, bytes] = field(default_factory=dict)  # requested files read back from cwd
    memory_exceeded: bool = False   # killed by the grader above Limits.memory_bytes resident

    @property
    def signal_name(self) -> str | None:
        if self.signal is None:
            return None
        try:
            return signal.Signals(self.signal).name
        except ValueError:
            return f"signal {self.signal}"


_probe_lock = threading.Lock()
_net_isolation: bool | None = None


def is_root() -> bool:
    return os.geteuid() == 0


def network_isolation() -> bool:
    """Whether unshare(CLONE_NEWNET) works here; probed once per grader process."""
    global _net_isolation
    with _probe_lock:
        if _net_isolation is None:
            try:
                rc = subprocess.run([sys.executable, "-I", "-S", str(LAUNCHER), "--unshare-net",
                                     "--probe", "--", "true"], stdin=subprocess.DEVNULL,
                                    capture_output=True, timeout=20).returncode
            except (OSError, subprocess.TimeoutExpired):
                rc = 1
            _net_isolation = rc == 0
        return _net_isolation


_hiding: bool | None = None


def path_hiding() -> bool:
    """Whether the launcher can cover directories with empty mounts here (root, and a
    kernel that allows mount namespaces); probed once per grader process."""
    global _hiding
    with _probe_lock:
        if _hiding is None:
            probe_dir = tempfile.mkdtemp(prefix="lockstep-hide-probe-")
            try:
                rc = subprocess.run([sys.executable, "-I", "-S", str(LAUNCHER), "--hide", probe_dir,
                                     "--probe", "--", "true"], stdin=subprocess.DEVNULL,
                                    capture_output=True, timeout=20).returncode
            except (OSError, subprocess.TimeoutExpired):
                rc = 1
            finally:
                os.rmdir(probe_dir)
            _hiding = rc == 0
        return _hiding


def hideable(paths: Iterable[Path]) -> list[str]:
    """The directories to cover, leaving out any that holds the temporary directory, where
    the test's cwd and the binaries it runs live."""
    tmp = Path(tempfile.gettempdir()).resolve()
    chosen = []
    for p in paths:
        r = p.resolve()
        if r.is_dir() and r != tmp and r not in tmp.parents and str(r) not in chosen:
            chosen.append(str(r))
    return chosen


UID_RANGE = 1000
_UID_LOCKS = Path(tempfile.gettempdir()) / "lockstep-uids"


def slot_uid(slot: int) -> int:
    return BASE_UID + slot


@contextlib.contextmanager
def exclusive_uid(slot: int) -> Iterator[int]:
    """An unprivileged uid no other test process uses meanwhile, even one of another
    grader on this machine: each uid is held with an fcntl lock for the run, because the
    sweep after a run kills every process of that uid."""
    _UID_LOCKS.mkdir(mode=0o700, exist_ok=True)
    for i in range(UID_RANGE):
        uid = slot_uid((slot + i) % UID_RANGE)
        f = open(_UID_LOCKS / f"{uid}.lock", "a")
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            f.close()
            continue
        try:
            yield uid
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)
            f.close()
        return
    raise RuntimeError("no free sandbox uid")


def scrubbed_env(cwd: Path, extra: dict[str, str]) -> dict[str, str]:
    """Nothing of the grader's environment leaks in except what a test needs."""
    env = {"PATH": SAFE_PATH, "HOME": str(cwd), "TMPDIR": str(cwd), "LANG": "C.UTF-8",
           "LC_ALL": "C.UTF-8"}
    env.update(extra)
    return env


def read_truncated(path: Path, head: int = HEAD_BYTES, tail: int = TAIL_BYTES) -> tuple[str, int]:
    """The first `head` and last `tail` bytes of a file, with a marker for what was cut."""
    try:
        size = path.stat().st_size
        with path.open("rb") as f:
            if size <= head + tail:
                data = f.read()
                return data.decode("utf-8", "replace"), size
            first = f.read(head)
            f.seek(size - tail)
            last = f.read()
    except OSError:
        return "", 0
    cut = size - head - tail
    text = (first.decode("utf-8", "replace") + f"\n[... {cut} bytes of output omitted ...]\n"
            + last.decode("utf-8", "replace"))
    return text, size


def _user_task_count(uid: int) -> int:
    """Tasks (threads included) of a uid, since RLIMIT_NPROC counts those."""
    count = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        if int(fields.get("Uid", "-1").split()[0]) == uid:
            count += int(fields.get("Threads", "1").strip() or 1)
    return count


def kill_uid(uid: int, settle_s: float = 10.0) -> None:
    """SIGKILL every process of uid, from a child that runs as that uid (see _launch), and
    wait until they are gone: until then they still count against the next test's
    RLIMIT_NPROC on this uid."""
    if _user_task_count(uid) == 0:
        return  # the common case; only root makes processes of this uid, and none is left
    deadline = time.monotonic() + settle_s
    while True:
        subprocess.run([sys.executable, "-I", "-S", str(LAUNCHER), "--kill-uid", str(uid)],
                       stdin=subprocess.DEVNULL, capture_output=True, timeout=30)
        if _user_task_count(uid) == 0 or time.monotonic() > deadline:
            return
        time.sleep(0.05)


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def prepare_readable(paths: list[Path], dest: Path) -> dict[Path, Path]:
    """Copy binaries into a world-readable directory, because the kit may live where the
    unprivileged uid cannot reach (e.g. under /root)."""
    dest.mkdir(parents=True, exist_ok=True)
    for d in [dest, *dest.parents]:
        if d == Path(tempfile.gettempdir()) or d == Path("/"):
            break
        os.chmod(d, 0o755)
    copies: dict[Path, Path] = {}
    for p in paths:
        target = dest / p.name
        shutil.copy2(p, target)
        os.chmod(target, 0o755)
        copies[p] = target
    return copies


def run(argv: list[str], *, env: dict[str, str] | None = None, limits: Limits = Limits(),
        slot: int = 0, read_back: tuple[str, ...] = (), cwd_env: tuple[str, ...] = (),
        isolate_network: bool = True, hide: tuple[Path, ...] = ()) -> ProcessResult:
    """Run argv sandboxed and wait for it. `cwd_env` names environment variables whose
    value is a file name to be placed inside the fresh cwd (e.g. the result file);
    `read_back` names files of the cwd to return (capped at 1 MiB each); `hide` names
    directories the process must not see (covered where path_hiding() allows)."""
    if not is_root():
        return _run(argv, env, limits, None, read_back, cwd_env, isolate_network, hide)
    with exclusive_uid(slot) as uid:
        return _run(argv, env, limits, uid, read_back, cwd_env, isolate_network, hide)


def _run(argv: list[str], env: dict[str, str] | None, limits: Limits, uid: int | None,
         read_back: tuple[str, ...], cwd_env: tuple[str, ...], isolate_network: bool,
         hide: tuple[Path, ...]) -> ProcessResult:
    cwd = Path(tempfile.mkdtemp(prefix="lockstep-run-"))
    outdir = Path(tempfile.mkdtemp(prefix="lockstep-out-"))
    try:
        extra = dict(env or {})
        for key in cwd_env:
            extra[key] = str(cwd / extra[key])
        full_env = scrubbed_env(cwd, extra)
        cpu = limits.cpu_s or int(limits.timeout_s * (os.cpu_count() or 1)) + 10
        launcher = [sys.executable, "-I", "-S", str(LAUNCHER), "--cpu", str(cpu),
                    "--fsize", str(limits.fsize_bytes), "--nofile", str(limits.nofile)]
        if uid is not None:
            os.chown(cwd, uid, uid)
            launcher += ["--uid", str(uid), "--gid", str(uid), "--nproc", str(limits.max_processes)]
        else:
            launcher += ["--nproc", str(_user_task_count(os.getuid()) + limits.max_processes)]
        if isolate_network and network_isolation():
            launcher.append("--unshare-net")
        covered = hideable(hide) if hide and path_hiding() else []
        if covered:
            launcher += ["--hide", os.pathsep.join(covered)]
        out_path = outdir / "output"
        t0 = time.monotonic()
        with out_path.open("wb") as out:
            proc = subprocess.Popen(launcher + ["--", *argv], cwd=cwd, env=full_env,
                                    stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                    start_new_session=True, close_fds=True)
            timed_out, memory_exceeded = _wait(proc, limits, uid)
            wall = time.monotonic() - t0
            # Leftovers: the group (daemons that kept it) and, as root, the whole uid.
            _kill_group(proc.pid)
            if uid is not None:
                kill_uid(uid)
        rc = proc.returncode
        output, size = read_truncated(out_path)
        files: dict[str, bytes] = {}
        for name in read_back:
            p = cwd / name
            try:
                if p.is_file() and not p.is_symlink():
                    with p.open("rb") as f:
                        files[name] = f.read(1 << 20)
            except OSError:
                pass
        if uid is not None:
            remove_files_of(uid)
        return ProcessResult(argv=list(argv), returncode=rc if rc >= 0 else None,
                             signal=-rc if rc < 0 else None, timed_out=timed_out,
                             output=output, output_bytes=size, wall_s=wall, files=files,
                             memory_exceeded=memory_exceeded)
    finally:
        shutil.rmtree(cwd, ignore_errors=True)
        shutil.rmtree(outdir, ignore_errors=True)


MEMORY_POLL_S = 0.05


def _wait(proc: subprocess.Popen[bytes], limits: Limits, uid: int | None) -> tuple[bool, bool]:
    """Wait for the process; kill its group at the wall-clock limit or when the session's
    memory passes the limit. Returns (timed out, memory exceeded)."""
    deadline = time.monotonic() + limits.timeout_s
    with _exit_watch(proc) as exited:
        while True:
            if exited(max(0.0, min(MEMORY_POLL_S, deadline - time.monotonic()))):
                proc.wait()
                return False, False
            over_time = time.monotonic() >= deadline
            over_memory = not over_time and memory_bytes(proc.pid, uid, limits.memory_bytes) > limits.memory_bytes
            if over_time or over_memory:
                _kill_group(proc.pid)
                if uid is not None:
                    kill_uid(uid)
                proc.wait(timeout=30)
                return over_time, over_memory


@contextlib.contextmanager
def _exit_watch(proc: subprocess.Popen[bytes]) -> Iterator[Callable[[float], bool]]:
    """exited(timeout_s): whether the process has exited, waiting at most timeout_s. A
    pidfd wakes the moment it does; Popen.wait(timeout) polls with naps of up to 50 ms,
    which cost every test run 25 ms on average (and a timed workload the same)."""
    try:
        pidfd = os.pidfd_open(proc.pid)
    except (AttributeError, OSError):
        def nap(timeout_s: float) -> bool:
            try:
                proc.wait(timeout=timeout_s)
                return True
            except subprocess.TimeoutExpired:
                return False
        yield nap
        return
    poller = select.poll()
    poller.register(pidfd, select.POLLIN)
    try:
        yield lambda timeout_s: bool(poller.poll(timeout_s * 1000))
    finally:
        os.close(pidfd)


def memory_bytes(session: int, uid: int | None, limit: int) -> int:
    """The memory of every process in the session (or, sandboxed, of the uid, which also
    counts a child that left the session with setsid). The resident sizes are cheap to
    read but count pages that forked children share once per child; only when their sum
    passes `limit` is the proportional size (Pss, each shared page split between its
    users) read, which a fork loop must not be killed for."""
    pids = _processes(session, uid)
    page = os.sysconf("SC_PAGE_SIZE")
    resident = sum(pages * page for pages in pids.values())
    if resident <= limit:
        return resident
    return sum(_pss_bytes(pid) for pid in pids)


def _processes(session: int, uid: int | None) -> dict[int, int]:
    """pid -> resident pages, for the session's (or the uid's) processes."""
    found: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as f:
                stat = f.read()
            # The command name (field 2) may hold spaces and parentheses: split after it.
            fields = stat[stat.rindex(b")") + 2:].split()
            if uid is not None:
                if entry.stat().st_uid != uid:
                    continue
            elif int(fields[3]) != session:   # field 6: session id
                continue
            found[int(entry.name)] = int(fields[21])  # field 24: resident pages
        except (OSError, ValueError, IndexError):
            continue
    return found


def _pss_bytes(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as f:
            for line in f:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


# World-writable places a sandboxed test can write to besides its cwd.
SHARED_TMP = ("/tmp", "/var/tmp", "/dev/shm")


def remove_files_of(uid: int, places: tuple[str, ...] = SHARED_TMP) -> None:
    """Delete what the sandbox uid left in the world-writable directories, so nothing one
    test wrote (a copied file, a fifo) is there for the next test or outlives the grade."""
    for place in places:
        try:
            entries = list(os.scandir(place))
        except OSError:
            continue
        for entry in entries:
            try:
                if entry.stat(follow_symlinks=False).st_uid != uid:
                    continue
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path, ignore_errors=True)
                else:
                    os.unlink(entry.path)
            except OSError:
                continue


def tsan_prefix() -> list[str]:
    """TSan maps its shadow at fixed addresses: with more ASLR bits than it supports,
    run the test with randomisation disabled (DESIGN section 4)."""
    try:
        bits = int(Path("/proc/sys/vm/mmap_rnd_bits").read_text().strip())
    except (OSError, ValueError):
        return []
    if bits > 30 and shutil.which("setarch"):
        return ["setarch", platform.machine(), "-R"]
    return []
