"""Disk taken by the embedded vector store while several service processes serve it and an unchanged re-crawl
runs, for one or more checkouts of auskunft (old and new in one run).

    .venv/bin/python bench/store_disk_bench.py DATA_DIR SITE_FOLDER SOURCES.yml \
        [--tree old=/tmp/old --tree new=.] [--processes 4]

DATA_DIR: a built site (raw store, crawl state, documents, live qdrant-edge index), e.g. one of
eval/loso.py's builds; SITE_FOLDER: the site's files (served on loopback for the re-crawl); SOURCES.yml: the
source as that build crawled it (its loopback alias is pointed at the new port). For each tree: a copy of
DATA_DIR, brought up to that tree's code by one re-crawl (a newer extractor or chunk schema re-indexes
into a new version; not measured), --processes service processes of that tree serving it (one question
each), then the unchanged re-crawl (crawl -> extract -> index in one process, `auskunft.ingest.run_direct`) with
that tree's code, then each process asked again (a new generation, if any, is picked up). Reported: the
blocks on disk (each file once, however many hard links: what `du` says) of the live collection plus the
readers' directories, one published generation, their ratio, and the whole store (older index versions
are kept for rollback).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import httpx  # noqa: E402
import yaml  # noqa: E402

from auskunft.devserver import serve_directory  # noqa: E402
from auskunft.index.vectorstore.edge import disk_bytes  # noqa: E402
from auskunft.testing.service import running_service, service_env  # noqa: E402

RECRAWL = """
import sys
from pathlib import Path
from auskunft.config import Settings
from auskunft.ingest import run_direct
out = run_direct(Settings(data_dir=Path(sys.argv[1]), sources_file=Path(sys.argv[2])), sys.argv[3])
print(out.get("counts") if isinstance(out, dict) else out)
"""


def _env(tree: Path) -> dict[str, str]:
    """On top of `service_env`: the tree's code, quiet thread pools, no rate limit in the way."""
    return {
        "PYTHONPATH": f"{tree / 'src'}:{tree}",
        "OMP_WAIT_POLICY": "PASSIVE",
        "RATE_LIMIT_IP_PER_MIN": "100000",
    }


def _published(data: Path) -> Path:
    root = data / "qdrant"
    alias = next((root / "aliases").iterdir())
    coll = root / "collections" / alias.read_text().strip()
    return coll / (coll / "CURRENT").read_text().strip()


def _live_store(data: Path) -> int:
    """The live collection's directory and the readers' views (hard links counted once)."""
    root = data / "qdrant"
    others = [c for c in (root / "collections").iterdir() if c != _published(data).parent]
    return disk_bytes(root) - sum(disk_bytes(c) for c in others)


def _ask(url: str, n: int) -> None:
    r = httpx.post(
        f"{url}/api/chat?stream=false", json={"message": f"Wer ist im Vorstand? ({n})"}, timeout=60
    )
    r.raise_for_status()


def run_tree(label: str, tree: Path, data_src: Path, site: Path, sources: Path, processes: int) -> dict:
    with tempfile.TemporaryDirectory(dir="/tmp") as tmp:
        work = Path(tmp)
        data = work / "data"
        shutil.copytree(data_src, data, ignore=shutil.ignore_patterns(".readers", "state.db*"))
        (data / "qdrant" / ".readers").mkdir(exist_ok=True)
        with serve_directory(site) as srv, ExitStack() as services:
            spec = yaml.safe_load(sources.read_text(encoding="utf-8"))
            for s in spec["sources"]:
                s["host_aliases"] = {k: srv.origin for k in s["host_aliases"]}
            (work / "sources.yml").write_text(yaml.safe_dump(spec), encoding="utf-8")
            name = spec["sources"][0]["name"]
            recrawl = [sys.executable, "-c", RECRAWL, str(data), str(work / "sources.yml"), name]
            env = service_env(data, work / "sources.yml", **_env(tree))
            subprocess.run(recrawl, env=env, cwd=work, capture_output=True, text=True, check=True)  # prime
            before_gen = disk_bytes(_published(data))
            urls = []
            for i in range(processes):
                svc = services.enter_context(
                    running_service(
                        data,
                        work / "sources.yml",
                        cwd=work,
                        env=_env(tree),
                        ready_s=300,
                        log=work / f"service-{i}.log",
                        ready_only=True,
                    )
                )
                urls.append(svc.url)
                _ask(svc.url, 0)
            serving = disk_bytes(data / "qdrant")
            t0 = time.perf_counter()
            out = subprocess.run(recrawl, env=env, cwd=work, capture_output=True, text=True, check=True)
            recrawl_s = time.perf_counter() - t0
            time.sleep(3)  # readers look for a new generation every second
            for url in urls:
                _ask(url, 1)
            after = _live_store(data)
            store = disk_bytes(data / "qdrant")
            gen = disk_bytes(_published(data))
            gens = sorted(p.name for p in _published(data).parent.iterdir() if p.name.startswith("gen-"))
    return {
        "tree": label,
        "generation_mb": round(gen / 2**20, 1),
        "generation_before_mb": round(before_gen / 2**20, 1),
        "serving_mb": round(serving / 2**20, 1),
        "after_recrawl_mb": round(after / 2**20, 1),
        "ratio": round(after / gen, 2),
        "store_mb": round(store / 2**20, 1),
        "generations": gens,
        "recrawl_s": round(recrawl_s, 1),
        "recrawl": out.stdout.strip().splitlines()[-1][:200] if out.stdout.strip() else "",
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("data_dir", type=Path)
    p.add_argument("site", type=Path)
    p.add_argument("sources", type=Path)
    p.add_argument("--tree", action="append", default=[], help="LABEL=PATH (default new=this checkout)")
    p.add_argument("--processes", type=int, default=4)
    args = p.parse_args()
    trees = [t.split("=", 1) for t in args.tree] or [["new", str(REPO)]]
    rows = [
        run_tree(label, Path(path).resolve(), args.data_dir, args.site, args.sources, args.processes)
        for label, path in trees
    ]
    print(f"store disk: {args.data_dir.name}, {args.processes} service processes, unchanged re-crawl")
    print(
        f"{'tree':<8} {'1 gen MB':>9} {'serving MB':>11} {'live+views after MB':>20} {'ratio':>6} "
        f"{'store MB':>9} {'re-crawl s':>10}  generations"
    )
    for r in rows:
        print(
            f"{r['tree']:<8} {r['generation_mb']:>9} {r['serving_mb']:>11} {r['after_recrawl_mb']:>20} "
            f"{r['ratio']:>6} {r['store_mb']:>9} {r['recrawl_s']:>10}  {' '.join(r['generations'])}"
        )
        print(f"         re-crawl: {r['recrawl']}")


if __name__ == "__main__":
    main()
