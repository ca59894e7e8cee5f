# ecabinet: `make run` serves the demo, `make test` runs the whole suite.
# Both install what is missing first (system packages, .venv, npm packages) and are quiet when
# everything is already in place.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMPS := .make
HOST ?= 127.0.0.1
PORT ?= 5000

# Debian packages: LibreOffice for .docx -> PDF (python3-uno: its Python bridge, which keeps one
# LibreOffice running per worker), Vietnamese-capable Times-metric fonts, Calibri- and
# Cambria-metric ones (Carlito, Caladea: Word's and python-docx's defaults keep their line breaks),
# SoftHSM2 for PKCS#11 keys, poppler and qpdf to check PDFs, NSS tools, Node for the front end.
APT_RUN := libreoffice-writer-nogui python3-uno fonts-liberation2 fonts-crosextra-carlito \
           fonts-crosextra-caladea softhsm2 opensc poppler-utils \
           qpdf libnss3-tools nodejs npm python3-venv gettext
# ... and for the browser tests, Debian's Chromium (Playwright drives it; no browser download).
APT_TEST := chromium chromium-driver

VENDOR := ecabinet/static/vendor
MO_FILES := $(patsubst %.po,%.mo,$(wildcard ecabinet/translations/*/LC_MESSAGES/messages.po))

.PHONY: run test test-sqlite test-postgres install install-dev lint translations-extract \
        translations-update clean

# The demo PKI (CAs, TSA, OCSP, the demo signers' keys in SoftHSM2) is made once into instance/;
# its TSA/OCSP/CRL server runs beside the app for as long as the app runs. The demo's seal PIN
# (the demo PKI's, printed in the README) lets the demo sign its audit checkpoints.
DEMO_PIN := 123456
run: install
	@$(BIN)/ecabinet db upgrade 2>&1 | grep -v "^INFO  \[alembic.runtime.migration\] \(Context\|Will assume\)" || true
	@$(BIN)/ecabinet pki init | grep -v "^Enrolled" || true
	@$(BIN)/ecabinet seed-demo
	@$(BIN)/ecabinet pki serve > instance/pki-serve.log 2>&1 & pki=$$!; trap "kill $$pki 2>/dev/null" EXIT; \
	  ECABINET_AUDIT_SEAL_PIN="$${ECABINET_AUDIT_SEAL_PIN:-$(DEMO_PIN)}" \
	  $(BIN)/ecabinet run --host $(HOST) --port $(PORT)

# The suite on SQLite and, when ECABINET_TEST_DATABASE_URL names one, on PostgreSQL (.ci/run
# points it at the machine's PostgreSQL and Redis): the two passes side by side, each one's
# output printed whole when it ends. Each pass spreads its tests over TEST_WORKERS processes
# (pytest-xdist; every process has its own database, schema and apps): a test waiting on
# Chromium, LibreOffice, PostgreSQL or a socket leaves its core to another one. Two per pass
# keep this 2-core machine's CPU busy (vmstat: no idle time while the passes run) and each
# process builds its apps, PKI and scenario snapshots once: `.ci/run` took 500 s with two per
# pass against 573 s with three, on the same code.
TEST_WORKERS ?= 2
# Python may keep the bytecode it compiles (some shells set PYTHONDONTWRITEBYTECODE): without
# it every test process and every server a test starts compiles the app and the tests again,
# and pytest rewrites every test module's assertions again.
unexport PYTHONDONTWRITEBYTECODE
PASSES := test-sqlite $(if $(ECABINET_TEST_DATABASE_URL),test-postgres)
# ECABINET_TEST_SHARED_DIR: a folder the run's test processes share, removed at the end
# (LibreOffice's output by the document's content: tests/fixtures/converter.py).
test: install-dev
	@$(MAKE) --no-print-directory test-js
	@shared=$$(mktemp -d); trap 'rm -rf "$$shared"' EXIT; \
	  ECABINET_TEST_SHARED_DIR="$$shared" $(MAKE) --no-print-directory -j2 --output-sync=target $(PASSES)

# The front end's pure code (state updates, formatting, HTTP, socket acknowledgements) with Node's
# own test runner: no npm test framework, no build step.
.PHONY: test-js
test-js:
	@echo "== front-end tests (node --test) =="
	@node --test --test-reporter=dot tests/js/*.test.mjs

test-sqlite:
	@echo "== tests on SQLite =="
	@env -u ECABINET_TEST_DATABASE_URL $(BIN)/pytest -q -p no:cacheprovider -n $(TEST_WORKERS) $(PYTEST_ARGS)

test-postgres:
	@echo "== tests on PostgreSQL ($$ECABINET_TEST_DATABASE_URL) =="
	@$(BIN)/pytest -q -p no:cacheprovider -n $(TEST_WORKERS) -m "not browser" $(PYTEST_ARGS)

install: $(STAMPS)/apt-run $(STAMPS)/venv $(STAMPS)/npm $(MO_FILES)

install-dev: install $(STAMPS)/apt-test $(STAMPS)/venv-dev

lint: install-dev
	$(BIN)/ruff check .

$(STAMPS):
	@mkdir -p $(STAMPS)

# apt-get runs only when a package is missing.
$(STAMPS)/apt-run: Makefile | $(STAMPS)
	@scripts/apt-ensure $(APT_RUN)
	@touch $@

$(STAMPS)/apt-test: | $(STAMPS)
	@scripts/apt-ensure $(APT_TEST)
	@touch $@

$(STAMPS)/venv: pyproject.toml | $(STAMPS)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@scripts/quietly $(BIN)/python -m pip install --disable-pip-version-check --upgrade pip
	@scripts/quietly $(BIN)/python -m pip install --disable-pip-version-check -e .
	@touch $@

$(STAMPS)/venv-dev: $(STAMPS)/venv pyproject.toml
	@scripts/quietly $(BIN)/python -m pip install --disable-pip-version-check -e ".[dev]"
	@touch $@

$(STAMPS)/npm: package.json package-lock.json | $(STAMPS)
	@scripts/quietly npm ci --no-audit --no-fund --loglevel=error
	@mkdir -p $(VENDOR)/socket.io $(VENDOR)/swagger-ui $(VENDOR)/sortable $(VENDOR)/pdfjs \
	    $(VENDOR)/noble/curves $(VENDOR)/noble/hashes
	@cp node_modules/socket.io-client/dist/socket.io.min.js* $(VENDOR)/socket.io/
	@cp node_modules/sortablejs/Sortable.min.js $(VENDOR)/sortable/
	@cp node_modules/swagger-ui-dist/swagger-ui-bundle.js node_modules/swagger-ui-dist/swagger-ui.css \
	    $(VENDOR)/swagger-ui/
	@cp node_modules/pdfjs-dist/build/pdf.min.mjs node_modules/pdfjs-dist/build/pdf.worker.min.mjs \
	    $(VENDOR)/pdfjs/
	@# @noble/curves and @noble/hashes as ES modules (secret ballots are encrypted on the tablet:
	@# static/js/lib/ballot.js); the page's import map points "@noble/…/" at these folders.
	@cp node_modules/@noble/curves/*.js $(VENDOR)/noble/curves/
	@cp -r node_modules/@noble/curves/abstract $(VENDOR)/noble/curves/
	@cp node_modules/@noble/hashes/*.js $(VENDOR)/noble/hashes/
	@touch $@

%.mo: %.po $(STAMPS)/venv
	@scripts/quietly $(BIN)/pybabel compile -d ecabinet/translations -D messages
	@touch $(MO_FILES)

# Translators' workflow: extract the strings, merge them into the catalogues, fill them in.
translations-extract: $(STAMPS)/venv
	$(BIN)/pybabel extract -F babel.cfg -k _l -o ecabinet/translations/messages.pot .

translations-update: translations-extract
	$(BIN)/pybabel update -i ecabinet/translations/messages.pot -d ecabinet/translations

clean:
	rm -rf $(STAMPS) $(VENDOR) node_modules
