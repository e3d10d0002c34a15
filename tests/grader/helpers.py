"""Shared fixtures: tiny kits written into temp dirs, so no test needs a C++ build."""

from __future__ import annotations

import tempfile
import unittest
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent / "fixtures"

EXERCISE_TOML = '''name = "channel"
title = "A bounded channel"
owned = ["channel.hpp"]
[[forbidden]]
pattern = "std::mutex"
reason = "use the kit's lock"
penalty = 5
'''

RUBRIC_TOML = '''configs = ["asan", "tsan"]
timeout_s = 30
[[test]]
id = "ChannelPublic.SendRecv"
suite = "public"
points = 2
guarantee = "a value sent is the value received"
[[test]]
id = "ChannelBasics.Fifo"
points = 3
guarantee = "FIFO per producer"
configs = ["tsan"]
'''


def output(name: str) -> str:
    return (FIXTURES / "outputs" / name).read_text()


def write(root: Path, rel: str, text: str | bytes) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return path


def make_kit(root: Path, *, rubric: str | None = RUBRIC_TOML, exercise_toml: str = EXERCISE_TOML) -> Path:
    """A kit with one exercise `channel` (no C++ worth building)."""
    write(root, "CMakeLists.txt", "cmake_minimum_required(VERSION 3.25)\nproject(fake CXX)\n")
    write(root, "CMakePresets.json", '{"version": 6}\n')
    write(root, "harness/CMakeLists.txt", "# harness\n")
    write(root, "exercises/channel/exercise.toml", exercise_toml)
    write(root, "exercises/channel/channel.hpp", "// skeleton\n")
    write(root, "exercises/channel/public_test.cpp", "// public tests\n")
    write(root, "solutions/channel/channel.hpp", "// reference\n")
    write(root, "tests/mutants/channel/m1/channel.hpp", "// mutant\n")
    write(root, "tests/mutants/channel/m1/mutant.toml", 'bug = "x"\nmust_fail = ["ChannelBasics.Fifo"]\n')
    write(root, "tests/alternates/channel/ring/channel.hpp", "// alternate\n")
    write(root, "tests/alternates/channel/ring/variant.toml", 'design = "ring"\n')
    write(root, "samples/buggy-channel/channel/channel.hpp", "// sample\n")
    if rubric is not None:
        write(root, "tests/hidden/channel/rubric.toml", rubric)
        write(root, "tests/hidden/channel/basics_test.cpp", "// hidden\n")
    return root


class TempDirTest(unittest.TestCase):
    """A fresh temporary directory per test, removed afterwards."""

    def setUp(self) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="lockstep-test-")
        self.tmp = Path(self._tmp.name)

    def tearDown(self) -> None:
        self._tmp.cleanup()
