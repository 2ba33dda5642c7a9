"""Turn off every library's telemetry before any of them is imported."""

import os

_OFF = {
    "DO_NOT_TRACK": "true",
    "RAGAS_DO_NOT_TRACK": "true",
    "MLFLOW_DISABLE_TELEMETRY": "true",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "ANONYMIZED_TELEMETRY": "false",
    "CRAWL4AI_TELEMETRY": "false",
    "SCARF_NO_ANALYTICS": "true",
    "LLAMA_INDEX_NO_TELEMETRY": "true",
    "TOKENIZERS_PARALLELISM": "false",
    "CRAWL4AI_NO_CLOUD_NOTICE": "1",
    "PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD": "1",
    "JUPYTER_PLATFORM_DIRS": "1",
}


def disable_telemetry() -> None:
    for key, value in _OFF.items():
        os.environ.setdefault(key, value)
