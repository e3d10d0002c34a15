"""Manifest parsing: a broken kit must say which file and key is wrong."""

from __future__ import annotations

from grader.errors import KitError
from grader.kit import Kit, find_kit_root, load_exercise, load_mutant, load_rubric
from tests.grader.helpers import RUBRIC_TOML, TempDirTest, make_kit, write


class ExerciseManifest(TempDirTest):
    def _load(self, text: str):
        write(self.tmp, "channel/exercise.toml", text)
        return load_exercise(self.tmp / "channel")

    def test_valid_manifest(self) -> None:
        ex = self._load('name = "channel"\nowned = ["channel.hpp"]\n[[forbidden]]\npattern = "std::mutex"\npenalty = 5\n')
        self.assertEqual(ex.owned, ("channel.hpp",))
        self.assertEqual(ex.forbidden[0].penalty, 5.0)
        self.assertEqual(ex.title, "channel")

    def test_errors_name_the_file_and_key(self) -> None:
        cases = {
            'owned = ["a.hpp"\n': "invalid TOML",
            'name = "channel"\n': "owned: missing",
            'owned = []\n': "owned: must not be empty",
            'owned = ["../x.hpp"]\n': "relative path",
            'owned = ["/etc/x"]\n': "relative path",
            'owned = [1]\n': "list of strings",
            'name = "other"\nowned = ["a.hpp"]\n': "folder is 'channel'",
            'owned = ["a.hpp"]\n[[forbidden]]\npattern = "("\n': "invalid regular expression",
            'owned = ["a.hpp"]\n[[forbidden]]\npattern = "x"\npenalty = -1\n': "at least 0",
            'owned = ["a.hpp"]\n[[forbidden]]\npattern = "x"\npenalty = true\n': "boolean",
        }
        for text, expected in cases.items():
            with self.subTest(text=text):
                with self.assertRaises(KitError) as cm:
                    self._load(text)
                self.assertIn("exercise.toml", str(cm.exception))
                self.assertIn(expected, str(cm.exception))


class RubricManifest(TempDirTest):
    def _load(self, text: str):
        return load_rubric(write(self.tmp, "rubric.toml", text))

    def test_defaults_and_overrides(self) -> None:
        r = self._load(RUBRIC_TOML)
        self.assertEqual([t.configs for t in r.tests], [("asan", "tsan"), ("tsan",)])
        self.assertEqual(r.max_points, 5)
        self.assertEqual(r.tests[1].suite, "hidden")
        self.assertEqual(r.tests[0].timeout_s, 30)

    def test_errors(self) -> None:
        head = 'configs = ["asan"]\n'
        cases = {
            head: "no [[test]]",
            'configs = ["msan"]\n[[test]]\nid = "A.B"\npoints = 1\n': "unknown configuration msan",
            head + '[[test]]\nid = "A.B"\npoints = 1\n[[test]]\nid = "A.B"\npoints = 1\n': "listed twice",
            head + '[[test]]\nid = "not a test"\npoints = 1\n': "not a gtest name",
            head + '[[test]]\nid = "A.B"\npoints = "two"\n': "expected a number",
            head + '[[test]]\nid = "A.B"\n': "points: missing",
            head + '[[test]]\nid = "A.B"\npoints = 1\nsuite = "secret"\n': "suite",
            head + '[[test]]\nid = "A.B"\npoints = 1\ntimeout_s = 0\n': "positive",
            head + 'timeout_s = "slow"\n[[test]]\nid = "A.B"\npoints = 1\n': "timeout_s",
        }
        for text, expected in cases.items():
            with self.subTest(text=text):
                with self.assertRaises(KitError) as cm:
                    self._load(text)
                self.assertIn(expected, str(cm.exception))

    def test_missing_guarantee_and_unknown_keys_are_warnings(self) -> None:
        r = self._load('[[test]]\nid = "A.B"\npoints = 1\npionts = 2\n')
        self.assertTrue(any("no guarantee" in w for w in r.warnings))
        self.assertTrue(any("unknown key test[0].pionts" in w for w in r.warnings))

    def test_parameterised_names_are_accepted(self) -> None:
        r = self._load('[[test]]\nid = "Shapes/ChannelStress.Run/cap1_p3"\npoints = 1\nguarantee = "g"\n')
        self.assertEqual(r.tests[0].id, "Shapes/ChannelStress.Run/cap1_p3")


class KitLayout(TempDirTest):
    def test_kit_reads_everything(self) -> None:
        kit = Kit(make_kit(self.tmp))
        self.assertEqual(kit.exercise_names(), ["channel"])
        self.assertEqual([m.name for m in kit.mutants("channel")], ["m1"])
        self.assertEqual(kit.mutants("channel")[0].must_fail, ("ChannelBasics.Fifo",))
        self.assertEqual([a.design for a in kit.alternates("channel")], ["ring"])
        self.assertIsNotNone(kit.rubric("channel"))

    def test_unknown_exercise_is_a_kit_error(self) -> None:
        kit = Kit(make_kit(self.tmp))
        with self.assertRaises(KitError) as cm:
            kit.resolve_exercises(["chanel"])
        self.assertIn("channel", str(cm.exception))

    def test_find_kit_root(self) -> None:
        make_kit(self.tmp)
        self.assertEqual(find_kit_root(self.tmp), self.tmp.resolve())
        with self.assertRaises(KitError):
            find_kit_root(self.tmp / "exercises" / "channel")

    def test_mutant_needs_must_fail(self) -> None:
        write(self.tmp, "m/mutant.toml", 'bug = "x"\nmust_fail = []\n')
        with self.assertRaises(KitError):
            load_mutant(self.tmp / "m", "channel")
