"""cli.main([...]) end to end where no C++ build is needed: usage errors, broken kits,
submissions that grade to zero without stopping the grader."""

from __future__ import annotations

import contextlib
import io
import json
import os
import zipfile
from unittest import mock

from grader import cli
from tests.grader.helpers import TempDirTest, make_kit, write


def call(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = cli.main(argv)
    return rc, out.getvalue(), err.getvalue()


class UsageErrors(TempDirTest):
    def setUp(self) -> None:
        super().setUp()
        self.kit = make_kit(self.tmp / "kit")
        self.base = ["--kit", str(self.kit), "--work", str(self.tmp / "work"), "-q"]

    def test_help_and_version_exit_zero(self) -> None:
        self.assertEqual(call(["--help"])[0], 0)
        self.assertEqual(call(["--version"])[0], 0)

    def test_usage_errors_exit_two(self) -> None:
        cases = [
            [],
            ["frobnicate"],
            ["grade", "--jobs", "0"],
            ["grade", "--jobs", "many"],
            ["selfcheck", "--runs", "0"],
            ["grade", "--seed", "-1"],
            ["grade", "--no-such-flag"],
        ]
        for argv in cases:
            with self.subTest(argv=argv):
                rc, _, err = call(argv)
                self.assertEqual(rc, 2)
                self.assertIn("error", err)

    def test_unknown_exercise_unknown_config_missing_submission(self) -> None:
        sub = self.tmp / "sub"
        sub.mkdir()
        for argv, needle in (
            (["grade", str(sub), "--exercise", "chanel", *self.base], "unknown exercise chanel"),
            (["grade", str(sub), "--configs", "msan", *self.base], "unknown configuration msan"),
            (["grade", str(self.tmp / "missing.zip"), *self.base], "does not exist"),
            (["check", "nope", *self.base], "unknown exercise nope"),
        ):
            with self.subTest(argv=argv):
                rc, _, err = call(argv)
                self.assertEqual(rc, 2, err)
                self.assertIn(needle, err)

    def test_not_a_kit(self) -> None:
        rc, _, err = call(["grade", "--kit", str(self.tmp), "-q"])
        self.assertEqual(rc, 2)
        self.assertIn("no lockstep kit", err)

    def test_broken_rubric_is_a_kit_error(self) -> None:
        write(self.kit, "tests/hidden/channel/rubric.toml", "configs = [\n")
        sub = self.tmp / "sub"
        sub.mkdir()
        rc, _, err = call(["grade", str(sub), *self.base, "--out", str(self.tmp / "out")])
        self.assertEqual(rc, 2)
        self.assertIn("rubric.toml", err)

    def test_missing_tool_prints_the_install_command(self) -> None:
        sub = self.tmp / "sub"
        sub.mkdir()
        with mock.patch("shutil.which", return_value=None):
            rc, _, err = call(["grade", str(sub), *self.base])
        self.assertEqual(rc, 2)
        self.assertIn("apt-get update && apt-get install -y cmake ninja-build g++", err)


@mock.patch("grader.preflight.require_tools", lambda: None)
class GradeWithoutBuild(TempDirTest):
    """Submissions that break before anything is built still produce a full result."""

    def setUp(self) -> None:
        super().setUp()
        self.kit = make_kit(self.tmp / "kit")
        self.out = self.tmp / "out"
        self.base = ["--kit", str(self.kit), "--work", str(self.tmp / "work"), "-q", "--out", str(self.out)]

    def result(self) -> dict:
        return json.loads((self.out / "result.json").read_text())

    def test_submission_without_the_exercise_scores_zero_and_exits_zero(self) -> None:
        sub = self.tmp / "sub"
        write(sub, "README.txt", "I did not do it")
        rc, out, _ = call(["grade", str(sub), *self.base])
        self.assertEqual(rc, 0)
        r = self.result()
        self.assertEqual(r["schema"], "lockstep.result/1")
        self.assertEqual((r["score"], r["max_score"]), (0, 5))
        ex = r["exercises"][0]
        self.assertEqual(ex["status"], "not_submitted")
        self.assertIn("missing channel/channel.hpp", ex["messages"][0])
        self.assertEqual([t["id"] for t in ex["tests"]], ["ChannelPublic.SendRecv", "ChannelBasics.Fifo"])
        self.assertEqual(ex["tests"][1]["runs"], {"tsan": {"status": "not_run"}})
        self.assertIn("channel: 0/5", out)

    def test_corrupt_archive_scores_zero_with_a_note(self) -> None:
        bad = write(self.tmp, "sub.zip", b"PK\x03\x04garbage")
        rc, _, _ = call(["grade", str(bad), *self.base])
        self.assertEqual(rc, 0)
        self.assertTrue(any("rejected" in n for n in self.result()["notes"]))

    def test_zip_slip_submission_writes_nothing_outside(self) -> None:
        path = self.tmp / "sub.zip"
        with zipfile.ZipFile(path, "w") as zf:
            zf.writestr("../../escaped.txt", "x")
        rc, _, _ = call(["grade", str(path), *self.base])
        self.assertEqual(rc, 0)
        self.assertFalse((self.tmp / "escaped.txt").exists())
        self.assertFalse((self.tmp / "work" / "escaped.txt").exists())

    def test_default_out_dir_is_relative_to_the_working_directory(self) -> None:
        sub = self.tmp / "sub"
        sub.mkdir()
        cwd = os.getcwd()
        os.chdir(self.tmp)
        try:
            rc, _, _ = call(["grade", str(sub), "--kit", str(self.kit), "--work", str(self.tmp / "work"), "-q"])
        finally:
            os.chdir(cwd)
        self.assertEqual(rc, 0)
        self.assertTrue((self.tmp / "lockstep-result" / "result.json").is_file())


class NewExercise(TempDirTest):
    def test_lays_out_every_file_with_the_name_substituted_and_refuses_twice(self) -> None:
        import io
        from grader.commands import new
        from grader.errors import UsageError
        make_kit(self.tmp)
        out = io.StringIO()
        self.assertEqual(new.run(name="rate_limiter", title="A rate limiter", kit_root=self.tmp, out=out), 0)
        header = (self.tmp / "exercises/rate_limiter/rate_limiter.hpp").read_text()
        self.assertIn("namespace lockstep::rate_limiter", header)
        rubric = (self.tmp / "tests/hidden/rate_limiter/rubric.toml").read_text()
        self.assertIn('id = "RateLimiterPublic.AnswerIsFortyTwo"', rubric)
        for folder in ("solutions", "tests/alternates", "tests/mutants"):
            self.assertTrue(any((self.tmp / folder / "rate_limiter").rglob("rate_limiter.hpp")), folder)
        self.assertNotIn("$", "".join(p.read_text() for p in self.tmp.rglob("*") if p.is_file()
                                      and "rate_limiter" in str(p)))
        with self.assertRaises(UsageError):
            new.run(name="rate_limiter", title=None, kit_root=self.tmp, out=out)
        with self.assertRaises(UsageError):
            new.run(name="../escape", title=None, kit_root=self.tmp, out=out)
