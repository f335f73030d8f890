# The one-word entry points. `make serve` and `make test` are the README's two commands;
# `make dev` serves with auto-reload, `make password` gives the local editor a new password.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
BIND ?= 127.0.0.1:8000

.PHONY: serve dev password setup test test-only lint bench browser-tools clean

$(VENV)/.installed: requirements.txt requirements-test.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-test.txt
	touch $@

# Everything a local site needs: dependencies, database, the sources, static files.
setup: $(VENV)/.installed
	$(PY) manage.py migrate --noinput
	$(PY) manage.py import_sources
	$(PY) manage.py collectstatic --noinput --verbosity 0

# Set up, make a local editor account, serve. The login (address, user name and
# a fresh password, printed, never stored) is the last thing printed before the
# server's own lines; gunicorn's start-up notices are left out (its warnings,
# errors and the access log still show).
serve: setup
	@$(PY) manage.py create_local_editor --local --site-url http://$(BIND)/
	@BIND=$(BIND) exec $(VENV)/bin/gunicorn -c gunicorn.conf.py --log-level warning milcoop_site.wsgi

# While developing: Django's own server, reloading on every code change, with DEBUG on.
dev: setup
	@$(PY) manage.py create_local_editor --local --site-url http://$(BIND)/
	@DEBUG=1 exec $(PY) manage.py runserver $(BIND)

# A new password for the local editor account, without restarting the server.
password: $(VENV)/.installed
	@$(PY) manage.py create_local_editor --local --site-url http://$(BIND)/

# npm tools for the browser tests (axe-core, the W3C Nu checker), when npm is here.
browser-tools:
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --prefix tests/browser --no-audit --no-fund --loglevel=error; \
	else echo "npm not found: accessibility and HTML validity checks will be skipped"; fi

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run

# Set up and run the whole suite (browser tests skip, saying why, where Chromium is missing).
test: $(VENV)/.installed browser-tools lint test-only

test-only: $(VENV)/.installed
	DJANGO_ALLOW_ASYNC_UNSAFE=true $(VENV)/bin/pytest

bench: $(VENV)/.installed
	$(PY) -m bench

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
