# Two commands for a fresh machine:  make run   |   make test
PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
export IPA_STORE_DIR ?= data/store
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False

.PHONY: run test setup ingest serve eval bench browser clean corpus-tools

run: setup ingest serve            ## venv, install, ingest if needed, serve on 127.0.0.1:8000

test: setup browser                ## venv, install with test extras, Chromium, pytest
	$(PY) -m pytest -q

setup: $(STAMP)

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	# torch first, pinned: its CPU wheel is local; anything looser would pull a multi-GB CUDA build.
	$(PY) -m pip install -q "torch==2.13.0"
	$(PY) -m pip install -q -e ".[test,tools]"
	touch $(STAMP)

browser:                           ## Debian Chromium for the browser tests (no browser downloads)
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q chromium; }

ingest: setup                      ## incremental: unchanged files are skipped without loading the model
	$(PY) ingest.py

serve: setup
	$(PY) server.py

eval: setup                        ## the public question set
	$(PY) -m assistant.eval ../shared/eval/questions.jsonl

bench: setup
	$(PY) -m assistant.bench

corpus-tools: setup                ## regenerate training PDFs and sample records (outputs are committed)
	$(PY) tools/make_training_pdfs.py
	$(PY) tools/make_sample_records.py

clean:
	rm -rf data .pytest_cache test-artifacts
