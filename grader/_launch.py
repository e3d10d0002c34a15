"""Tiny launcher run as `python3 -I -S _launch.py ...` between the grader and a test process.

It applies the limits in the right order, which Popen's preexec_fn cannot do safely from
a multithreaded grader: unshare the network (needs root), set rlimits, drop to the job
slot's unprivileged uid, then exec the test. `--kill-uid UID` instead becomes UID and
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


def _unshare_net() -> bool:
    libc = ctypes.CDLL(None, use_errno=True)
    return libc.unshare(CLONE_NEWNET) == 0


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
    try:
        os.execvp(command[0], command)
    except OSError as e:
        sys.stderr.write(f"lockstep sandbox: cannot execute {command[0]}: {e}\n")
        return 127
    return 127


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
