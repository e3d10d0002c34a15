"""The classroom formats are views of one results model: each must say the same score."""

from __future__ import annotations

import base64
import json
import xml.etree.ElementTree as ET

from grader.export import classroom, formats, gradescope, html, junit, markdown
from tests.grader.helpers import TempDirTest
from tests.grader.test_results import _results


class Exports(TempDirTest):
    def test_junit_has_a_testcase_per_test_and_config_and_is_xml_safe(self) -> None:
        results = _results()
        results.exercises[0].tests[0].runs["tsan"] = results.exercises[0].tests[0].runs["tsan"].__class__(
            **{**results.exercises[0].tests[0].runs["tsan"].__dict__, "details": "bad \x01 byte <&>"})
        root = ET.fromstring(junit.dumps(results))
        cases = root.findall("./testsuite/testcase")
        self.assertEqual(len(cases), 3)
        failures = root.findall("./testsuite/testcase/failure")
        self.assertEqual(len(failures), 1)
        self.assertIn("bad ? byte <&>", failures[0].text or "")
        self.assertEqual(root.find("testsuite").get("failures"), "1")
        self.assertEqual(cases[1].get("name"), "Send [tsan]")

    def test_markdown_lists_the_lost_test_with_its_guarantee_and_rerun(self) -> None:
        text = markdown.dumps(_results())
        self.assertIn("| channel | 0/3 | 1/2 |", text)
        self.assertIn("`ChannelBasics.Send`", text)
        self.assertIn("a value sent is received", text)
        self.assertIn("LOCKSTEP_SEED=9", text)

    def test_html_is_self_contained_and_escapes_submission_text(self) -> None:
        results = _results()
        results.submission = "<script>alert(1)</script>"
        page = html.dumps(results)
        self.assertNotIn("<script>", page)
        self.assertIn("&lt;script&gt;", page)
        self.assertIn("<svg", page)
        for external in ("http://", "https://", "src="):
            self.assertNotIn(external, page)

    def test_gradescope_scores_sum_to_the_total_and_hidden_waits_for_publication(self) -> None:
        results = _results()
        data = gradescope.to_gradescope(results)
        self.assertEqual(sum(t["score"] for t in data["tests"]), results.score)
        for t in data["tests"]:
            self.assertTrue({"name", "score", "max_score", "status", "output", "visibility"} <= t.keys())
            self.assertIn(t["visibility"], gradescope.VISIBILITIES)
            self.assertIn(t["status"], ("passed", "failed"))
        by_name = {t["name"]: t for t in data["tests"]}
        self.assertEqual(by_name["channel: ChannelBasics.Send"]["visibility"], "after_published")
        self.assertEqual(by_name["channel: ChannelPublic.Fifo"]["visibility"], "visible")
        self.assertEqual(by_name["channel: forbidden APIs"]["score"], -1)
        self.assertEqual(gradescope.to_gradescope(results, "hidden")["tests"][0]["visibility"], "hidden")

    def test_classroom_console_percentage_equals_the_points_annotation(self) -> None:
        results = _results()
        data = json.loads(base64.b64decode(classroom.encode(results)))
        self.assertEqual(data["version"], 1)
        tests = data["tests"]
        # What the reporter computes: console = passed entries / entries, annotation = sum / max.
        console = sum(1 for t in tests if t["status"] == "pass") / len(tests)
        annotation = sum(t["score"] for t in tests) / data["max_score"]
        self.assertEqual(console, annotation)
        self.assertEqual(sum(t["score"] for t in tests), results.score)   # 1 - 1 penalty = 0
        self.assertEqual(data["max_score"], results.max_score)

    def test_write_all_writes_json_and_the_asked_formats(self) -> None:
        paths = formats.write_all(_results(), self.tmp, ["junit", "html", "json"])
        self.assertEqual([p.name for p in paths], ["result.json", "junit.xml", "report.html"])
