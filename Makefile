# Two commands: `make run` serves the app, `make test` runs the whole suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app studyapp
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test serve setup db demo check bench clean lint

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

setup: $(VENV)/.installed

db: setup
	$(FLASK) db upgrade

demo: db
	$(FLASK) demo

run: demo
	$(FLASK) run --host $(HOST) --port $(PORT)

test: $(VENV)/.installed-dev
	$(BIN)/pytest $(PYTEST_ARGS)

bench: $(VENV)/.installed-dev
	$(BIN)/python bench/parse_questions.py

clean:
	rm -rf $(VENV) instance .pytest_cache

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check studyapp tests bench wsgi.py
	$(BIN)/ruff format --check studyapp tests bench wsgi.py
	$(BIN)/mypy
	$(BIN)/lint-imports
