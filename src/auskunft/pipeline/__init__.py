"""The ingestion steps: fetch (crawl) -> extract and embed (batches) -> index.

The steps as a run calls them are in pipeline.steps (one StepParams in, one StepOutputs out); the run itself,
with promotion after indexing, is auskunft.ingest.run_source. Each step reads its input from, and writes its output into, one run folder (see pipeline.runs), so the
steps can run in separate processes (papermill kernels), a source's documents can be spread over batches
on several workers and cores (pipeline.batches, pipeline.worker), every run leaves inspectable files behind,
and an interrupted run is resumed where it stopped.
"""

from auskunft.pipeline.batches import BatchPlan, BatchReport, BatchTotals, plan_batches, totals
from auskunft.pipeline.crawl import crawl_step, load_manifest
from auskunft.pipeline.extract import (
    batch_table,
    extract_counts,
    extract_step,
    load_extract_report,
    plan_run,
    run_pending_batches,
    throughput,
)
from auskunft.pipeline.index import (
    IndexReport,
    IndexTarget,
    desired_index_config,
    index_counts,
    index_step,
    index_target_from_settings,
    load_index_report,
    open_index,
)
from auskunft.pipeline.notebook import (
    DEMO_SITE_DIR,
    SidePair,
    demo_site,
    documents_table,
    get_source,
    list_versions,
    sample_search,
    settings_for,
    side_by_side,
)
from auskunft.pipeline.progress import ProgressLog, ProgressState
from auskunft.pipeline.runs import (
    EXTRACT_REPORT,
    INDEX_REPORT,
    MANIFEST,
    StepTimer,
    finish_run,
    latest_run_dir,
    new_run_dir,
    resolve_run_dir,
    source_lock,
    start_run_dir,
    write_json,
)
from auskunft.pipeline.steps import (
    StepOutputs,
    StepParams,
    extract_documents,
    fetch_documents,
    index_documents,
    load_outputs,
    record_outputs,
    run_batches_here,
)
from auskunft.pipeline.worker import BatchJob, batch_job, run_batches

__all__ = [
    "DEMO_SITE_DIR",
    "EXTRACT_REPORT",
    "INDEX_REPORT",
    "MANIFEST",
    "BatchJob",
    "BatchPlan",
    "BatchReport",
    "BatchTotals",
    "IndexReport",
    "IndexTarget",
    "ProgressLog",
    "ProgressState",
    "SidePair",
    "StepOutputs",
    "StepParams",
    "StepTimer",
    "batch_job",
    "batch_table",
    "crawl_step",
    "demo_site",
    "desired_index_config",
    "documents_table",
    "extract_counts",
    "extract_documents",
    "extract_step",
    "fetch_documents",
    "finish_run",
    "get_source",
    "index_counts",
    "index_documents",
    "index_step",
    "index_target_from_settings",
    "latest_run_dir",
    "list_versions",
    "load_extract_report",
    "load_index_report",
    "load_manifest",
    "load_outputs",
    "new_run_dir",
    "open_index",
    "plan_batches",
    "plan_run",
    "record_outputs",
    "resolve_run_dir",
    "run_batches",
    "run_batches_here",
    "run_pending_batches",
    "sample_search",
    "settings_for",
    "side_by_side",
    "source_lock",
    "start_run_dir",
    "throughput",
    "totals",
    "write_json",
]
