# Contacta — the two commands: `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements/*.txt pyproject.toml | sha1sum | cut -c1-12)
PYTEST_WORKERS ?= 2

.PHONY: demo test lint typecheck contracts unit integration e2e bench install system-deps translations clean

$(STAMP):
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements/dev.txt
	$(BIN)/pip install -q --no-deps -e .
	rm -f $(VENV)/.installed-*; touch $(STAMP)

install: $(STAMP)

# Debian's Chromium drives the end-to-end tests (never `playwright install`).
system-deps:
	@command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core; }

demo: install
	$(BIN)/contacta demo $(DEMO_ARGS)

lint: install
	$(BIN)/ruff check src tests benchmarks

typecheck: install
	$(BIN)/mypy src

contracts: install
	$(BIN)/lint-imports

test: install system-deps lint typecheck contracts
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadgroup -q tests

bench: install
	$(BIN)/python benchmarks/chat_latency.py --customers 50 --json
	$(BIN)/python benchmarks/routing_kernel.py --json

translations: install
	cd src/contacta && ../../$(BIN)/contacta makemessages -l es -l en --ignore 'static/*' && ../../$(BIN)/contacta makemessages -d djangojs -l es -l en && ../../$(BIN)/contacta compilemessages

clean:
	rm -rf $(VENV) var
