"""The ingestion steps as the notebooks, the flows and the CLI call them: crawl -> extract -> index.

Each step reads its input from, and writes its output into, one run folder (see pipeline.runs), so the
steps can run in separate processes (papermill kernels), a source's documents can be spread over batches
on several workers and cores (pipeline.batches, pipeline.worker), every run leaves inspectable files behind,
and an interrupted run is resumed where it stopped.
"""

from auskunft.pipeline.batches import BatchPlan, BatchReport, BatchTotals, plan_batches, totals
from auskunft.pipeline.crawl import crawl_step, load_manifest
from auskunft.pipeline.direct import finish_run, run_direct
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
    open_index,
)
from auskunft.pipeline.notebook import (
    DEMO_SITE_DIR,
    SidePair,
    demo_site,
    documents_table,
    get_source,
    list_versions,
    record_outputs,
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
    latest_run_dir,
    new_run_dir,
    resolve_run_dir,
    source_lock,
    start_run_dir,
    write_json,
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
    "StepTimer",
    "batch_job",
    "batch_table",
    "crawl_step",
    "demo_site",
    "desired_index_config",
    "documents_table",
    "extract_counts",
    "extract_step",
    "finish_run",
    "get_source",
    "index_counts",
    "index_step",
    "index_target_from_settings",
    "latest_run_dir",
    "list_versions",
    "load_extract_report",
    "load_manifest",
    "new_run_dir",
    "open_index",
    "plan_batches",
    "plan_run",
    "record_outputs",
    "resolve_run_dir",
    "run_batches",
    "run_direct",
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
