# Contacta — the two commands: `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
BASE_STAMP := $(VENV)/.base-$(shell cat requirements/base.txt pyproject.toml | sha1sum | cut -c1-12)
DEV_STAMP := $(VENV)/.dev-$(shell cat requirements/*.txt pyproject.toml | sha1sum | cut -c1-12)
PYTEST_WORKERS ?= 2

.PHONY: demo test lint typecheck contracts bench install install-dev system-deps translations clean

$(BASE_STAMP):
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements/base.txt
	$(BIN)/pip install -q --no-deps -e .
	rm -f $(VENV)/.base-*; touch $(BASE_STAMP)

$(DEV_STAMP): $(BASE_STAMP)
	$(BIN)/pip install -q -r requirements/dev.txt
	rm -f $(VENV)/.dev-*; touch $(DEV_STAMP)

install: $(BASE_STAMP)
install-dev: $(DEV_STAMP)

# Debian's Chromium drives the end-to-end tests (never `playwright install`).
# Dovecot is the real IMAP server the e-mail tests talk to. sipp (sip-tester) calls the voice
# engine like a customer; espeak-ng and sox make the prompts and music on hold; Kamailio is the
# optional single SIP address in front of the engine's workers.
SYSTEM_TOOLS := chromium dovecot sipp espeak-ng sox kamailio
SYSTEM_PACKAGES := chromium fonts-dejavu-core dovecot-imapd sip-tester espeak-ng sox libsox-fmt-all kamailio
system-deps:
	@for tool in $(SYSTEM_TOOLS); do command -v $$tool >/dev/null || missing=1; done; \
	if [ -n "$$missing" ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SYSTEM_PACKAGES); fi

demo: install
	$(BIN)/contacta demo $(DEMO_ARGS)

lint: install-dev
	$(BIN)/ruff check src tests benchmarks

typecheck: install-dev
	$(BIN)/mypy src

contracts: install-dev
	$(BIN)/lint-imports

test: install-dev system-deps lint typecheck contracts
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadgroup -q tests

bench: install-dev system-deps
	$(BIN)/pip install -q -r requirements/bench.txt
	$(BIN)/python benchmarks/chat_latency.py --customers 50 --json
	$(BIN)/python benchmarks/chat_latency.py --customers 50 --json --db postgres
	$(BIN)/python benchmarks/erlang.py --json
	$(BIN)/python benchmarks/routing.py --agents 10000 --queues 500 --skills 50 --json
	$(BIN)/python benchmarks/simulate.py --json
	$(BIN)/python benchmarks/ingest.py --json
	$(BIN)/python benchmarks/voice.py --calls 40 --json

# Regenerates the catalogues and compiles them (needs GNU gettext: apt-get install gettext).
translations: install
	cd src/contacta && ../../$(BIN)/contacta makemessages -l es -l en --ignore 'migrations/*' --ignore 'web/static/*'
	cd src/contacta/web && ../../../$(BIN)/contacta makemessages -d djangojs -l es -l en
	cd src/contacta && ../../$(BIN)/contacta compilemessages

clean:
	rm -rf $(VENV) var
