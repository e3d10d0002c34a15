"""result.json: the canonical, versioned JSON view, written atomically."""

from __future__ import annotations

import json
from pathlib import Path

from grader.export.files import write_atomically
from grader.results import Results


def dumps(results: Results) -> str:
    return json.dumps(results.to_canonical(), indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def write(results: Results, out_dir: Path) -> Path:
    """out_dir/result.json; a reader (or a batch run that was killed) never sees half a file."""
    return write_atomically(out_dir / "result.json", dumps(results))
