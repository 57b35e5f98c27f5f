# Two commands set everything up on a fresh machine:
#   make run    create .venv if needed, install, and start the bot (the REPL when no token is set)
#   make test   create .venv if needed, install with dev tools, then ruff and pytest
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: run test lint format bench clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(PY) bot.py $(ARGS)

test: $(STAMP)
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
