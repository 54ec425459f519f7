"""Entry point of `make bench`: runs every benchmark script in this directory and fails if one misses its target.

Each bench/<name>.py is a standalone script that prints its measurements and exits non-zero when it misses
its target. Speed targets live here, not in the unit tests.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    scripts = sorted(
        p for p in HERE.glob("*.py") if p.name not in {"run.py", "__init__.py"} and not p.name.startswith("_")
    )
    failed = []
    for script in scripts:
        print(f"== {script.stem}", flush=True)
        if subprocess.run([sys.executable, str(script)], cwd=HERE.parent).returncode != 0:
            failed.append(script.stem)
    if failed:
        print(f"Chưa đạt mục tiêu: {', '.join(failed)}")
        return 1
    print("Mọi phép đo đạt mục tiêu.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
