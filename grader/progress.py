"""One line per finished stage on stderr, so CI logs stay readable and stdout stays the report."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    """Prints `[lockstep] <message>` lines; quiet=True silences it (unit tests)."""

    def __init__(self, stream: TextIO | None = None, quiet: bool = False) -> None:
        self._stream = stream
        self._quiet = quiet
        self._t0 = time.monotonic()

    def line(self, message: str) -> None:
        if self._quiet:
            return
        stream = self._stream if self._stream is not None else sys.stderr
        print(f"[lockstep {time.monotonic() - self._t0:6.1f}s] {message}", file=stream, flush=True)


QUIET = Progress(quiet=True)
