# The two commands of the README:  `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint install serve worker beat bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## Start the node on the embedded default (SQLite, eager Celery) with demo data.
demo: $(STAMP)
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py ipchain_keygen --if-missing
	$(BIN)/python manage.py ipchain_demo
	$(BIN)/python manage.py runserver 127.0.0.1:8000

## Run the whole test suite (lint, architecture contracts, tests).
# The migrations check compares models with migrations: no database needed (a fresh
# PostgreSQL has none yet), so it runs on an in-memory SQLite.
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	DATABASE_URL=sqlite://:memory: $(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/lint-imports

serve: $(STAMP)
	$(BIN)/gunicorn config.wsgi --workers 2 --bind 127.0.0.1:8000

worker: $(STAMP)
	$(BIN)/celery -A config worker --loglevel INFO

beat: $(STAMP)
	$(BIN)/celery -A config beat --loglevel INFO

bench: $(STAMP)
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .ruff_cache
