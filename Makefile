# Two commands for a newcomer: `make demo` and `make test`. Everything installs into .venv.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1:8000
# The demo runs with DEBUG on (it serves its own static files, allows a dev key) unless
# the environment says otherwise.
DEMO_ENV := DEBUG=$${DEBUG:-true}
PYTEST_ARGS ?=

.PHONY: demo test fuzz lint typecheck format migrations-check messages messages-check bench audit clean install install-dev

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Stamps re-run pip only when a requirements file changes.
$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

demo: install
	$(DEMO_ENV) $(BIN)/python manage.py migrate --noinput
	$(DEMO_ENV) $(BIN)/python manage.py seed_demo
	$(DEMO_ENV) $(BIN)/python manage.py seed_demo_bulletins
	@echo "Serving on http://$(HOST)/ (admin at http://$(HOST)/admin/); Ctrl-C stops."
	$(DEMO_ENV) $(BIN)/python manage.py runserver $(HOST)

test: install-dev
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Property tests at random with 1,000 examples each (tests/profiles.py); `make test` and CI
# run them derandomized. Add what this finds to the test as @example(...).
fuzz: install-dev
	HYPOTHESIS_PROFILE=fuzz $(BIN)/python -m pytest -m hypothesis -p no:cacheprovider \
		--hypothesis-show-statistics $(PYTEST_ARGS)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(MAKE) --no-print-directory typecheck

# mypy with django-stubs over the apps and config (settings in pyproject.toml); DEBUG so
# the settings load without a secret.
typecheck: install-dev
	DEBUG=true $(BIN)/mypy

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

migrations-check: install-dev
	DEBUG=true $(BIN)/python manage.py makemigrations --check --dry-run

# Translation catalogues (needs GNU gettext: apt-get install gettext). The compiled .mo
# files are committed, so running the service needs no gettext.
MAKEMESSAGES := manage.py makemessages -l en -l fr -l ru -l ky --no-wrap --no-location \
	--ignore=.venv --ignore=bench --ignore=tests --ignore=staticfiles

messages: install-dev
	DEBUG=true $(BIN)/python $(MAKEMESSAGES)
	DEBUG=true $(BIN)/python manage.py compilemessages --ignore=.venv

messages-check: messages
	@git diff -I'POT-Creation-Date' --exit-code -- locale/ \
		|| (echo "translation catalogues are stale: run 'make messages', translate, commit"; exit 1)

bench: install-dev
	$(BIN)/python -m bench

# Known vulnerabilities in the pinned requirements (pip-audit asks PyPI's and OSV's
# advisory data, so this needs their APIs). pip-audit lives in a venv of its own: its
# dependencies must not move ours.
AUDIT_VENV := .venv-audit
audit:
	test -x $(AUDIT_VENV)/bin/pip-audit || ($(PYTHON) -m venv $(AUDIT_VENV) \
		&& $(AUDIT_VENV)/bin/pip install --quiet pip-audit)
	$(AUDIT_VENV)/bin/pip-audit --strict --desc -r requirements.txt

clean:
	rm -rf $(VENV) $(AUDIT_VENV) db.sqlite3 db.sqlite3-wal db.sqlite3-shm .pytest_cache .ruff_cache
