# The README's two commands are `make demo` and `make test`; the rest are their parts.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PYTEST_ARGS ?=

.PHONY: setup setup-test demo test test-fast test-slow lint typecheck lock bench corpus quality clean

setup:            ## what the main job needs: Debian packages, the Python environment, the widget bundle
	bash scripts/setup.sh

setup-test:       ## setup plus the test tiers' tools (dev extras, redis, llama.cpp server built once)
	bash scripts/setup.sh --test

demo: setup       ## main job on the embedded defaults: crawl+index the demo site, then serve chat + widget demo
	$(VENV)/bin/auskunft demo

test: setup-test  ## the full test suite (what .ci/run calls)
	bash scripts/test.sh $(PYTEST_ARGS)

test-fast:        ## default tier only, no set-up
	$(PY) -m pytest -m "not slow and not browser and not llm" $(PYTEST_ARGS)

lint:
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

typecheck:
	$(VENV)/bin/mypy

lock:             ## re-resolve requirements.lock from pyproject.toml
	uv pip compile pyproject.toml --extra dev --extra nougat --python-version 3.11 -q -o requirements.lock

bench:           ## the README's benchmark figures (~15 min on 2 cores; BEIR sets: eval/run_benchmarks.py)
	$(PY) bench/crawl_bench.py --repeat 3 --render
	OMP_WAIT_POLICY=PASSIVE $(PY) bench/ingest_bench.py
	OMP_WAIT_POLICY=PASSIVE $(PY) bench/ingest_bench.py --site large --scale 0.05
	$(PY) bench/extract_bench.py --rounds 3
	$(PY) bench/retrieval_bench.py
	$(PY) bench/chat_bench.py --n 100
	$(PY) bench/service_bench.py --n 200 --concurrency 8
	$(PY) bench/widget_size.py --build

corpus:          ## rebuild the real-site corpus (datasets/sites) into data/sites: Debian's Jekyll, then each rebuild.sh
	@command -v jekyll >/dev/null || (export DEBIAN_FRONTEND=noninteractive; apt-get update -qq && apt-get install -y -qq --no-install-recommends jekyll ruby-jekyll-paginate ruby-jekyll-toc ruby-jekyll-relative-links ruby-jekyll-optional-front-matter ruby-jekyll-titles-from-headings >/dev/null)
	@for s in datasets/sites/*/rebuild.sh; do d=$$(basename $$(dirname $$s)); [ -d data/sites/$$d/site ] || bash $$s; done

quality: corpus  ## answer quality on the real-site corpus, leave-one-site-out (docs/quality.md; ~1 h on 2 cores)
	OMP_WAIT_POLICY=PASSIVE OPENBLAS_NUM_THREADS=1 $(PY) eval/loso.py --variants default german

clean:
	rm -rf data .pytest_cache
