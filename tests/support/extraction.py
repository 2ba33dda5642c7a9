"""Run the real extract step (pipeline.extract_step: batches over a process pool) over a crawl manifest
whose bodies are in a raw store, as an ingestion run does after its crawl."""

from __future__ import annotations

from pathlib import Path

from auskunft.extract import ExtractReport
from auskunft.models import CrawlManifest, Source
from auskunft.pipeline.extract import extract_step
from auskunft.pipeline.runs import MANIFEST, new_run_dir, write_json


def extract_run(
    manifest: CrawlManifest,
    root: Path,
    *,
    pdf_backend: str = "pymupdf",
    nougat_model_path: Path | None = None,
    batch_docs: int = 25,
) -> ExtractReport:
    """One run's extract step under `root` (raw/, cache/, docs/, runs/: shared by the runs of a test);
    the manifest's bodies must be in RawStore(root / "raw")."""
    run_dir = new_run_dir(root / "runs", manifest.source)
    write_json(run_dir / MANIFEST, manifest)
    source = Source(name=manifest.source, start_urls=["http://localhost/"], pdf_extractor=pdf_backend)  # type: ignore[arg-type]
    return extract_step(
        source,
        run_dir=run_dir,
        raw_dir=root / "raw",
        cache_dir=root / "cache",
        documents_dir=root / "docs",
        ocr_languages="deu+eng",
        nougat_model_path=nougat_model_path,
        processes=1,
        batch_docs=batch_docs,
    )
