"""A self-contained HTML report of one submission: no script, no network, no CDN; inline
CSS and SVG only, every text from the submission escaped. Opens from a file or an LMS."""

from __future__ import annotations

from html import escape
from pathlib import Path

from grader.export.files import write_atomically
from grader.results import ExerciseResult, Results, TestResult, describe_performance

CSS = """
body{font:15px/1.45 system-ui,sans-serif;margin:2em auto;max-width:60em;color:#1d1f21;padding:0 1em}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;width:100%}td,th{padding:.3em .5em;border-bottom:1px solid #eee;
text-align:left;vertical-align:top}.num{text-align:right;white-space:nowrap}
.bar{display:block}.ok{color:#176f2c}.bad{color:#a4161a}.note{background:#fff7e0;padding:.5em .8em;
border-left:4px solid #e0a800}.hint{background:#eef4ff;padding:.5em .8em;border-left:4px solid #3566c8}
pre{background:#f6f8fa;padding:.6em;overflow:auto;font-size:13px;max-height:24em}
details{margin:.4em 0}summary{cursor:pointer}code{font-size:13px}
"""


def _fmt(x: float) -> str:
    return f"{x:g}"


def _bar(score: float, max_score: float, width: int = 240) -> str:
    frac = 0.0 if max_score <= 0 else max(0.0, min(1.0, score / max_score))
    colour = "#2e7d32" if frac >= 0.999 else "#f9a825" if frac >= 0.5 else "#c62828"
    return (f'<svg class="bar" width="{width}" height="14" role="img" '
            f'aria-label="{_fmt(score)} of {_fmt(max_score)}">'
            f'<rect width="{width}" height="14" fill="#e8e8e8"/>'
            f'<rect width="{frac * width:.1f}" height="14" fill="{colour}"/></svg>')


def _lost(t: TestResult) -> str:
    parts = [f"<details><summary><b class=bad>&#x2717;</b> <code>{escape(t.id)}</code> "
             f"({_fmt(t.earned)}/{_fmt(t.points)}) &mdash; {escape(t.guarantee)}</summary>"]
    for config, r in t.runs.items():
        if r is None:
            parts.append(f"<p>{escape(config)}: not run</p>")
            continue
        if r.status == "passed":
            continue
        parts.append(f"<p><b>{escape(config)}</b>: {escape(r.reason)}"
                     + (f" &mdash; at <code>{escape(r.location)}</code>" if r.location else "") + "</p>")
        if r.details:
            parts.append(f"<pre>{escape(r.details)}</pre>")
        if r.rerun:
            parts.append(f"<p>rerun:</p><pre>{escape(r.rerun)}</pre>")
    parts.append("</details>")
    return "\n".join(parts)


def _exercise(e: ExerciseResult) -> str:
    out = [f'<h2 id="{escape(e.name)}">{escape(e.name)}: {_fmt(e.score)}/{_fmt(e.max_score)}'
           f" <small>{escape(e.title)}</small></h2>"]
    out += [f'<p class="note">{escape(m)}</p>' for m in e.messages]
    for config, b in e.builds.items():
        if not b.ok and b.error is not None:
            out.append(f"<p class=bad>build failed ({escape(config)}): {escape(b.error.summary)}</p>"
                       f"<pre>{escape(b.error.excerpt)}</pre>")
    if e.diagnosis is not None:
        out.append(f'<p class="hint"><b>This pattern usually means:</b> {escape(e.diagnosis.hint)}</p>')
    if e.findings:
        out.append(f"<p>Forbidden APIs (&minus;{_fmt(e.penalty)}):</p><ul>" + "".join(
            f"<li><code>{escape(f.file)}:{f.line}</code> {escape(f.pattern)}: {escape(f.reason)}</li>"
            for f in e.findings) + "</ul>")
    if e.tidy is not None:
        if e.tidy.skipped:
            out.append(f"<p>clang-tidy: {escape(e.tidy.skipped)}</p>")
        elif e.tidy.warnings:
            out.append(f"<p>clang-tidy: {len(e.tidy.warnings)} warning(s)</p><ul>" + "".join(
                f"<li><code>{escape(w.file)}:{w.line}</code> {escape(w.message)} [{escape(w.check)}]</li>"
                for w in e.tidy.warnings) + "</ul>")
    if e.performance is not None:
        out.append(f"<p>Performance: {escape(describe_performance(e.performance))}</p>")
    passed = [t for t in e.tests if t.passed]
    out.append(f"<p>{len(passed)}/{len(e.tests)} tests passed.</p>")
    out += [_lost(t) for t in e.tests if not t.passed]
    return "\n".join(out)


def dumps(results: Results) -> str:
    rows = "\n".join(
        f'<tr><td><a href="#{escape(e.name)}">{escape(e.name)}</a></td>'
        f'<td class=num>{_fmt(e.score)}/{_fmt(e.max_score)}</td><td>{_bar(e.score, e.max_score)}</td></tr>'
        for e in results.exercises)
    notes = "".join(f'<p class="note">{escape(n)}</p>' for n in results.notes)
    body = "\n".join(_exercise(e) for e in results.exercises)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>lockstep {escape(results.verb)}: {escape(results.submission)}</title>
<style>{CSS}</style></head><body>
<h1>lockstep {escape(results.verb)}: {_fmt(results.score)}/{_fmt(results.max_score)}</h1>
<p>{escape(results.submission)} &middot; configurations {escape(', '.join(results.configs))}
&middot; {results.duration_s:.0f} s &middot; {escape(results.finished_at)}</p>
{notes}
<table id="scores"><tr><th>exercise</th><th class=num>score</th><th></th></tr>
{rows}
</table>
{body}
</body></html>
"""


def write(results: Results, out_dir: Path) -> Path:
    return write_atomically(out_dir / "report.html", dumps(results))
