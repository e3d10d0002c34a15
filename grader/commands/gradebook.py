"""`gradebook DIR`: merge the per-student result.json files of one or more batch runs (the
shards write into the same DIR, or their DIRs are copied together) into

- gradebook.csv: one row per student; total, then per exercise its score and its
  categories (public, hidden, code quality, performance, penalty);
- gradebook.html: self-contained; a score histogram per exercise and the most common
  failures (tests lost, known-bug diagnoses), viewable offline.

Only scores and test ids go in, never timings or seeds, so the gradebook of a sharded run
equals the gradebook of a single run of the same submissions.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any, TextIO

from grader.errors import UsageError
from grader.export.files import write_atomically

BINS = 10


@dataclass
class Row:
    student: str
    total: float
    max_total: float
    exercises: dict[str, dict[str, float]] = field(default_factory=dict)


def _categories(ex: dict[str, Any]) -> dict[str, float]:
    cats = {"score": float(ex.get("score", 0)), "max": float(ex.get("max_score", 0)),
            "public": 0.0, "hidden": 0.0, "quality": 0.0, "performance": 0.0, "penalty": float(ex.get("penalty", 0))}
    for t in ex.get("tests", []):
        if t.get("suite") in ("public", "hidden"):
            cats[t["suite"]] += float(t.get("earned", 0))
    quality = ex.get("quality") or {}
    cats["quality"] = float(quality.get("earned", 0) or 0)
    cats["performance"] = float((ex.get("performance") or {}).get("earned", 0) or 0)
    return cats


def load(directory: Path) -> tuple[list[Row], list[dict[str, Any]]]:
    rows: list[Row] = []
    raw: list[dict[str, Any]] = []
    for path in sorted(directory.glob("*/result.json")):
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError) as e:
            raise UsageError(f"{path}: not a result file ({e})") from e
        row = Row(path.parent.name, float(data.get("score", 0)), float(data.get("max_score", 0)))
        for ex in data.get("exercises", []):
            row.exercises[ex["name"]] = _categories(ex)
        rows.append(row)
        raw.append(data)
    if not rows:
        raise UsageError(f"no */result.json under {directory}: run `grader batch` first")
    return rows, raw


def to_csv(rows: list[Row]) -> str:
    names = sorted({n for r in rows for n in r.exercises})
    header = ["student", "total", "max"]
    for n in names:
        header += [n, f"{n}:public", f"{n}:hidden", f"{n}:quality", f"{n}:performance", f"{n}:penalty"]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    for r in rows:
        line: list[Any] = [r.student, f"{r.total:g}", f"{r.max_total:g}"]
        for n in names:
            c = r.exercises.get(n)
            line += ([f"{c['score']:g}", f"{c['public']:g}", f"{c['hidden']:g}", f"{c['quality']:g}",
                      f"{c['performance']:g}", f"{c['penalty']:g}"] if c else [""] * 6)
        w.writerow(line)
    return buf.getvalue()


def _histogram(scores: list[float], max_score: float, width: int = 320, height: int = 90) -> str:
    counts = [0] * BINS
    for s in scores:
        frac = 0.0 if max_score <= 0 else min(1.0, max(0.0, s / max_score))
        counts[min(BINS - 1, int(frac * BINS))] += 1
    top = max(counts) or 1
    bar_w = width / BINS
    bars = "".join(
        f'<rect x="{i * bar_w + 1:.1f}" y="{height - 14 - (c / top) * (height - 24):.1f}" width="{bar_w - 2:.1f}" '
        f'height="{(c / top) * (height - 24):.1f}" fill="#3566c8"><title>{i * 10}-{i * 10 + 10}%: {c}</title></rect>'
        for i, c in enumerate(counts))
    labels = (f'<text x="0" y="{height - 2}" font-size="10">0%</text>'
              f'<text x="{width - 30}" y="{height - 2}" font-size="10">100%</text>')
    return (f'<svg class="hist" width="{width}" height="{height}" role="img" '
            f'aria-label="score histogram">{bars}{labels}</svg>')


def to_html(rows: list[Row], raw: list[dict[str, Any]], top: int = 8) -> str:
    names = sorted({n for r in rows for n in r.exercises})
    sections = []
    for n in names:
        scores = [r.exercises[n]["score"] for r in rows if n in r.exercises]
        max_score = max((r.exercises[n]["max"] for r in rows if n in r.exercises), default=0.0)
        lost: Counter[str] = Counter()
        diagnosed: Counter[str] = Counter()
        for data in raw:
            for ex in data.get("exercises", []):
                if ex.get("name") != n:
                    continue
                lost.update(t["id"] for t in ex.get("tests", []) if not t.get("passed"))
                if ex.get("diagnosis"):
                    diagnosed[ex["diagnosis"]["hint"]] += 1
        mean = sum(scores) / len(scores) if scores else 0.0
        items = "".join(f"<li><code>{escape(t)}</code>: {c} of {len(scores)}</li>" for t, c in lost.most_common(top))
        hints = "".join(f"<li>{escape(h)}: {c}</li>" for h, c in diagnosed.most_common(top))
        sections.append(
            f'<section class="exercise"><h2>{escape(n)}</h2>'
            f"<p>{len(scores)} students, mean {mean:.1f} of {max_score:g}</p>{_histogram(scores, max_score)}"
            f"<h3>Most often lost</h3><ul>{items or '<li>nothing</li>'}</ul>"
            + (f"<h3>Known bugs diagnosed</h3><ul>{hints}</ul>" if hints else "") + "</section>")
    table = "".join(f"<tr><td>{escape(r.student)}</td><td class=num>{r.total:g}/{r.max_total:g}</td></tr>"
                    for r in rows)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>lockstep gradebook</title>
<style>body{{font:15px/1.45 system-ui,sans-serif;margin:2em auto;max-width:60em;padding:0 1em}}
section{{display:inline-block;vertical-align:top;width:28em;margin:0 1em 1em 0}}
td{{padding:.2em .6em;border-bottom:1px solid #eee}}.num{{text-align:right}}</style></head><body>
<h1>Gradebook: {len(rows)} students</h1>
{''.join(sections)}
<h2>Students</h2><table id="students">{table}</table>
</body></html>
"""


def run(*, directory: Path, stream: TextIO) -> int:
    rows, raw = load(directory)
    csv_path = write_atomically(directory / "gradebook.csv", to_csv(rows))
    html_path = write_atomically(directory / "gradebook.html", to_html(rows, raw))
    print(f"wrote {csv_path} and {html_path} ({len(rows)} students)", file=stream)
    return 0
