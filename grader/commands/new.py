"""`new NAME`: lay out a new exercise with placeholders that compile and that selfcheck can
run (it will say what is still missing: mutants, a real alternate). docs/AUTHORING.md
explains what to put in each file."""

from __future__ import annotations

import re
from pathlib import Path
from string import Template
from typing import TextIO

from grader.commands.common import load_kit
from grader.errors import UsageError

_NAME = re.compile(r"^[a-z][a-z0-9_]{1,30}$")

# (path with $name, text); $name, $Name (CamelCase) and $title are substituted.
FILES: tuple[tuple[str, str], ...] = (
    ("exercises/$name/exercise.toml", '''\
name = "$name"
title = "$title"
owned = ["$name.hpp"]

# [[forbidden]]
# pattern = "std::mutex"
# reason = "build it from std::atomic: that is the lesson"
# penalty = 10
'''),
    ("exercises/$name/README.md", '''\
# $name — $title

TODO(author): the lesson. What the student builds and why it is hard; the API table with
its promises; the numbered guarantees the hidden tests check; how it is graded (points
per category, configurations); how to run `python3 -m grader check $name` and reproduce
a failure from its seed. See exercises/channel/README.md.

Edit only `$name.hpp`.
'''),
    ("exercises/$name/$name.hpp", '''\
// $title: the student's file. TODO(student): implement every function.
#pragma once

#include <lockstep/not_implemented.hpp>

namespace lockstep::$name {

// TODO(author): the public API, exactly as the reference declares it.
inline int answer() { throw lockstep::not_implemented("$name::answer"); }

}  // namespace lockstep::$name
'''),
    ("exercises/$name/public_test.cpp", '''\
// Public tests: what the student sees. The hidden tests go further.
#include <gtest/gtest.h>

#include <$name.hpp>

namespace lockstep::$name {
namespace {

TEST(${Name}Public, AnswerIsFortyTwo) { EXPECT_EQ(answer(), 42); }

}  // namespace
}  // namespace lockstep::$name
'''),
    ("solutions/$name/$name.hpp", '''\
// $title: the reference solution.
#pragma once

namespace lockstep::$name {

inline int answer() { return 42; }

}  // namespace lockstep::$name
'''),
    ("tests/hidden/$name/basics_test.cpp", '''\
// Hidden tests: each one pins a guarantee of the README or kills a mutant nothing else kills.
#include <gtest/gtest.h>

#include <$name.hpp>

namespace lockstep::$name {
namespace {

TEST(${Name}Basics, AnswerIsStable) {
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(answer(), 42);
  }
}

}  // namespace
}  // namespace lockstep::$name
'''),
    ("tests/hidden/$name/rubric.toml", '''\
# Points and configurations of every $name test (public ones too, suite = "public").
configs = ["asan", "tsan"]
timeout_s = 30
# quality_points = 0        # clang-tidy on the owned files; each warning costs quality_per_warning
# A performance tier: add [performance] with test = "Suite.Name" of a workload in
# tests/hidden/$name/performance/ and points = N (docs/AUTHORING.md, section 4).

[[test]]
id = "${Name}Public.AnswerIsFortyTwo"
suite = "public"
points = 1
guarantee = "TODO(author): the guarantee, in words a student understands"

[[test]]
id = "${Name}Basics.AnswerIsStable"
points = 1
guarantee = "TODO(author): the guarantee, in words a student understands"
'''),
    ("tests/alternates/$name/todo_design/variant.toml", '''\
design = "TODO(author): a correct solution on a different design than the reference"
'''),
    ("tests/alternates/$name/todo_design/$name.hpp", '''\
#pragma once

namespace lockstep::$name {

inline int answer() { return 6 * 7; }

}  // namespace lockstep::$name
'''),
    ("tests/mutants/$name/todo_bug/mutant.toml", '''\
bug = "TODO(author): the bug, precisely, for instructors"
hint = "TODO(author): the bug class and the README section that explains it, never the fix"
must_fail = ["${Name}Basics.AnswerIsStable"]
'''),
    ("tests/mutants/$name/todo_bug/$name.hpp", '''\
#pragma once

namespace lockstep::$name {

inline int answer() { return 41; }

}  // namespace lockstep::$name
'''),
)


def camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


def run(*, name: str, title: str | None, kit_root: Path | None, out: TextIO) -> int:
    if not _NAME.match(name):
        raise UsageError(f"{name!r} is not an exercise name: lower case letters, digits and _, "
                         "starting with a letter")
    kit = load_kit(kit_root)
    values = {"name": name, "Name": camel(name), "title": title or f"TODO(author): the title of {name}"}
    planned = [(kit.root / Template(p).substitute(values), Template(t).substitute(values)) for p, t in FILES]
    existing = [p for p, _ in planned if p.exists()] + [
        d for d in (kit.root / "exercises" / name, kit.root / "solutions" / name) if d.exists()]
    if existing:
        raise UsageError(f"exercise {name} already exists ({existing[0].relative_to(kit.root)})")
    for path, text in planned:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        print(f"  created {path.relative_to(kit.root)}", file=out)
    print(f"\nNext: docs/AUTHORING.md, then\n"
          f"  python3 -m grader selfcheck --exercise {name} --quick --runs 1", file=out)
    return 0
