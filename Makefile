# `make run` and `make test` are the README's contract: both work from a fresh clone.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
# The first Python >= 3.12 found: python3.13, python3.12 (pyenv's 3.12.1 included), python3.
PYTHON ?= $(shell for p in python3.13 python3.12 python3; do \
	for c in "$$p" "env PYENV_VERSION=3.12.1 $$p"; do \
	  if $$c -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then echo "$$c"; exit 0; fi; \
	done; done)

.PHONY: venv run test lint format messages demo clean

$(VENV)/.installed: pyproject.toml
	@if [ -z "$(PYTHON)" ]; then echo "error: Python 3.12 or newer is needed (Django 6); none was found on PATH." >&2; exit 1; fi
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

venv: $(VENV)/.installed

# Beat runs beside the server: with no broker configured, tasks run eagerly inside the beat
# process, so the schedules run without a Redis server (logged to beat.log).
run: venv
	$(PY) manage.py migrate --no-input
	$(PY) manage.py load_demo
	$(PY) -m celery -A config beat --scheduler django_celery_beat.schedulers:DatabaseScheduler \
	  --loglevel INFO --pidfile= > beat.log 2>&1 & beat=$$!; \
	trap 'kill $$beat 2>/dev/null' EXIT; \
	echo "Periodic tasks: celery beat (pid $$beat), log in beat.log"; \
	$(PY) manage.py runserver 127.0.0.1:8000

# A fixed hash seed: the API schema test's generated cases (hypothesis, derandomised) depend
# on the order of sets, so a case CI draws is drawn again on any machine.
test: venv
	PYTHONHASHSEED=0 $(PY) -m pytest $(PYTEST_ARGS)

lint: venv
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(VENV)/bin/lint-imports

format: venv
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

messages: venv
	$(PY) manage.py makemessages -l zh_Hans --ignore '.venv/*' --ignore 'tests/*' --no-obsolete
	$(PY) manage.py compilemessages --ignore '.venv' -v 0

clean:
	rm -rf $(VENV) db.sqlite3 media staticfiles beat.log celerybeat-schedule
