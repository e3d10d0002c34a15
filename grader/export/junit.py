"""JUnit XML: one <testcase> per test and configuration, the format CI dashboards read.

Valid against the common (Jenkins/Ant) JUnit schema: <testsuites> of one <testsuite> per
exercise; a lost run is a <failure> (wrong result, sanitizer report, timeout, crash) or an
<error> (it did not build); a run that never happened is <skipped>. Text from the
submission is stripped of characters XML 1.0 cannot carry.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from grader.export.files import write_atomically
from grader.results import ExerciseResult, Results, describe_performance

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _text(s: str | None) -> str:
    return _NOT_XML.sub("?", s or "")


def _suite(e: ExerciseResult) -> ET.Element:
    suite = ET.Element("testsuite", name=e.name)
    counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    seconds = 0.0
    for t in e.tests:
        classname, _, name = t.id.partition(".")
        for config, r in t.runs.items():
            case = ET.SubElement(suite, "testcase", classname=f"{e.name}.{classname}",
                                 name=f"{name} [{config}]")
            counts["tests"] += 1
            if r is not None and r.duration_ms is not None:
                case.set("time", f"{r.duration_ms / 1000:.3f}")
                seconds += r.duration_ms / 1000
            if r is None or r.status in ("not_run", "skipped"):
                ET.SubElement(case, "skipped", message="not run")
                counts["skipped"] += 1
            elif r.status == "not_built":
                err = ET.SubElement(case, "error", message=_text(r.reason), type="not_built")
                err.text = _text(r.details)
                counts["errors"] += 1
            elif r.status != "passed":
                fail = ET.SubElement(case, "failure", message=_text(r.reason), type=r.status)
                body = [f"guarantee: {t.guarantee}"] if t.guarantee else []
                body += [f"at {r.location}"] if r.location else []
                body += [r.details] if r.details else []
                body += [f"rerun: {r.rerun}"] if r.rerun else []
                fail.text = _text("\n".join(body))
                counts["failures"] += 1
    if e.performance is not None:
        # The timed workload is one more case: failed when it cost points.
        p = e.performance
        case = ET.SubElement(suite, "testcase", classname=f"{e.name}.performance",
                             name="workload time against the reference [release]")
        counts["tests"] += 1
        if e.status == "not_submitted" or p.earned < p.points:
            fail = ET.SubElement(case, "failure", message=_text(describe_performance(p)), type="performance")
            fail.text = _text(describe_performance(p))
            counts["failures"] += 1
    for k, v in counts.items():
        suite.set(k, str(v))
    suite.set("time", f"{seconds:.3f}")
    return suite


def dumps(results: Results) -> str:
    root = ET.Element("testsuites", name=f"lockstep {results.verb}: {_text(results.submission)}")
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for e in results.exercises:
        suite = _suite(e)
        for k in totals:
            totals[k] += int(suite.get(k, "0"))
        root.append(suite)
    for k in ("tests", "failures", "errors"):
        root.set(k, str(totals[k]))
    root.set("time", f"{results.duration_s:.3f}")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def write(results: Results, out_dir: Path) -> Path:
    return write_atomically(out_dir / "junit.xml", dumps(results))
