"""Argument parsing only: each verb's options go to commands/<verb>.run(*, ...).

Exit codes: the verb's own (grade: 0 when grading finished), 2 for a usage error, a
broken kit or a missing tool (with the command that installs it), 130 on Ctrl-C.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from grader import __version__
from grader.export import formats as export_formats
from grader.errors import EnvironmentProblem, GraderError, KitError, UsageError
from grader.progress import Progress


class _Parser(argparse.ArgumentParser):
    """argparse exits by itself on errors; raise instead so main() owns every exit code."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{self.prog}: {message}")


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a decimal seed") from None
    if not 0 <= value < 2**64:
        raise argparse.ArgumentTypeError("a seed is an unsigned 64-bit number")
    return value


def _suites(text: str) -> tuple[str, ...]:
    names = tuple(part.strip() for part in text.split(",") if part.strip())
    unknown = [n for n in names if n not in ("hidden", "public")]
    if not names or unknown:
        raise argparse.ArgumentTypeError("suites are hidden and/or public, e.g. --suites public")
    return names


_FORMATS = tuple(export_formats.WRITERS)


def _formats(text: str) -> list[str]:
    names = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [n for n in names if n not in _FORMATS]
    if not names or unknown:
        raise argparse.ArgumentTypeError(f"formats are {', '.join(_FORMATS)}, e.g. --format junit,html")
    return names


def build_parser() -> argparse.ArgumentParser:
    common = _Parser(add_help=False)
    common.add_argument("--kit", type=Path, help="the kit's root (default: the one holding this grader)")
    common.add_argument("--jobs", "-j", type=_positive, default=os.cpu_count() or 1,
                        help="test processes run in parallel (default: number of cores)")
    common.add_argument("--work", type=Path,
                        help="work dir for the workspace and builds (default: <kit>/.lockstep-work)")
    common.add_argument("--configs", help="comma-separated configurations (default: the rubric's, asan,tsan)")
    loudness = common.add_mutually_exclusive_group()
    loudness.add_argument("--quiet", "-q", action="store_true", help="no progress on stderr")
    loudness.add_argument("--verbose", "-v", action="store_true",
                          help="also a progress line per finished test run")

    parser = _Parser(prog="python3 -m grader", description="lockstep's grader")
    parser.add_argument("--version", action="version", version=f"lockstep grader {__version__}")
    verbs = parser.add_subparsers(dest="verb", metavar="VERB", parser_class=_Parser)
    verbs.required = True

    g = verbs.add_parser("grade", parents=[common], help="grade a submission (dir, .zip, .tar.gz)")
    g.add_argument("submission", nargs="?", type=Path,
                   help="default: the bundled sample <kit>/samples/buggy-channel")
    g.add_argument("--exercise", action="append", metavar="NAME", help="grade only this exercise (repeatable)")
    g.add_argument("--out", type=Path, default=Path("lockstep-result"),
                   help="where result.json goes (default: ./lockstep-result/)")
    g.add_argument("--seed", type=_seed, help="use this seed for every test (default: a fresh one per run)")
    g.add_argument("--suites", type=_suites, default=("hidden", "public"),
                   help="comma-separated test suites to run: hidden, public (default: both)")
    g.add_argument("--format", type=_formats, default=[], metavar="F[,F...]",
                   help="reports written beside result.json: " + ", ".join(_FORMATS))

    c = verbs.add_parser("check", parents=[common], help="run the public tests on your exercises/")
    c.add_argument("exercise", nargs="?", metavar="NAME", help="only this exercise")
    c.add_argument("--out", type=Path, help="also write result.json to this folder")
    c.add_argument("--seed", type=_seed, help="use this seed for every test")
    c.add_argument("--format", type=_formats, default=[], metavar="F[,F...]",
                   help="with --out, reports written beside result.json: " + ", ".join(_FORMATS))

    s = verbs.add_parser("selfcheck", parents=[common], help="prove the kit's tests (instructors, CI)")
    s.add_argument("--runs", type=_positive, default=3, help="runs per implementation (default 3)")
    s.add_argument("--quick", action="store_true",
                   help="run each mutant only against its must_fail tests")
    s.add_argument("--exercise", metavar="NAME", action="append",
                   help="only this exercise (repeatable)")

    ba = verbs.add_parser("batch", parents=[common], help="grade a folder of submissions (a class)")
    ba.add_argument("submissions", type=Path, help="one entry (folder, .zip, .tar.gz) per student")
    ba.add_argument("--out", type=Path, required=True, help="DIR/<student>/result.json per student")
    ba.add_argument("--shard", help="i/N: grade every N-th student from the i-th (CI matrix, job arrays)")
    ba.add_argument("--exercise", action="append", metavar="NAME", help="only this exercise (repeatable)")
    ba.add_argument("--format", type=_formats, default=[], metavar="F[,F...]",
                    help="reports per student beside result.json: " + ", ".join(_FORMATS))

    gb = verbs.add_parser("gradebook", help="merge batch results into gradebook.csv and gradebook.html")
    gb.add_argument("directory", type=Path, help="the --out folder of one or more batch runs")

    b = verbs.add_parser("gradescope-bundle", help="the autograder.zip Gradescope takes")
    b.add_argument("--out", type=Path, default=Path("autograder.zip"), help="default: ./autograder.zip")
    b.add_argument("--hidden-visibility", default="after_published",
                   help="when students see hidden tests: visible, hidden, after_due_date, "
                        "after_published (default)")
    b.add_argument("--kit", type=Path, help="the kit's root (default: the one holding this grader)")

    sb = verbs.add_parser("bundle", help="the starter repository for students (no solutions, no hidden tests)")
    sb.add_argument("--out", type=Path, required=True, help="a new or empty folder")
    sb.add_argument("--git", action="store_true", help="make it a git repository with one commit")
    sb.add_argument("--kit", type=Path, help="the kit's root (default: the one holding this grader)")

    n = verbs.add_parser("new", help="lay out a new exercise (authors; see docs/AUTHORING.md)")
    n.add_argument("name", help="the exercise's folder and namespace name, e.g. rate_limiter")
    n.add_argument("--title", help="one line shown in reports")
    n.add_argument("--kit", type=Path, help="the kit's root (default: the one holding this grader)")
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(sys.argv[1:] if argv is None else argv)
    except UsageError as e:
        print(f"error: {e}\n(see: python3 -m grader --help)", file=sys.stderr)
        return 2
    except SystemExit as e:  # --help / --version
        return int(e.code or 0)
    progress = Progress(quiet=getattr(args, "quiet", False), verbose=getattr(args, "verbose", False))
    try:
        if args.verb == "batch":
            from grader.commands import batch
            return batch.run(submissions_dir=args.submissions, out=args.out, shard=args.shard,
                             jobs=args.jobs, work=args.work, configs=args.configs,
                             exercises=args.exercise, formats=args.format, kit_root=args.kit,
                             progress=progress)
        if args.verb == "gradebook":
            from grader.commands import gradebook
            return gradebook.run(directory=args.directory, stream=sys.stdout)
        if args.verb == "gradescope-bundle":
            from grader.commands import gradescope_bundle
            return gradescope_bundle.run(out=args.out, hidden_visibility=args.hidden_visibility,
                                         kit_root=args.kit, stream=sys.stdout)
        if args.verb == "bundle":
            from grader.commands import bundle
            return bundle.run(out=args.out, git=args.git, kit_root=args.kit, stream=sys.stdout)
        if args.verb == "new":
            from grader.commands import new
            return new.run(name=args.name, title=args.title, kit_root=args.kit, out=sys.stdout)
        if args.verb == "grade":
            from grader.commands import grade
            return grade.run(submission=args.submission, exercises=args.exercise, out=args.out,
                             jobs=args.jobs, work=args.work, configs=args.configs, seed=args.seed,
                             suites=args.suites, kit_root=args.kit, progress=progress,
                             formats=args.format)
        if args.verb == "check":
            from grader.commands import check
            return check.run(exercise=args.exercise, jobs=args.jobs, work=args.work,
                             configs=args.configs, seed=args.seed, out=args.out,
                             kit_root=args.kit, progress=progress, formats=args.format)
        from grader.commands import selfcheck
        return selfcheck.run(runs=args.runs, quick=args.quick, exercises=args.exercise, jobs=args.jobs,
                             work=args.work, configs=args.configs, kit_root=args.kit, progress=progress)
    except EnvironmentProblem as e:
        print(f"lockstep: {e}", file=sys.stderr)
        return 2
    except (UsageError, KitError) as e:
        print(f"lockstep: error: {e}", file=sys.stderr)
        return 2
    except GraderError as e:
        print(f"lockstep: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("lockstep: interrupted", file=sys.stderr)
        return 130
