"""`gradescope-bundle --out autograder.zip`: the zip Gradescope's "Zip file upload" takes.

Gradescope unpacks it into /autograder/source, runs setup.sh once when it builds the
image, then run_autograder per submission: the student's files are in
/autograder/submission and /autograder/results/results.json must hold the result. The
bundle carries what grading needs (build files, harness, exercises, hidden tests, the
grader, the mutants' manifests and signatures for the diagnosis, and the reference of
each exercise with a performance tier, which the student's workload is timed against)
and nothing it does not (other solutions, alternates, mutant sources, samples). The
reference is as secret there as the hidden tests: the sandbox hides both from the
student's code.
"""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path
from typing import TextIO

from grader import performance
from grader.commands.common import load_kit
from grader.errors import UsageError
from grader.export.gradescope import VISIBILITIES
from grader.kit import Kit
from grader.workspace import WHITELIST, kit_files

# Debian/Ubuntu packages the kit needs (Gradescope's base images are Ubuntu).
PACKAGES = "cmake ninja-build g++ clang clang-tidy libgtest-dev python3"

SETUP_SH = f"""#!/usr/bin/env bash
# Gradescope runs this once while building the autograder image.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends {PACKAGES}
python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' || {{
  echo "lockstep needs Python 3.11 or newer: choose an Ubuntu 24.04 (or newer) base image" >&2
  exit 1
}}
# Build once, into the image, what every submission shares: the harness and the precompiled
# GoogleTest header in each configuration, and the reference builds the performance tier
# times against. Grading the bundled references does exactly that; a submission then
# rebuilds only the test files that include its own headers.
root="${{AUTOGRADER_ROOT:-/autograder}}"
cd "$root/source"
if [ -d solutions ]; then
  only=()
  for d in solutions/*/; do only+=(--exercise "$(basename "$d")"); done
  python3 -m grader grade solutions "${{only[@]}}" --work "$root/work" --out /tmp/lockstep-warm-up \\
    --quiet > /tmp/lockstep-warm-up.log \\
    || echo "lockstep: the warm-up grade failed (see /tmp/lockstep-warm-up.log); each" \\
            "submission will build everything itself" >&2
fi
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this per submission. AUTOGRADER_ROOT lets a test run it outside /autograder;
# LOCKSTEP_GRADE_ARGS adds grader options (e.g. "--exercise channel").
set -uo pipefail
root="${AUTOGRADER_ROOT:-/autograder}"
mkdir -p "$root/results"
cd "$root/source"
# shellcheck disable=SC2086
python3 -m grader grade "$root/submission" --out "$root/results/lockstep" \\
  --format gradescope --work "$root/work" ${LOCKSTEP_GRADE_ARGS:-} --quiet
status=$?
if [ -f "$root/results/lockstep/gradescope.json" ]; then
  python3 - "$root" "__VISIBILITY__" <<'EOF'
import json, sys
root, visibility = sys.argv[1], sys.argv[2]
data = json.load(open(f"{root}/results/lockstep/gradescope.json"))
for t in data["tests"]:
    if t["visibility"] == "after_published":
        t["visibility"] = visibility
json.dump(data, open(f"{root}/results/results.json", "w"), indent=1)
EOF
else
  # The grader could not finish: say so on Gradescope instead of showing nothing.
  python3 - "$root" "$status" <<'EOF'
import json, sys
root, status = sys.argv[1], sys.argv[2]
json.dump({"score": 0, "output": f"lockstep could not grade this submission (exit status {status}); "
           "the course staff has been shown the log.", "tests": []},
          open(f"{root}/results/results.json", "w"))
EOF
fi
"""


def bundle_files(kit_root: Path) -> dict[str, Path]:
    timed = [f"solutions/{n}" for n in performance.exercises_with_performance(Kit(kit_root))]
    files = kit_files(kit_root, (*WHITELIST, "grader", *timed))
    mutants = kit_root / "tests" / "mutants"
    if mutants.is_dir():
        for name in ("mutant.toml", "signature.json"):
            for p in sorted(mutants.glob(f"*/*/{name}")):
                files[p.relative_to(kit_root).as_posix()] = p
    return files


def _add(z: zipfile.ZipFile, name: str, data: bytes, executable: bool = False) -> None:
    info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
    info.external_attr = ((stat.S_IFREG | (0o755 if executable else 0o644)) << 16)
    info.compress_type = zipfile.ZIP_DEFLATED
    z.writestr(info, data)


def run(*, out: Path, hidden_visibility: str, kit_root: Path | None, stream: TextIO) -> int:
    if hidden_visibility not in VISIBILITIES:
        raise UsageError(f"--hidden-visibility must be one of {', '.join(VISIBILITIES)}")
    kit = load_kit(kit_root)
    files = bundle_files(kit.root)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    with zipfile.ZipFile(tmp, "w") as z:
        _add(z, "setup.sh", SETUP_SH.encode(), executable=True)
        _add(z, "run_autograder", RUN_AUTOGRADER.replace("__VISIBILITY__", hidden_visibility).encode(),
             executable=True)
        for rel, path in sorted(files.items()):
            _add(z, rel, path.read_bytes())
    tmp.replace(out)
    print(f"wrote {out} ({len(files) + 2} files; hidden tests visible {hidden_visibility})", file=stream)
    return 0
