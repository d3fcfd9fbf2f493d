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

## Start the node on the embedded default (SQLite, eager Celery) with demo data, at an
## address a phone on the same network can open: the labels point there. Another address:
## `make demo IPCHAIN_PUBLIC_HOST=192.168.1.20:8000` (README.md, "Trying it on a phone").
DEMO_IP := $(shell hostname -I 2>/dev/null | awk '{print $$1}')
IPCHAIN_PUBLIC_HOST ?= $(if $(DEMO_IP),$(DEMO_IP),127.0.0.1):8000
DEMO_PORT = $(lastword $(subst :, ,$(IPCHAIN_PUBLIC_HOST)))
# Plain http (runserver has no TLS), the app's own error pages (DEBUG off; --insecure still
# serves the static files), long work on the embedded worker thread.
DEMO_ENV = IPCHAIN_PUBLIC_HOST=$(IPCHAIN_PUBLIC_HOST) IPCHAIN_PUBLIC_SCHEME=http DEBUG=0
demo: $(STAMP)
	$(DEMO_ENV) $(BIN)/python manage.py migrate --no-input
	$(DEMO_ENV) $(BIN)/python manage.py ipchain_keygen --if-missing
	$(DEMO_ENV) $(BIN)/python manage.py ipchain_demo
	@echo "Serving http://$(IPCHAIN_PUBLIC_HOST)/ to this network: the demo passwords are public, stop it (Ctrl-C) when done."
	$(DEMO_ENV) $(BIN)/python manage.py runserver --insecure 0.0.0.0:$(DEMO_PORT)

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

## The production web server on this node's settings (docs/deploy.md): `make serve
## BIND=0.0.0.0:8001 WORKERS=4`, the environment from IPCHAIN_ENV_FILE or the shell.
BIND ?= 127.0.0.1:8000
WORKERS ?= 2
serve: $(STAMP)
	$(BIN)/gunicorn -c python:ipchain.operations.gunicorn_conf config.wsgi --workers $(WORKERS) --bind $(BIND)

worker: $(STAMP)
	$(BIN)/celery -A config worker --loglevel INFO

beat: $(STAMP)
	$(BIN)/celery -A config beat --loglevel INFO

bench: $(STAMP)
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .ruff_cache
