# The two commands: `make run` (the service on embedded defaults) and `make test`.
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PYTHON ?= python3

.PHONY: venv run test test-deps lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

run: venv
	$(BIN)/intake db upgrade
	@mkdir -p var/inbox/new var/inbox/cur var/inbox/tmp var/outbox
	@echo "intake: drop .eml files into var/inbox/new/ (try: cp examples/*.eml var/inbox/new/);"
	@echo "intake: replies appear in var/outbox/new/. Ctrl-C stops the service."
	INTAKE_LOGGING__FORMAT=$${INTAKE_LOGGING__FORMAT:-text} $(BIN)/intake run

# Real servers the tests talk to: Dovecot (IMAP) and Chromium (the web app's browser tests).
APT_NEEDS := /usr/sbin/dovecot:dovecot-imapd /usr/bin/chromium:chromium
test-deps:
	@missing=""; for pair in $(APT_NEEDS); do \
	  [ -x "$${pair%%:*}" ] || missing="$$missing $${pair#*:}"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing$$missing for the tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "The tests need:$$missing (sudo apt-get install$$missing)"; exit 1; \
	  fi; \
	fi

test: venv test-deps
	$(BIN)/pytest -q

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy intake

bench: venv test-deps
	$(BIN)/python -m bench.run

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
