"""result.json: the canonical, versioned JSON view, written atomically."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from grader.results import Results


def dumps(results: Results) -> str:
    return json.dumps(results.to_canonical(), indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def write(results: Results, out_dir: Path) -> Path:
    """Write out_dir/result.json via a temp file + rename, so a reader (or a batch run
    that was killed) never sees half a file."""
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / "result.json"
    fd, tmp = tempfile.mkstemp(prefix=".result-", suffix=".json", dir=out_dir)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(dumps(results))
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
