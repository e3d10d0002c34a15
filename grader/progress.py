"""Progress on stderr, so stdout stays the report.

Not a terminal (CI logs): one line per finished stage. A terminal: the same lines, plus one
status line kept at the bottom and rewritten in place (what runs, tests done/total,
elapsed, ETA). `quiet` prints nothing; `verbose` adds a line per finished test run.
"""

from __future__ import annotations

import shutil
import sys
import threading
import time
from typing import TextIO

_CLEAR = "\r\033[K"
TICK_S = 1.0


class Progress:
    def __init__(self, stream: TextIO | None = None, quiet: bool = False, verbose: bool = False,
                 live: bool | None = None) -> None:
        self._stream = stream
        self._quiet = quiet
        self.verbose = verbose and not quiet
        self._t0 = time.monotonic()
        self._live = live
        self._status = ""
        self._lock = threading.Lock()
        self._ticker: threading.Thread | None = None

    @property
    def stream(self) -> TextIO:
        return self._stream if self._stream is not None else sys.stderr

    @property
    def live(self) -> bool:
        if self._quiet:
            return False
        if self._live is None:
            self._live = bool(getattr(self.stream, "isatty", lambda: False)())
        return self._live

    def _stamp(self) -> str:
        return f"[lockstep {time.monotonic() - self._t0:6.1f}s]"

    def line(self, message: str) -> None:
        """A finished stage: printed in every mode but quiet."""
        if self._quiet:
            return
        with self._lock:
            prefix = _CLEAR if self.live and self._status else ""
            self.stream.write(f"{prefix}{self._stamp()} {message}\n")
            if self.live and self._status:
                self.stream.write(self._fit(self._status))
            self.stream.flush()

    def detail(self, message: str) -> None:
        """A line only --verbose wants (each finished test run)."""
        if self.verbose:
            self.line(message)

    def status(self, message: str) -> None:
        """What is running now; terminals only, rewritten in place."""
        if not self.live:
            return
        with self._lock:
            self._status = message
            self.stream.write(_CLEAR + self._fit(message))
            self.stream.flush()
            if self._ticker is None:
                # A build says nothing for a minute: redraw every second so the clock moves.
                self._ticker = threading.Thread(target=self._tick, name="progress", daemon=True)
                self._ticker.start()

    def _tick(self) -> None:
        while True:
            time.sleep(TICK_S)
            with self._lock:
                if self._status:
                    self.stream.write(_CLEAR + self._fit(self._status))
                    self.stream.flush()

    def clear(self) -> None:
        if not self.live or not self._status:
            return
        with self._lock:
            self._status = ""
            self.stream.write(_CLEAR)
            self.stream.flush()

    def _fit(self, message: str) -> str:
        width = shutil.get_terminal_size((100, 20)).columns - 1
        return f"{self._stamp()} {message}"[:width]

    def counter(self, label: str, total: int) -> "Counter":
        return Counter(self, label, total)


class Counter:
    """done/total with elapsed time and an ETA, on the status line."""

    def __init__(self, progress: Progress, label: str, total: int) -> None:
        self._progress = progress
        self._label = label
        self._total = total
        self._done = 0
        self._failed = 0
        self._t0 = time.monotonic()
        self._show()

    def tick(self, passed: bool, what: str = "") -> None:
        self._done += 1
        self._failed += 0 if passed else 1
        if what:
            self._progress.detail(f"  {'ok  ' if passed else 'FAIL'} {what}")
        self._show()

    def _show(self) -> None:
        elapsed = time.monotonic() - self._t0
        eta = ""
        if 0 < self._done < self._total:
            eta = f", ETA {elapsed / self._done * (self._total - self._done):.0f} s"
        failed = f", {self._failed} failed" if self._failed else ""
        self._progress.status(f"{self._label}: {self._done}/{self._total} test runs{failed}, "
                              f"{elapsed:.0f} s{eta}")


QUIET = Progress(quiet=True)
