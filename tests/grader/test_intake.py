"""Intake must never write outside staging, follow a link, or choke on a bomb."""

from __future__ import annotations

import io
import os
import stat
import tarfile
import zipfile
from pathlib import Path

from grader import intake
from grader.errors import UsageError
from tests.grader.helpers import TempDirTest, write

OWNED = {"channel": ("channel.hpp",)}


def _zip(path: Path, entries: list[tuple[str, bytes]], symlinks: dict[str, str] | None = None) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries:
            zf.writestr(name, data)
        for name, target in (symlinks or {}).items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            zf.writestr(info, target)
    return path


def _tar(path: Path, members: list[tuple[tarfile.TarInfo, bytes | None]]) -> Path:
    with tarfile.open(path, "w:gz") as tf:
        for info, data in members:
            if data is not None:
                info.size = len(data)
                tf.addfile(info, io.BytesIO(data))
            else:
                tf.addfile(info)
    return path


class ZipSafety(TempDirTest):
    def test_zip_slip_and_absolute_paths_are_skipped_never_written(self) -> None:
        sub = _zip(self.tmp / "s.zip", [("../evil.txt", b"x"), ("/abs/evil.txt", b"x"),
                                        ("channel/../../evil2.txt", b"x"), ("channel/channel.hpp", b"ok\n")])
        result = intake.intake(sub, self.tmp / "staging", OWNED)
        self.assertFalse((self.tmp / "evil.txt").exists())
        self.assertFalse((self.tmp / "evil2.txt").exists())
        self.assertFalse(Path("/abs/evil.txt").exists())
        self.assertTrue(result.exercises["channel"].complete)
        self.assertEqual(sum("unsafe path" in n for n in result.notes), 3)

    def test_symlink_entries_are_skipped(self) -> None:
        sub = _zip(self.tmp / "s.zip", [], symlinks={"channel/channel.hpp": "/etc/passwd"})
        result = intake.intake(sub, self.tmp / "staging", OWNED)
        self.assertFalse(result.exercises["channel"].complete)
        self.assertEqual(result.exercises["channel"].missing, ["channel.hpp"])
        self.assertTrue(any("symlink" in n for n in result.notes))

    def test_too_many_files_is_rejected_as_a_bomb(self) -> None:
        sub = _zip(self.tmp / "s.zip", [(f"junk/{i}.txt", b"") for i in range(30)])
        result = intake.intake(sub, self.tmp / "staging", OWNED, intake.Limits(max_files=20))
        self.assertIsNotNone(result.rejected)
        self.assertIn("bomb", result.rejected or "")
        self.assertEqual(result.exercises["channel"].missing, ["channel.hpp"])

    def test_compression_bomb_stops_at_the_size_cap(self) -> None:
        sub = _zip(self.tmp / "s.zip", [("channel/big.bin", b"\0" * (4 << 20))])
        self.assertLess(sub.stat().st_size, 64 << 10)
        result = intake.intake(sub, self.tmp / "staging", OWNED,
                               intake.Limits(max_total_bytes=1 << 20, max_file_bytes=8 << 20))
        self.assertIsNotNone(result.rejected)
        total = sum(p.stat().st_size for p in (self.tmp / "staging").rglob("*") if p.is_file())
        self.assertLessEqual(total, 1 << 20)

    def test_single_wrapping_folder_is_accepted(self) -> None:
        sub = _zip(self.tmp / "s.zip", [("my-work/channel/channel.hpp", b"ok\n"),
                                        ("__MACOSX/._x", b"")])
        result = intake.intake(sub, self.tmp / "staging", OWNED)
        self.assertTrue(result.exercises["channel"].complete)
        self.assertEqual(result.exercises["channel"].files["channel.hpp"].read_bytes(), b"ok\n")

    def test_missing_owned_file_is_reported_per_exercise(self) -> None:
        sub = _zip(self.tmp / "s.zip", [("channel/other.hpp", b"x")])
        result = intake.intake(sub, self.tmp / "staging", {"channel": ("channel.hpp", "channel.cpp")})
        st = result.exercises["channel"]
        self.assertEqual(st.missing, ["channel.hpp", "channel.cpp"])
        self.assertTrue(any("channel/channel.hpp" in n or "no channel/" in n for n in result.notes))

    def test_binary_owned_file_is_invalid(self) -> None:
        sub = _zip(self.tmp / "s.zip", [("channel/channel.hpp", b"\x7fELF\x00\x00")])
        st = intake.intake(sub, self.tmp / "staging", OWNED).exercises["channel"]
        self.assertFalse(st.complete)
        self.assertIn("binary", st.invalid[0])

    def test_corrupt_zip_is_rejected_not_raised(self) -> None:
        bad = write(self.tmp, "s.zip", b"PK\x03\x04 this is not a zip")
        result = intake.intake(bad, self.tmp / "staging", OWNED)
        self.assertIsNotNone(result.rejected)

    def test_missing_submission_is_a_usage_error(self) -> None:
        with self.assertRaises(UsageError):
            intake.intake(self.tmp / "nope.zip", self.tmp / "staging", OWNED)


class TarSafety(TempDirTest):
    def test_links_devices_and_slips_are_skipped(self) -> None:
        sym = tarfile.TarInfo("channel/channel.hpp")
        sym.type, sym.linkname = tarfile.SYMTYPE, "/etc/passwd"
        hard = tarfile.TarInfo("channel/hard.hpp")
        hard.type, hard.linkname = tarfile.LNKTYPE, "/etc/shadow"
        dev = tarfile.TarInfo("channel/dev")
        dev.type, dev.devmajor, dev.devminor = tarfile.CHRTYPE, 1, 3
        fifo = tarfile.TarInfo("channel/fifo")
        fifo.type = tarfile.FIFOTYPE
        slip = tarfile.TarInfo("../../slip.txt")
        sub = _tar(self.tmp / "s.tar.gz", [(sym, None), (hard, None), (dev, None), (fifo, None), (slip, b"x")])
        result = intake.intake(sub, self.tmp / "staging", OWNED)
        staged = sorted(p.relative_to(self.tmp / "staging").as_posix()
                        for p in (self.tmp / "staging").rglob("*"))
        self.assertEqual(staged, [])
        self.assertFalse((self.tmp.parent / "slip.txt").exists())
        self.assertEqual(len(result.notes) - sum("no channel/" in n for n in result.notes), 5)

    def test_non_utf8_names_do_not_crash(self) -> None:
        path = self.tmp / "s.tar.gz"
        with tarfile.open(path, "w:gz", encoding="latin-1") as tf:
            for name, data in (("channel/caf\xe9.txt", b"x"), ("channel/channel.hpp", b"ok\n")):
                info = tarfile.TarInfo(name)
                info.size = len(data)
                tf.addfile(info, io.BytesIO(data))
        result = intake.intake(path, self.tmp / "staging", OWNED)
        self.assertTrue(result.exercises["channel"].complete)

    def test_tar_member_count_bomb(self) -> None:
        members = [(tarfile.TarInfo(f"d/{i}"), b"") for i in range(50)]
        sub = _tar(self.tmp / "s.tar.gz", members)
        result = intake.intake(sub, self.tmp / "staging", OWNED, intake.Limits(max_files=10))
        self.assertIn("bomb", result.rejected or "")


class DirectorySafety(TempDirTest):
    def test_symlinks_in_a_directory_are_not_followed(self) -> None:
        sub = self.tmp / "sub"
        write(self.tmp, "secret/channel.hpp", "secret\n")
        (sub / "channel").mkdir(parents=True)
        os.symlink(self.tmp / "secret" / "channel.hpp", sub / "channel" / "channel.hpp")
        os.symlink(self.tmp / "secret", sub / "linkdir")
        result = intake.intake(sub, self.tmp / "staging", OWNED)
        self.assertEqual(result.exercises["channel"].missing, ["channel.hpp"])
        self.assertFalse((self.tmp / "staging" / "linkdir").exists())

    def test_non_utf8_file_name_in_a_directory(self) -> None:
        sub = self.tmp / "sub"
        write(sub, "channel/channel.hpp", "ok\n")
        with open(os.path.join(os.fsencode(sub / "channel"), b"bad\xff.txt"), "wb") as f:
            f.write(b"x")
        result = intake.intake(sub, self.tmp / "staging", OWNED)
        self.assertTrue(result.exercises["channel"].complete)
        self.assertTrue(any("unusable file name" in n for n in result.notes))

    def test_safe_relpath(self) -> None:
        self.assertEqual(intake.safe_relpath("./a//b/./c"), "a/b/c")
        self.assertEqual(intake.safe_relpath("a\\b"), "a/b")
        for bad in ("../a", "/a", "a/../../b", "C:/x", "", ".", "a/\udcff"):
            self.assertIsNone(intake.safe_relpath(bad), bad)
