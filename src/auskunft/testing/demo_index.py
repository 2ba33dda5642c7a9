"""Build a real index of datasets/demo-site (crawl over loopback, extract, index, promote) for tests and benches."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from auskunft.config import Settings
from auskunft.devserver import serve_directory
from auskunft.ingest import run_direct
from auskunft.pipeline.notebook import DEMO_SITE_DIR

DEMO_SITE = DEMO_SITE_DIR


def write_demo_sources(path: Path, origin: str, *, render_js: bool = False) -> Path:
    path.write_text(
        yaml.safe_dump(
            {
                "sources": [
                    {
                        "name": "demo",
                        "start_urls": ["http://localhost:8765/"],
                        "host_aliases": {"http://localhost:8765": origin},
                        "allow_private": True,
                        "render_js": render_js,
                        "rate_limit_per_s": 200,
                        "concurrency": 4,
                    }
                ]
            }
        ),
        encoding="utf-8",
    )
    return path


def build_demo_data(data_dir: Path, *, render_js: bool = False) -> Settings:
    """Crawl + extract + index the demo site into `data_dir`; returns the settings that point at it."""
    sources = data_dir.parent / f"{data_dir.name}-sources.yml"
    with serve_directory(DEMO_SITE) as srv:
        write_demo_sources(sources, srv.origin, render_js=render_js)
        settings = Settings(data_dir=data_dir, sources_file=sources)
        run_direct(settings, "demo")
    return settings


def copy_data(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst
