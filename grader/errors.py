"""Exceptions shared by every stage, so the CLI can map them to exit codes in one place."""


class GraderError(Exception):
    """Base class: a problem the grader explains to its user instead of a traceback."""


class UsageError(GraderError):
    """The command line asks for something impossible (exit code 2)."""


class KitError(GraderError):
    """The kit itself is broken or incomplete (exit code 2): not the submission's fault."""


class EnvironmentProblem(GraderError):
    """A tool the kit needs is missing; the message says how to install it (exit code 2)."""
