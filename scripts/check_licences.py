#!/usr/bin/env python3
"""Fail when a runtime dependency's licence is incompatible with auskunft's AGPL-3.0-or-later.

Walks the dependency closure of pyproject.toml's `dependencies` (plus `--extra NAME` groups) through the
installed distributions' metadata and classifies each package by, in this order: `License-Expression`
(SPDX), `License :: ` trove classifiers, the free-text `License` field. A package passes when one of the
licences it is offered under may be combined with AGPL-3.0 (permissive, LGPL, MPL-2.0, GPL-3.0, AGPL-3.0,
GPL-2.0-or-later, ...). It fails when every offer is incompatible (GPL-2.0-only, SSPL, Commons Clause,
CC-BY-NC, BUSL, proprietary, ...) or when nothing can be read and the package is not in the reviewed
allowlist (scripts/licences-allowlist.toml: name -> licence + reason, for missing or odd metadata).

Usage: python scripts/check_licences.py [--extra llm] [--allowlist FILE] [--verbose]
Exit code 0: all compatible; 1: incompatible or unknown licences (listed); 2: bad allowlist or pyproject.
"""

from __future__ import annotations

import argparse
import re
import sys
import tomllib
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Literal

from packaging.markers import default_environment
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parent.parent
ALLOWLIST = Path(__file__).resolve().parent / "licences-allowlist.toml"

Verdict = Literal["ok", "incompatible", "unknown"]

# SPDX ids (lower case; "+" and "-or-later" handled by the caller) that may be combined with AGPL-3.0
_COMPATIBLE = {
    "0bsd",
    "afl-2.1",
    "afl-3.0",
    "agpl-3.0",
    "agpl-3.0-only",
    "agpl-3.0-or-later",
    "apache-2.0",
    "artistic-2.0",
    "blueoak-1.0.0",
    "bsd-1-clause",
    "bsd-2-clause",
    "bsd-3-clause",
    "bsd-3-clause-clear",
    "bsd-4-clause-uc",
    "bsl-1.0",
    "cc-by-4.0",
    "cc-by-sa-4.0",
    "cc0-1.0",
    "cnri-python",
    "ecl-2.0",
    "epl-2.0",
    "gpl-3.0",
    "gpl-3.0-only",
    "gpl-3.0-or-later",
    "hpnd",
    "isc",
    "lgpl-2.0",
    "lgpl-2.0-only",
    "lgpl-2.0-or-later",
    "lgpl-2.1",
    "lgpl-2.1-only",
    "lgpl-2.1-or-later",
    "lgpl-3.0",
    "lgpl-3.0-only",
    "lgpl-3.0-or-later",
    "mit",
    "mit-0",
    "mit-cmu",
    "mpl-2.0",
    "ncsa",
    "ofl-1.1",
    "openssl",
    "postgresql",
    "psf-2.0",
    "python-2.0",
    "python-2.0.1",
    "unicode-3.0",
    "unicode-dfs-2016",
    "unlicense",
    "upl-1.0",
    "w3c",
    "wtfpl",
    "x11",
    "zlib",
    "zpl-2.1",
    "gpl-2.0-or-later",
    "gpl-2.0+",
    "lgpl-2.1+",
    "lgpl-3.0+",
    "gpl-3.0+",
    "agpl-3.0+",
    "python-2.0-with-psf",
    "bsd",
    "apache",
    "curl",
    "libpng-2.0",
    "ijg",
    "bzip2-1.0.6",
    "mit-modern-variant",
}
# exceptions that keep a GPL licence combinable (linking exceptions)
_EXCEPTIONS_OK = {"classpath-exception-2.0", "gcc-exception-3.1", "llvm-exception", "linking-exception"}
# known incompatible ids and markers (GPL-2.0-only cannot be combined with any GPL-3.0 work)
_INCOMPATIBLE = {
    "gpl-2.0",
    "gpl-2.0-only",
    "gpl-1.0",
    "gpl-1.0-only",
    "sspl-1.0",
    "busl-1.1",
    "elastic-2.0",
    "cc-by-nc-4.0",
    "cc-by-nc-sa-4.0",
    "cc-by-nc-nd-4.0",
    "cc-by-nd-4.0",
    "cc-by-nc-3.0",
    "cc-by-nc-sa-3.0",
    "commons-clause",
    "licenseref-commons-clause",
    "licenseref-proprietary",
    "proprietary",
    "epl-1.0",
    "cddl-1.0",
    "cddl-1.1",
    "ms-rl",
    "eupl-1.1",
    "json",
    "polyform-noncommercial-1.0.0",
}

_GPL = r"(?:\bgpl|general public licen[sc]e)\W*(?:v|version\s*)?"  # GPL followed by its version
# free-text `License` fields and classifier names -> SPDX (first match wins; order: specific before general)
_TEXT_RULES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(p, re.IGNORECASE), spdx)
    for p, spdx in [
        (r"commons[ -]clause", "Commons-Clause"),
        (r"server side public licen[sc]e|\bsspl\b", "SSPL-1.0"),
        (r"business source licen[sc]e|\bbusl\b", "BUSL-1.1"),
        (r"non[- ]?commercial|\bby-nc\b|cc[- ]by[- ]nc", "CC-BY-NC-4.0"),
        (r"proprietary|all rights reserved|commercial licen[sc]e only", "LicenseRef-Proprietary"),
        (r"affero|\bagpl", "AGPL-3.0"),
        (r"lesser general public|library general public|\blgpl", "LGPL-2.1"),
        (rf"{_GPL}2(?:\.0)?\W*(?:\+|or (?:any )?later)", "GPL-2.0-or-later"),
        (rf"{_GPL}3", "GPL-3.0"),
        (rf"{_GPL}2", "GPL-2.0-only"),
        (r"mozilla public licen[sc]e 2|\bmpl[- ]?2", "MPL-2.0"),
        (r"\bapache", "Apache-2.0"),
        (r"\bmit\b|expat", "MIT"),
        (r"\bisc\b", "ISC"),
        (r"\b0?bsd\b|bsd licen[sc]e|bsd-?[234]", "BSD-3-Clause"),
        (r"python software foundation|\bpsf\b|python licen[sc]e", "PSF-2.0"),
        (r"public domain|unlicen[sc]e|\bcc0\b", "Unlicense"),
        (r"\bzlib\b", "Zlib"),
        (r"historical permission notice|\bhpnd\b", "HPND"),
        (r"\bzope public", "ZPL-2.1"),
        (r"eclipse public licen[sc]e 2|\bepl-2", "EPL-2.0"),
        (r"boost software", "BSL-1.0"),
        (r"universal permissive", "UPL-1.0"),
        (r"artistic", "Artistic-2.0"),
    ]
]

_TOKEN = re.compile(r"\(|\)|[^\s()]+")


@dataclass
class Finding:
    name: str
    version: str
    verdict: Verdict
    licence: str  # what the verdict is based on
    source: str  # License-Expression | classifier | License | allowlist | none


def classify_id(spdx: str) -> Verdict:
    """One SPDX id (may carry '+'); 'unknown' for ids not in either list."""
    key = spdx.strip().lower()
    if key in _INCOMPATIBLE:
        return "incompatible"
    if key in _COMPATIBLE or key.rstrip("+") in _COMPATIBLE:
        return "ok"
    if key.startswith("licenseref-"):
        return "unknown"
    return "unknown"


def classify_expression(expr: str) -> Verdict:
    """An SPDX expression: OR -> the best alternative, AND -> the worst part; WITH an exception keeps the
    licence's verdict unless the exception is a known linking exception (then 'ok')."""
    tokens = _TOKEN.findall(expr)
    if not tokens:
        return "unknown"
    pos = 0
    rank = {"ok": 2, "unknown": 1, "incompatible": 0}

    def parse_or() -> Verdict:
        nonlocal pos
        best = parse_and()
        while pos < len(tokens) and tokens[pos].upper() == "OR":
            pos += 1
            other = parse_and()
            best = max(best, other, key=lambda v: rank[v])
        return best

    def parse_and() -> Verdict:
        nonlocal pos
        worst = parse_atom()
        while pos < len(tokens) and tokens[pos].upper() == "AND":
            pos += 1
            other = parse_atom()
            worst = min(worst, other, key=lambda v: rank[v])
        return worst

    def parse_atom() -> Verdict:
        nonlocal pos
        if pos >= len(tokens):
            return "unknown"
        tok = tokens[pos]
        pos += 1
        if tok == "(":
            inner = parse_or()
            if pos < len(tokens) and tokens[pos] == ")":
                pos += 1
            return inner
        verdict = classify_id(tok)
        if pos < len(tokens) and tokens[pos].upper() == "WITH":
            exception = tokens[pos + 1].lower() if pos + 1 < len(tokens) else ""
            pos += 2
            if exception in _EXCEPTIONS_OK:
                return "ok"
        return verdict

    return parse_or()


def spdx_from_text(text: str) -> str | None:
    """The SPDX id a free-text licence name means (classifier tail or `License` field), None if unknown."""
    for pattern, spdx in _TEXT_RULES:
        if pattern.search(text):
            return spdx
    return None


def _classify_texts(texts: list[str]) -> tuple[Verdict, str]:
    """Several licence names offered together (classifiers, "X or Y" fields): the best one counts."""
    verdicts = []
    for text in texts:
        parts = re.split(r"\s+or\s+(?!(?:any\s+)?later)|\s*/\s*|\s*;\s*", text, flags=re.IGNORECASE)
        ids = [s for s in (spdx_from_text(p) for p in parts if p.strip()) if s]
        if not ids:
            ids_whole = spdx_from_text(text)
            ids = [ids_whole] if ids_whole else []
        for spdx in ids:
            verdicts.append((classify_id(spdx), spdx))
    if not verdicts:
        return "unknown", "; ".join(texts)
    rank = {"ok": 2, "unknown": 1, "incompatible": 0}
    best = max(verdicts, key=lambda v: rank[v[0]])
    return best[0], " OR ".join(dict.fromkeys(s for _, s in verdicts))


def classify_metadata(md: metadata.PackageMetadata) -> tuple[Verdict, str, str]:
    """(verdict, licence, source) from one distribution's metadata."""
    expression = (md.get("License-Expression") or "").strip()
    if expression:
        return classify_expression(expression), expression, "License-Expression"
    classifiers = [
        c.split("::")[-1].strip()
        for c in (md.get_all("Classifier") or [])
        if c.startswith("License ::") and c.strip() != "License :: OSI Approved"
    ]
    if classifiers:
        verdict, licence = _classify_texts(classifiers)
        if verdict != "unknown":
            return verdict, licence, "classifier"
    field = (md.get("License") or "").strip()
    if field and field.upper() not in ("UNKNOWN", "NONE"):
        first = field.splitlines()[0][:200]  # some put the whole licence text here
        if len(field) < 200 and re.fullmatch(r"[\w.+-]+(?:\s+(?:OR|AND|WITH)\s+[\w.+-]+)*", field):
            verdict = classify_expression(field)  # already an SPDX expression
            if verdict != "unknown":
                return verdict, field, "License"
        verdict, licence = _classify_texts([first if len(field) >= 200 else field])
        return verdict, licence, "License"
    return "unknown", "", "none"


def load_allowlist(path: Path) -> dict[str, dict[str, str]]:
    """name -> {licence, reason}; every entry needs both, and its licence must itself be compatible."""
    if not path.exists():
        return {}
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    out: dict[str, dict[str, str]] = {}
    for name, entry in (data.get("packages") or {}).items():
        if not isinstance(entry, dict) or not entry.get("licence") or not entry.get("reason"):
            raise ValueError(f"{path}: [packages.{name}] needs 'licence' and 'reason'")
        if classify_expression(str(entry["licence"])) != "ok":
            raise ValueError(f"{path}: [packages.{name}] licence {entry['licence']!r} is not AGPL-compatible")
        out[canonicalize_name(name)] = {"licence": str(entry["licence"]), "reason": str(entry["reason"])}
    return out


def closure(requirements: list[str], extras: set[str]) -> tuple[dict[str, metadata.Distribution], list[str]]:
    """Installed distributions reachable from `requirements` (markers evaluated for this interpreter);
    also the names required but not installed."""
    env = default_environment()
    todo: list[tuple[str, set[str]]] = []
    for raw in requirements:
        todo.append((raw, extras))
    seen: dict[str, metadata.Distribution] = {}
    done_extras: dict[str, set[str]] = {}
    missing: list[str] = []
    while todo:
        raw, active = todo.pop()
        try:
            req = Requirement(raw)
        except InvalidRequirement:
            continue
        if req.marker is not None and not any(
            req.marker.evaluate({**env, "extra": e}) for e in (active or {""})
        ):
            continue
        name = canonicalize_name(req.name)
        wanted = {canonicalize_name(e) for e in req.extras}
        if name in seen and wanted <= done_extras.get(name, set()):
            continue
        try:
            dist = seen.get(name) or metadata.distribution(req.name)
        except metadata.PackageNotFoundError:
            if name not in missing:
                missing.append(name)
            continue
        seen[name] = dist
        done_extras[name] = done_extras.get(name, set()) | wanted
        for sub in dist.requires or []:
            todo.append((sub, wanted | {""}))
    return seen, missing


def project_requirements(pyproject: Path, extras: list[str]) -> list[str]:
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    reqs = list(project.get("dependencies") or [])
    optional = project.get("optional-dependencies") or {}
    for extra in extras:
        if extra not in optional:
            raise ValueError(f"no optional-dependencies group {extra!r} in {pyproject}")
        reqs += optional[extra]
    return reqs


def check(requirements: list[str], allowlist: dict[str, dict[str, str]]) -> tuple[list[Finding], list[str]]:
    dists, missing = closure(requirements, set())
    findings = []
    for name, dist in sorted(dists.items()):
        version = dist.version
        if name in allowlist:
            entry = allowlist[name]
            findings.append(Finding(name, version, "ok", entry["licence"], "allowlist"))
            continue
        verdict, licence, source = classify_metadata(dist.metadata)
        findings.append(Finding(name, version, verdict, licence, source))
    return findings, missing


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--extra", action="append", default=[], help="also check an optional-dependencies group")
    ap.add_argument("--allowlist", type=Path, default=ALLOWLIST)
    ap.add_argument("--pyproject", type=Path, default=REPO / "pyproject.toml")
    ap.add_argument("--verbose", "-v", action="store_true", help="list every package")
    args = ap.parse_args(argv)
    try:
        allowlist = load_allowlist(args.allowlist)
        reqs = project_requirements(args.pyproject, args.extra)
    except (ValueError, OSError, tomllib.TOMLDecodeError) as exc:
        print(f"check_licences: {exc}", file=sys.stderr)
        return 2
    findings, missing = check(reqs, allowlist)
    bad = [f for f in findings if f.verdict != "ok"]
    for f in findings if args.verbose else bad:
        print(f"{f.verdict:12} {f.name} {f.version}: {f.licence or '(no licence metadata)'} [{f.source}]")
    used = {f.name for f in findings}
    for name in sorted(set(allowlist) - used):
        try:
            metadata.distribution(name)
        except metadata.PackageNotFoundError:
            print(f"note: allowlist entry {name!r} is not installed (stale?)")
    if missing:
        print(f"note: required but not installed (not checked): {', '.join(sorted(missing))}")
    print(
        f"check_licences: {len(findings)} packages, {len(bad)} incompatible or unknown"
        f" ({sum(f.source == 'allowlist' for f in findings)} from the reviewed allowlist)"
    )
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
