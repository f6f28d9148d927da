# The one entry point. `make run` and `make test` work on a fresh machine with nothing set.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: install run dev test lint format bench browser clean

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	@rm -f $(VENV)/.installed-* && touch $(STAMP)

install: $(STAMP)

## Serve Legacy at http://$${HOST:-127.0.0.1}:$${PORT:-8000} with Postgres, Redis, a worker and beat
## (without debug pages: DEBUG=0).
run: install
	$(PY) -m legacy.runtime.serve

## The same stack with Django's debug pages, for development on this machine only.
dev: install
	$(PY) -m legacy.runtime.serve --debug

## Debian's chromium for the browser tests, where this machine can install it.
browser:
	@if command -v chromium >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
		echo "Installing Debian's chromium for the browser tests…"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null) \
		|| echo "Could not install chromium: the browser tests will be skipped."; \
	else echo "chromium is not installed and cannot be (needs root and apt-get): the browser tests will be skipped."; fi

## The suite in TEST_PROCESSES processes (pytest-xdist; each has its own test database,
## Celery queue and channel prefix: legacy/settings/test.py); TEST_PROCESSES=0 runs it in one.
TEST_PROCESSES ?= 2
test: install browser
	$(PY) -m pytest -n $(TEST_PROCESSES) $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .
	$(VENV)/bin/djlint templates --lint
	$(PY) manage.py makemigrations --check --dry-run

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .
	$(VENV)/bin/djlint templates --reformat --quiet || true

BENCHES := $(filter-out bench/benchdb.py bench/convbench.py bench/convworker.py,$(wildcard bench/*.py))

## Each benchmark prints its figures and ends with its headline line (see bench/README.md).
bench: install
	@for script in $(BENCHES); do echo "== $$script"; $(PY) $$script || exit 1; done

clean:
	rm -rf $(VENV) var
