"""scripts/check_licences.py: SPDX expressions, classifiers and free-text licence fields vs AGPL-3.0."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from email.message import Message
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "check_licences.py"
_spec = importlib.util.spec_from_file_location("check_licences", SCRIPT)
assert _spec and _spec.loader
cl = importlib.util.module_from_spec(_spec)
sys.modules["check_licences"] = cl
_spec.loader.exec_module(cl)


def _md(**fields: str | list[str]) -> Message:
    m = Message()
    for key, value in fields.items():
        for v in value if isinstance(value, list) else [value]:
            m[key.replace("_", "-")] = v
    return m


@pytest.mark.parametrize(
    ("expr", "verdict"),
    [
        ("MIT", "ok"),
        ("Apache-2.0 OR MIT", "ok"),
        ("MPL-2.0 AND (Apache-2.0 OR MIT)", "ok"),
        ("GPL-2.0-or-later", "ok"),
        ("GPL-2.0+", "ok"),
        ("LGPL-3.0-only", "ok"),
        ("AGPL-3.0-only OR LicenseRef-Artifex-Commercial", "ok"),
        ("GPL-2.0-only", "incompatible"),
        ("GPL-2.0", "incompatible"),
        ("SSPL-1.0", "incompatible"),
        ("MIT AND SSPL-1.0", "incompatible"),
        ("GPL-2.0-only OR MIT", "ok"),  # dual licence: the compatible offer counts
        ("Apache-2.0 AND LicenseRef-Commons-Clause", "incompatible"),
        ("CC-BY-NC-4.0", "incompatible"),
        ("GPL-2.0-only WITH Classpath-exception-2.0", "ok"),
        ("LicenseRef-Foo", "unknown"),
        ("MIT AND LicenseRef-Foo", "unknown"),
    ],
)
def test_spdx_expressions(expr: str, verdict: str) -> None:
    assert cl.classify_expression(expr) == verdict


def test_metadata_sources_in_order() -> None:
    # License-Expression wins over a misleading free-text field
    assert cl.classify_metadata(_md(License_Expression="BSD-3-Clause", License="GPLv2"))[:2] == (
        "ok",
        "BSD-3-Clause",
    )
    verdict, licence, source = cl.classify_metadata(
        _md(Classifier=["License :: OSI Approved :: GNU General Public License v2 (GPLv2)"])
    )
    assert (verdict, licence, source) == ("incompatible", "GPL-2.0-only", "classifier")
    plus = _md(Classifier=["License :: OSI Approved :: GNU General Public License v2 or later (GPLv2+)"])
    assert cl.classify_metadata(plus)[:2] == ("ok", "GPL-2.0-or-later")
    dual = _md(
        Classifier=[
            "License :: OSI Approved :: GNU General Public License v2 (GPLv2)",
            "License :: OSI Approved :: MIT License",
        ]
    )
    assert cl.classify_metadata(dual)[0] == "ok"
    # free text: the words that matter, not the word "Version"
    assert cl.classify_metadata(_md(License="Apache License, Version 2.0"))[:2] == ("ok", "Apache-2.0")
    pymupdf = _md(License="Dual Licensed - GNU AFFERO GPL 3.0 or Artifex Commercial License")
    assert cl.classify_metadata(pymupdf)[0] == "ok"
    assert cl.classify_metadata(_md(License="Server Side Public License"))[0] == "incompatible"
    assert cl.classify_metadata(_md(License="Apache-2.0 with Commons Clause"))[0] == "incompatible"
    assert cl.classify_metadata(_md(License="Proprietary"))[0] == "incompatible"
    assert cl.classify_metadata(_md(License="CC BY-NC-SA 4.0"))[0] == "incompatible"
    assert cl.classify_metadata(_md(License="UNKNOWN"))[0] == "unknown"
    assert cl.classify_metadata(_md(Classifier=["License :: OSI Approved"]))[0] == "unknown"
    assert cl.classify_metadata(_md())[:3] == ("unknown", "", "none")
    # the whole licence text pasted into the field: its first line decides
    mit_text = "MIT License\n\nCopyright (c) 2020 Someone\n\n" + "Permission is hereby granted... " * 20
    assert cl.classify_metadata(_md(License=mit_text))[0] == "ok"


def test_allowlist_entries_are_reviewed(tmp_path: Path) -> None:
    good = tmp_path / "allow.toml"
    good.write_text('[packages.Foo_Bar]\nlicence = "MIT"\nreason = "LICENSE file is MIT"\n', encoding="utf-8")
    assert cl.load_allowlist(good) == {"foo-bar": {"licence": "MIT", "reason": "LICENSE file is MIT"}}
    no_reason = tmp_path / "no_reason.toml"
    no_reason.write_text('[packages.foo]\nlicence = "MIT"\n', encoding="utf-8")
    with pytest.raises(ValueError, match="reason"):
        cl.load_allowlist(no_reason)
    bad = tmp_path / "bad.toml"
    bad.write_text('[packages.foo]\nlicence = "SSPL-1.0"\nreason = "x"\n', encoding="utf-8")
    with pytest.raises(ValueError, match="not AGPL-compatible"):
        cl.load_allowlist(bad)


def test_the_project_passes_and_an_incompatible_dependency_fails(tmp_path: Path) -> None:
    """The real check over the installed environment; a pyproject that requires a package whose
    allowlisted metadata is missing fails with exit code 1."""
    run = subprocess.run([sys.executable, str(SCRIPT)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "0 incompatible or unknown" in run.stdout
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[project]\nname = "x"\ndependencies = ["huey"]\n', encoding="utf-8")
    empty = tmp_path / "empty.toml"
    empty.write_text("", encoding="utf-8")
    run = subprocess.run(
        [sys.executable, str(SCRIPT), "--pyproject", str(pyproject), "--allowlist", str(empty)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 1, run.stdout
    assert "unknown      huey" in run.stdout
