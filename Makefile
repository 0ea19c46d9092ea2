# The one entry point: `make run` starts the stack, `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PACKAGES := runnerly-common tokendealer dataservice strava-sim strava-worker nginx

.PHONY: run test setup lint clean

run: setup  ## install into .venv/ and start every service (Ctrl-C stops them all)
	$(BIN)/honcho start -f Procfile -e config/dev.env,var/dev/runnerly.env

test: $(VENV)/.installed  ## every package's tests (tox) and ruff
	$(BIN)/tox run

setup: $(VENV)/.installed  ## the environment and the development secrets
	$(BIN)/python scripts/dev_setup.py

lint: $(VENV)/.installed
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

$(VENV)/.installed: requirements-dev.txt $(addsuffix /pyproject.toml,$(PACKAGES))
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt \
		-e './runnerly-common[mailsink]' $(addprefix -e ./,$(filter-out runnerly-common,$(PACKAGES)))
	touch $@

clean:  ## remove the environment, tox envs and local data (development secrets included)
	rm -rf $(VENV) .tox var
