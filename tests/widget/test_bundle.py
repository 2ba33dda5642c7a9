"""The built bundle: size budget, self-contained IIFE, and the widget's node unit tests."""

from __future__ import annotations

import gzip
import shutil
import subprocess

import pytest

from tests.widget.browser import DIST, REPO

BUDGET = 40 * 1024


@pytest.fixture(scope="module")
def bundle() -> bytes:
    path = DIST / "widget.js"
    if not path.exists():
        pytest.fail(
            "widget/dist/widget.js missing: run `npm ci && npm run build` in widget/ (scripts/setup.sh does)"
        )
    return path.read_bytes()


def test_gzipped_size_within_budget(bundle: bytes) -> None:
    size = len(gzip.compress(bundle, compresslevel=9))
    assert size <= BUDGET, f"widget.js is {size} bytes gzipped, budget {BUDGET}"


def test_single_self_contained_script(bundle: bytes) -> None:
    text = bundle.decode("utf-8")
    assert text.lstrip().startswith(("(()=>{", '"use strict";(()=>{')), text[:40]
    assert "sourceMappingURL" not in text
    assert "import(" not in text  # no lazy chunks to fetch
    assert (DIST / "demo.html").exists()
    assert 'src="/widget.js"' in (DIST / "demo.html").read_text(encoding="utf-8")


def test_node_unit_tests() -> None:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node missing: the widget needs Node.js 20 to build")
    proc = subprocess.run(
        [node, "--test", "test/"], cwd=REPO / "widget", capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "# fail 0" in proc.stdout
