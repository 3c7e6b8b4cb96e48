# Panier: the two commands are `make demo` and `make test`.
VENV   ?= .venv
PY     := $(VENV)/bin/python
PORT   ?= 8000
PG_URL ?= postgres://postgres@127.0.0.1:5432/panier
STAMP  := $(VENV)/.installed

.PHONY: demo test install system-deps lint test-sqlite test-postgres messages clean lock

# Dependencies come from the hash-pinned lock files (requirements/): pip
# refuses any file whose hash differs. `make lock` regenerates them after a
# change to pyproject.toml; `pip check` fails if a dependency is missing.
$(STAMP): pyproject.toml requirements/dev.lock
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --require-hashes -r requirements/dev.lock
	$(PY) -m pip install --quiet --no-deps -e .
	$(PY) -m pip check
	touch $(STAMP)

install: $(STAMP)

## Regenerate the hash-pinned lock files from pyproject.toml.
lock:
	$(VENV)/bin/uv pip compile pyproject.toml --generate-hashes --universal --python-version 3.11 \
		--quiet -o requirements/requirements.lock
	$(VENV)/bin/uv pip compile pyproject.toml --extra dev --generate-hashes --universal --python-version 3.11 \
		--quiet -o requirements/dev.lock

## Set up and serve the demo shop on http://127.0.0.1:$(PORT) (SQLite).
demo: install
	DEBUG=1 $(PY) -m panier migrate --noinput
	DEBUG=1 $(PY) -m panier demo
	DEBUG=1 $(PY) -m panier runserver 127.0.0.1:$(PORT) --noreload

## System packages the test suite needs (Chromium for the browser test,
## gettext for translations). Installs them when run as root.
system-deps:
	@sh scripts/system-deps.sh

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports --no-cache
	DEBUG=1 $(PY) -m panier makemigrations --check --dry-run
	DEBUG=0 SECRET_KEY=deploy-check-$$RANDOM-not-a-real-key-0123456789abcdefghijklmnopqrstuvwxyz \
		ALLOWED_HOSTS=shop.example.org $(PY) -m panier check --deploy --fail-level WARNING

test-sqlite: install
	$(VENV)/bin/pytest -n 2 -p no:randomly

test-postgres: install
	@if $(PY) scripts/pg_ready.py "$(PG_URL)"; then \
		echo "== PostgreSQL reachable: running the suite on PostgreSQL =="; \
		DATABASE_URL="$(PG_URL)" $(VENV)/bin/pytest -n 2 -p no:randomly; \
	else \
		echo "== PostgreSQL NOT reachable at 127.0.0.1:5432: PostgreSQL tests skipped =="; \
	fi

## Install everything and run the whole suite on SQLite and PostgreSQL.
test: install system-deps lint
	@echo "== Test suite on SQLite =="
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgres

messages: install
	cd src/panier && DEBUG=1 ../../$(PY) -m panier makemessages -l fr -l en --no-obsolete
	cd src/panier && DEBUG=1 ../../$(PY) -m panier compilemessages

clean:
	rm -rf $(VENV) var
