# Two commands: `make run` serves the demo, `make test` runs the suite.
# Both set themselves up on a fresh machine (venv, requirements, migrations).

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
PARTICIPANTS ?= 300
# Two or more test workers (pytest-xdist), each with its own databases; PYTEST_ARGS= runs them serially.
PYTEST_ARGS ?= --numprocesses=auto --maxprocesses=4

.PHONY: run test setup migrate seed serve pytest worker messages clean rehearsal deploy-check

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

setup: $(STAMP)

migrate: setup
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo --participants $(PARTICIPANTS)

serve:
	@echo "Serving on http://$(HOST):$(PORT)/  (Ctrl-C to stop)"
	DEBUG=$${DEBUG:-1} $(PY) manage.py runserver $(HOST):$(PORT)

run: seed serve

test: setup pytest

pytest:
	$(PY) -m pytest $(PYTEST_ARGS)

worker: setup
	$(VENV)/bin/celery -A rakor worker -l info

# Rakor on several machines, played on this one (deploy/README.md): two app nodes behind nginx,
# PgBouncer, Redis, S3 (moto), worker and beat. Needs Debian's nginx, pgbouncer and redis-server, and
# PostgreSQL on 127.0.0.1:5432; exits non-zero on any failed check.
rehearsal: setup
	$(PY) deploy/rehearsal/rehearse.py

# The shipped deploy/ files are valid: systemd-analyze verify, nginx -t, compose, env.example.
deploy-check: setup
	$(PY) deploy/check_deploy.py

messages: setup
	$(PY) manage.py makemessages -l en -l id --ignore=.venv --ignore=tests --ignore=bench
	$(PY) manage.py makemessages -d djangojs -l en -l id --ignore=.venv --ignore=tests --ignore=bench --ignore=var
	$(PY) manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-* var media
