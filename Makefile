# Two commands for a newcomer: `make run` (portal with demo data) and `make test` (every test).
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test test-only install lock lint vendor bench bench-scale clean

# The versions pinned in requirements.lock, whatever was released since (pyproject.toml holds the ranges).
$(STAMP): pyproject.toml requirements.lock
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Cần Python 3.11 ($(PYTHON))"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c requirements.lock -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## Resolve the newest versions pyproject.toml allows into requirements.lock (in a scratch venv), then `make test`
lock:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Cần Python 3.11 ($(PYTHON))"; exit 1; }
	rm -rf .venv-lock
	$(PYTHON) -m venv .venv-lock
	.venv-lock/bin/python -m pip install --quiet --upgrade pip
	.venv-lock/bin/python -m pip install --quiet -e '.[dev]'
	{ sed -n '/^#/p' requirements.lock; .venv-lock/bin/python -m pip freeze --exclude-editable; } > requirements.lock.new
	mv requirements.lock.new requirements.lock
	rm -rf .venv-lock

## Install, migrate, load the demo province and serve it on http://127.0.0.1:8000
run: $(STAMP)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo
	$(PY) manage.py runserver 127.0.0.1:8000

## Install everything the tests need (Debian's Chromium for browser tests) and run the whole suite
test: $(STAMP)
	scripts/ensure-system-packages
	$(MAKE) test-only

test-only:
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

## Copy front-end packages from the npm registry into static/vendor, and axe-core (tests only) into tests/e2e/vendor
vendor:
	npm install --no-audit --no-fund
	cp node_modules/bootstrap/dist/css/bootstrap.min.css node_modules/bootstrap/dist/js/bootstrap.bundle.min.js static/vendor/bootstrap/
	cp node_modules/htmx.org/dist/htmx.min.js static/vendor/htmx/
	cp node_modules/axe-core/axe.min.js tests/e2e/vendor/
	mkdir -p static/vendor/chartjs
	# without its source-map comment: the map is not vendored, and collectstatic's manifest refuses a missing file
	sed '/^\/\/# sourceMappingURL=/d' node_modules/chart.js/dist/chart.umd.min.js > static/vendor/chartjs/chart.umd.min.js

bench: $(STAMP)
	$(PY) bench/run.py

## Generate SCALE_COUNT dossiers (default 1 000 000) into a throw-away PostgreSQL database (DATABASE_URL's
## server), serve them with gunicorn and production settings, and print the table of measurements
SCALE_COUNT ?= 1000000
bench-scale: $(STAMP)
	SCALE_COUNT=$(SCALE_COUNT) $(PY) bench/scale/run.py

clean:
	rm -rf $(VENV) db.sqlite3 var
