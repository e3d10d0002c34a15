"""Tiny launcher run as `python3 -I -S _launch.py ...` between the grader and a test process.

It applies the limits in the right order, which Popen's preexec_fn cannot do safely from
a multithreaded grader: unshare the network (needs root), hide the kit and the work area
behind empty read-only mounts (`--hide`, needs root), set rlimits, drop to the job slot's
unprivileged uid, then exec the test. `--kill-uid UID` instead becomes UID and
SIGKILLs every process of it (kill(-1) as a non-root user reaches exactly its own
processes), which ends fork loops and setsid escapes after a run. Standard library only,
no imports from the grader: it must start fast and trust nothing.
"""

import ctypes
import os
import resource
import signal
import sys

CLONE_NEWNET = 0x40000000
CLONE_NEWNS = 0x00020000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 0x1, 0x2, 0x4, 0x8
MS_REC, MS_PRIVATE = 0x4000, 0x40000


def _unshare_net() -> bool:
    libc = ctypes.CDLL(None, use_errno=True)
    return libc.unshare(CLONE_NEWNET) == 0


def _hide(paths: list[str]) -> bool:
    """In a mount namespace of its own, cover each directory with an empty read-only tmpfs:
    the test cannot read the kit's solutions and hidden tests, or the work area's copies."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWNS) != 0:
        return False
    # Private, so the covering mounts never propagate back to the grader's namespace.
    if libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None) != 0:
        return False
    flags = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC
    for path in paths:
        if os.path.isdir(path) and libc.mount(b"lockstep-hidden", path.encode(), b"tmpfs",
                                              flags, b"size=4k,mode=0555") != 0:
            return False
    return True


def _become(uid: int, gid: int) -> None:
    os.setgroups([])
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)


def _kill_uid(uid: int) -> int:
    _become(uid, uid)
    for _ in range(3):  # a second pass catches a child forked while the first was sent
        try:
            os.kill(-1, signal.SIGKILL)
        except ProcessLookupError:
            break
    return 0


def main(argv: list[str]) -> int:
    opts: dict[str, str] = {}
    i = 0
    while i < len(argv) and argv[i] != "--":
        key = argv[i].lstrip("-")
        if key in ("unshare-net", "probe"):
            opts[key] = "1"
            i += 1
        else:
            opts[key] = argv[i + 1]
            i += 2
    command = argv[i + 1:]
    if "kill-uid" in opts:
        return _kill_uid(int(opts["kill-uid"]))
    if "unshare-net" in opts and not _unshare_net():
        if "probe" in opts:
            return 1
        sys.stderr.write("lockstep sandbox: could not isolate the network\n")
    if "hide" in opts and not _hide([p for p in opts["hide"].split(os.pathsep) if p]):
        if "probe" in opts:
            return 1
        sys.stderr.write("lockstep sandbox: could not hide the kit from the test\n")
    if "probe" in opts:
        return 0
    for name, res in (("cpu", resource.RLIMIT_CPU), ("fsize", resource.RLIMIT_FSIZE),
                      ("nproc", resource.RLIMIT_NPROC), ("nofile", resource.RLIMIT_NOFILE)):
        if name in opts:
            value = int(opts[name])
            _, hard = resource.getrlimit(res)
            if hard != resource.RLIM_INFINITY and value > hard:
                value = hard
            resource.setrlimit(res, (value, value if os.geteuid() == 0 or hard == resource.RLIM_INFINITY else hard))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if "uid" in opts:
        _become(int(opts["uid"]), int(opts.get("gid", opts["uid"])))
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    # Python ignores SIGXFSZ and an exec'd program keeps an ignored signal ignored: a write
    # past the file-size limit would fail quietly (EFBIG) instead of ending the test with
    # "output or file size limit exceeded".
    signal.signal(signal.SIGXFSZ, signal.SIG_DFL)
    try:
        os.execvp(command[0], command)
    except OSError as e:
        sys.stderr.write(f"lockstep sandbox: cannot execute {command[0]}: {e}\n")
        return 127
    return 127


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
