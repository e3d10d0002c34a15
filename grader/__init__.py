"""lockstep's grader: builds a submission against the kit's tests, runs each test in a
sandbox under the sanitizers and scores it by the rubric (see docs/DESIGN.md, section 5)."""

__version__ = "0.1.0"
