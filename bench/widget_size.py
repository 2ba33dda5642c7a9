"""Widget bundle size: raw and gzipped bytes of widget/dist/widget.js (budget 40 kB gzipped), and build time.

Usage: .venv/bin/python bench/widget_size.py [--build]
"""

from __future__ import annotations

import argparse
import gzip
import subprocess
import sys
import time
from pathlib import Path

WIDGET = Path(__file__).resolve().parent.parent / "widget"
BUDGET = 40 * 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--build", action="store_true", help="run `npm run build` first and time it")
    args = parser.parse_args()
    if args.build:
        t0 = time.perf_counter()
        subprocess.run(["npm", "run", "--silent", "build"], cwd=WIDGET, check=True)
        print(f"build: {time.perf_counter() - t0:.2f} s")
    bundle = WIDGET / "dist" / "widget.js"
    if not bundle.exists():
        print("widget/dist/widget.js missing: run with --build (needs `npm ci` in widget/)", file=sys.stderr)
        return 2
    raw = bundle.read_bytes()
    gz = len(gzip.compress(raw, compresslevel=9))
    print(f"widget.js raw: {len(raw)} bytes")
    print(f"widget.js gzipped: {gz} bytes ({gz / 1024:.1f} kB, budget {BUDGET // 1024} kB)")
    return 0 if gz <= BUDGET else 1


if __name__ == "__main__":
    sys.exit(main())
