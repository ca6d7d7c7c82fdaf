#!/usr/bin/env bash
# Are pyproject's lower bounds honest? Install every dependency (runtime + [test]) at the
# lowest release its bound admits, in a scratch venv outside the repo, and run the suite.
#
#   bash scripts/check_lower_bounds.sh [VENV_DIR]     (default /tmp/autocode-lower-bounds)
#
# torch is not pinned down: it is installed first as `torch==2.13.0` (the local CPU build).
# Needs the package index; takes ~10 minutes on 2 cores. Not part of .ci/run.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
venv="${1:-/tmp/autocode-lower-bounds}"
src="$venv/src"
rm -rf "$venv"
python3 -m venv "$venv"
mkdir -p "$src"
git -C "$repo" archive HEAD | tar -x -C "$src"   # the committed tree, not a dirty work tree
"$venv/bin/pip" install -q torch==2.13.0 packaging
"$venv/bin/python" - "$src/pyproject.toml" "$venv/lower.txt" <<'EOF'
import re, subprocess, sys, tomllib
from packaging.version import Version

project = tomllib.load(open(sys.argv[1], "rb"))["project"]
pins = []
for spec in project["dependencies"] + project["optional-dependencies"]["test"]:
    name, low = re.match(r"([A-Za-z0-9_.\-]+)\s*>=\s*([0-9][^,; ]*)", spec).groups()
    if name == "torch":
        continue
    listing = subprocess.run(
        [sys.executable, "-m", "pip", "index", "versions", name], capture_output=True, text=True
    ).stdout
    found = re.search(r"Available versions: (.*)", listing).group(1).split(",")
    versions = [Version(v.strip()) for v in found]
    pins.append(f"{name}=={min(v for v in versions if v >= Version(low) and not v.is_prerelease)}")
open(sys.argv[2], "w").write("\n".join(pins) + "\n")
print("lowest admitted releases:", " ".join(pins))
EOF
"$venv/bin/pip" install -q -c "$venv/lower.txt" -e "$src[test]"
cd "$src" && "$venv/bin/python" -m pytest -q -p no:cacheprovider
