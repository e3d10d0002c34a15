"""Sharing the machine between graders: heavy work side by side, timing alone.

Builds, each test process and clang-tidy take the machine `busy()`, shared with any number of
others; the performance tier times with the machine `quiet()`, which waits until no
heavy work runs anywhere on this machine and holds new work back until the timing is
done. Without it, a batch with --jobs 2 would time one student while compiling the next,
and the ratio would measure the compiler (DESIGN 7.8).

Two flock(2) files under the temp dir make a readers-writer lock that prefers the writer:
heavy work passes through a turnstile that a waiting timing holds shut. flock locks belong
to an open file, so threads of one grader exclude each other as processes do. Never nest
busy() in busy() or quiet() in busy() on one thread: a timing waiting at the turnstile
would then wait for itself.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile
from pathlib import Path
from typing import Iterator

LOCK_DIR = Path(tempfile.gettempdir())
TURNSTILE = "lockstep-machine-turnstile.lock"
MACHINE = "lockstep-machine.lock"


@contextlib.contextmanager
def _flock(name: str, mode: int) -> Iterator[None]:
    try:
        fd = os.open(LOCK_DIR / name, os.O_RDONLY | os.O_CREAT, 0o666)
    except OSError:
        yield  # an unusable temp dir makes timing noisier, never grading wrong
        return
    try:
        fcntl.flock(fd, mode)
        yield
    finally:
        os.close(fd)  # closing the last descriptor releases the lock


@contextlib.contextmanager
def busy() -> Iterator[None]:
    """Heavy work (a build, a test process, clang-tidy): waits while a timing
    waits or runs, then runs beside other heavy work."""
    with _flock(TURNSTILE, fcntl.LOCK_EX):
        pass
    with _flock(MACHINE, fcntl.LOCK_SH):
        yield


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """A timing: first shuts the turnstile, then waits until heavy work in progress ends.
    One timing at a time, since every workload pins itself to the same CPU."""
    with _flock(TURNSTILE, fcntl.LOCK_EX), _flock(MACHINE, fcntl.LOCK_EX):
        yield
