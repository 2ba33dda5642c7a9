"""Settings keys a test must not inherit from the developer's environment."""

LEAKY_KEYS = (
    "QDRANT_URL",
    "REDIS_URL",
    "LLM_MODEL",
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "MLFLOW_TRACKING_URI",
    "ADMIN_TOKEN_HASH",
    "WEBSITE_HOST",
    "EVAL_JUDGE_MODEL",
)
