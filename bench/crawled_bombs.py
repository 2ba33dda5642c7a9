"""Round two of bench/bomb_bench.py: crawled-content bombs (probe 2026-12 N11, N13, N17, N19, N21, N22).

Each case runs in a child process (`python bench/crawled_bombs.py CASE ARG`) with either the old code (the
worktree of OLD_COMMIT on PYTHONPATH) or the new one; the bench samples the PSS of the child's process tree
(chromium included) every 0.1 s and kills it past the cap or the timeout. The new code runs with the limits
written next to each case (the ones the regression tests in tests/security/test_crawl_*.py use).
"""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OLD_COMMIT = "28b0a89"
OLD_TREE = Path(tempfile.gettempdir()) / "auskunft-bomb-bench-28b0a89"
sys.path.insert(0, str(REPO))  # tests.security.crawl_bombs (generators) and tests.crawl.helpers (server)

LIMITS = {"time_s": 60.0}  # new: a short deadline; memory: the default EXTRACT_MEMORY_MB (DocLimits)
PUBLIC = "https://www.example.org"


def tree_pss_mb(pid: int) -> float:
    from auskunft.crawl.render import tree_pss_mb as pss

    return pss(pid)


def kill_tree(pid: int) -> None:
    from auskunft.crawl.render import descendants

    for p in [*descendants(pid), pid]:
        try:
            os.kill(p, signal.SIGKILL)
        except ProcessLookupError:
            pass


# ------------------------------------------------------------------------------------------ in the child
def case(name: str, arg: str) -> str:
    """Run one case in this process with whatever auskunft is importable; returns the outcome."""
    import importlib.util

    # the generators of this checkout, also when the old tree's auskunft (without auskunft.testing) is imported
    spec = importlib.util.spec_from_file_location(
        "bombs", REPO / "src" / "auskunft" / "testing" / "crawl_bombs.py"
    )
    assert spec is not None and spec.loader is not None
    bombs = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bombs)

    new = "max_crawl_s" in __import__("auskunft.models", fromlist=["Source"]).Source.model_fields
    if name in ("nested", "pdf-array", "pdf-lines"):
        from auskunft.extract.extractor import extract_body

        kind, body = {
            "nested": ("html", lambda: bombs.nested_divs(100_000)),
            "pdf-array": ("pdf", lambda: bombs.content_array_pdf(300_000)),
            "pdf-lines": ("pdf", lambda: bombs.vector_lines_pdf(200_000)),
        }[name]
        data = body()
        budget = {"time_budget_s": 0.9 * LIMITS["time_s"]} if kind == "pdf" else {}
        try:
            if new:
                from auskunft.extract.limits import DocLimits, run_limited

                c = run_limited(extract_body, kind, data, limits=DocLimits(**LIMITS), **budget)
            else:
                c = extract_body(kind, data, **budget)
            return f"extracted {sum(len(p.markdown) for p in c.pages)} chars"
        except Exception as exc:  # noqa: BLE001 - the outcome is what we report
            grew = f" [its processes: +{exc.grew_mb:.0f} MB]" if getattr(exc, "grew_mb", 0) else ""
            return f"{type(exc).__name__}: {exc}"[:120] + grew
    # crawl cases: the source comes as JSON from the parent (which serves the site)
    from auskunft.crawl import CrawlState, RawStore, crawl_source
    from auskunft.models import Source

    data = json.loads(arg)
    if not new:
        data.pop("max_crawl_s", None)
    source = Source.model_validate(data)
    with tempfile.TemporaryDirectory() as tmp:
        manifest = crawl_source(
            source, raw_store=RawStore(Path(tmp) / "raw"), state=CrawlState(Path(tmp) / "state", source.name)
        )
    recs = manifest.records
    sizes = [r.size or 0 for r in recs]
    return (
        f"{len(recs)} records, largest stored {max(sizes, default=0)} B; "
        + "; ".join(sorted({(r.error or r.status)[:50] for r in recs}))[:90]
    )


# ------------------------------------------------------------------------------------------ in the bench
def _old_tree() -> Path:
    if not (OLD_TREE / "src").exists():
        subprocess.run(
            ["git", "-C", str(REPO), "worktree", "add", "--detach", str(OLD_TREE), OLD_COMMIT], check=True
        )
    return OLD_TREE


def _run(impl: str, name: str, arg: str, cap_mb: int, timeout_s: float) -> dict[str, object]:
    src = _old_tree() / "src" if impl == "old" else REPO / "src"
    env = dict(os.environ, PYTHONPATH=f"{src}:{REPO}")
    out_path = Path(tempfile.mktemp(prefix="bomb-case-"))
    with out_path.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, __file__, name, arg], stdout=out, stderr=subprocess.DEVNULL, env=env, cwd=REPO
        )
        t0, peak, killed = time.monotonic(), 0.0, ""
        while proc.poll() is None:
            peak = max(peak, tree_pss_mb(proc.pid))
            if peak > cap_mb:
                killed = f"killed by the bench at {cap_mb} MB"
            elif time.monotonic() - t0 > timeout_s:
                killed = f"killed by the bench after {timeout_s:g} s"
            if killed:
                kill_tree(proc.pid)
                proc.wait()
                break
            time.sleep(0.1)
    seconds = time.monotonic() - t0
    lines = out_path.read_text().strip().splitlines()
    out_path.unlink()
    outcome = killed or (lines[-1] if lines else f"child failed (rc {proc.returncode})")
    return {"peak_mb": peak, "s": seconds, "outcome": outcome}


def run_all(*, cap_mb: int, timeout_s: float, only: str | None, case: str = "") -> None:
    from auskunft.testing import crawl_bombs as bombs
    from auskunft.testing.sites import Reply, Servers, html

    servers = Servers()
    one = gzip.compress(bombs.sitemap_xml(527_000, PUBLIC), 6)
    paths = [f"/sm{i}.xml.gz" for i in range(60)]
    routes: dict[str, object] = {p: Reply(body=one, content_type="application/gzip") for p in paths}
    routes |= {
        "/robots.txt": Reply(body=f"Sitemap: {PUBLIC}/index.xml\n".encode(), content_type="text/plain"),
        "/index.xml": Reply(body=bombs.sitemap_index(paths, PUBLIC), content_type="application/xml"),
        "/": html(text="Start"),
    }
    smsite = servers.start(routes)  # type: ignore[arg-type]
    slow = [f"/slow{i}.xml" for i in range(6)]
    pages = [f"/p{i}.html" for i in range(8)]
    slowroutes: dict[str, object] = {p: Reply(body=b"", delay_s=10.0) for p in slow + pages}
    slowroutes["/robots.txt"] = Reply(
        body="".join(f"Sitemap: {PUBLIC}{p}\n" for p in slow).encode(), content_type="text/plain"
    )
    slowroutes["/"] = html(*[PUBLIC + p for p in pages], text="Start")
    slowsite = servers.start(slowroutes)  # type: ignore[arg-type]
    domsite = servers.start({"/bomb.html": Reply(body=bombs.dom_bomb_html(2_000_000))})

    def source(origin: str, **kw: object) -> str:
        base = {"name": "bench", "start_urls": [PUBLIC + "/"], "host_aliases": {PUBLIC: origin},
                "allow_private": True, "rate_limit_per_s": 1000.0, "timeout_s": 10.0}  # fmt: skip
        return json.dumps(base | kw)

    cases = [
        ("N19 100k nested divs", "nested", ""),
        ("N21 /Contents x 300k", "pdf-array", ""),
        ("N22 200k vector lines", "pdf-lines", ""),
        ("N13 sitemap index 60x", "crawl", source(smsite.origin, max_pages=1, max_crawl_s=60)),
        ("N17 6 slow sitemaps", "crawl", source(slowsite.origin, timeout_s=2.0, max_crawl_s=20)),
        ("N11 DOM bomb 2M <p>", "crawl",
         json.dumps({"name": "bench", "start_urls": [f"{domsite.origin}/bomb.html"], "allow_private": True,
                     "allowed_hosts": [f"127.0.0.1:{domsite.port}"], "render_js": True, "use_sitemap": False,
                     "respect_robots": False, "max_depth": 0, "timeout_s": 10.0, "max_crawl_s": 60,
                     "rate_limit_per_s": 1000.0})),
    ]  # fmt: skip
    from auskunft.crawl.browser import MAX_BROWSER_MB
    from auskunft.extract.limits import DocLimits

    print(f"old = {OLD_COMMIT} (worktree {OLD_TREE}), new = working tree; new limits: extraction "
          f"{DocLimits(**LIMITS)}, browser +{MAX_BROWSER_MB} MB PSS above its idle tree (defaults), max_crawl_s as "
          f"listed; bench cap {cap_mb} MB / {timeout_s:g} s")  # fmt: skip
    print(f"{'case':<24} {'impl':<4} {'peak PSS MB':>11} {'s':>7}  outcome")
    for label, name, arg in cases:
        if case not in label:
            continue
        for impl in [only] if only else ["old", "new"]:
            r = _run(impl, name, arg, cap_mb, timeout_s)
            print(
                f"{label:<24} {impl:<4} {r['peak_mb']:>11.0f} {r['s']:>7.1f}  {str(r['outcome'])[:100]}",
                flush=True,
            )
    servers.close()


if __name__ == "__main__":
    print(case(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else ""))
