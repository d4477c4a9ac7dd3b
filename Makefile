# MediaDesk — `make run` serves the app with demo data; `make test` runs every check.
SHELL := /bin/bash
PORT ?= 8000
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
MD := $(BIN)/mediadesk
CHROMIUM ?= /usr/bin/chromium
PYTEST_ARGS ?=

.PHONY: install run test test-pg lint typecheck pytest bench assets browser-deps gettext-deps messages compilemessages demo clean help

help:
	@echo "make run      install everything, load demo data, serve http://127.0.0.1:$(PORT)"
	@echo "make test     lint, type check and the whole test suite (browser tests included)"
	@echo "make test-pg  the test suite on a throw-away PostgreSQL (installed if missing)"
	@echo "make bench    benchmarks, printing figures (ONLY=\"compliance leads\" for some)"
	@echo "make install  venv, packages, front-end assets, compiled translations, migrations"
	@echo "make messages update the English catalogue mediadesk/locale/en/LC_MESSAGES/django.po"

$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || "$$(./scripts/find-python.sh)" -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@

frontend/node_modules/.installed: frontend/package.json frontend/package-lock.json
	@command -v npm >/dev/null || { echo "npm is needed for the front-end packages (apt-get install nodejs npm)"; exit 1; }
	cd frontend && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

mediadesk/static/vendor/.copied: frontend/node_modules/.installed scripts/copy-assets.sh
	./scripts/copy-assets.sh
	@touch $@

assets: mediadesk/static/vendor/.copied

# GNU gettext (msgfmt, xgettext, msgmerge) compiles and updates the translation catalogue.
gettext-deps:
	@if command -v msgfmt >/dev/null && command -v xgettext >/dev/null; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
	  echo "installing GNU gettext with apt"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gettext) >/dev/null; \
	else \
	  echo "Translations need GNU gettext: sudo apt-get install gettext"; exit 1; \
	fi

# The compiled catalogue is a build product (git-ignored), rebuilt whenever the .po changes.
LOCALE := mediadesk/locale/en/LC_MESSAGES
$(LOCALE)/%.mo: $(LOCALE)/%.po | gettext-deps
	msgfmt --check-format -o $@ $<

compilemessages: $(LOCALE)/django.mo $(LOCALE)/djangojs.mo

# Re-extract every msgid from templates and Python into the .po (keeps existing translations).
messages: $(VENV)/.installed gettext-deps
	cd mediadesk && ../$(MD) makemessages -l en --no-location --no-obsolete --ignore 'static/vendor/*' -v 0
	cd mediadesk && ../$(MD) makemessages -d djangojs -l en --no-location --no-obsolete --ignore 'static/vendor/*' -v 0
	$(MAKE) --no-print-directory compilemessages

install: $(VENV)/.installed assets compilemessages
	$(MD) migrate --noinput -v 0
	$(MD) collectstatic --noinput -v 0

demo: install
	$(MD) demo

run: demo
	$(MD) run --port $(PORT)

browser-deps:
	@if [ -x "$(CHROMIUM)" ] && fc-list 2>/dev/null | grep -qi 'Noto.*CJK'; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
	  echo "installing Chromium and CJK fonts with apt"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk) >/dev/null; \
	else \
	  echo "Browser tests need Debian's Chromium and CJK fonts: sudo apt-get install chromium fonts-noto-cjk"; exit 1; \
	fi

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)/.installed
	$(BIN)/mypy mediadesk

pytest: install browser-deps
	$(BIN)/pytest -n 2 $(PYTEST_ARGS)

test: lint typecheck pytest

test-pg:
	bash .ci/run --postgres-only

bench: install
	$(PY) -m bench $(ONLY)

clean:
	rm -rf $(VENV) frontend/node_modules mediadesk/static/vendor var/static
