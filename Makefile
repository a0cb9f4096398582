# The two commands of the README. `make run` installs and starts the bot;
# `make test` installs the dev tools and runs the whole test suite.
VENV ?= .venv
PY := $(VENV)/bin/python

$(VENV)/installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $@

.PHONY: install run test lint pictures
install: $(VENV)/installed

run: install
	$(VENV)/bin/perspective serve

test: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/pytest -q

lint: install
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check . && $(VENV)/bin/lint-imports

# The README's images (docs/images/), from the tour in headless Chromium: docs/pictures.sh.
pictures: install
	docs/pictures.sh
