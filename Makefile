# The README's two commands: `make run` (set up, index the seed articles, open the chat page)
# and `make test` (set up, then the whole test suite). Both install what they need.
VENV    := .venv
PY      := $(VENV)/bin/python
STAMP   := $(VENV)/.installed-stamp
SUDO    := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: install browser run test bench clean

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

run: install
	$(VENV)/bin/rag serve

test: install browser
	$(PY) -m pytest -q

bench: install
	$(PY) bench/retrieval.py
	$(PY) bench/seeds_eval.py
	$(PY) bench/speed.py

clean:
	rm -rf $(VENV) index/CURRENT index/gen-*
