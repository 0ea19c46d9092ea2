# The one entry point: `make run` starts the stack, `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PACKAGES := runnerly-common tokendealer dataservice strava-sim strava-worker nginx runnerly-web runnerly-admin

.PHONY: run test setup system lint lock clean frontend frontend-test

run: setup  ## install into .venv/ and start every service (Ctrl-C stops them all)
	$(BIN)/honcho start -f Procfile -e config/dev.env,var/dev/runnerly.env

# Environments that share nothing but the machine run side by side (most of their time
# waits on live services), three at a time, longest first: the phase lasts as long as its
# last environment to finish. Chaos and the browser journey run one after the other in a
# lane of their own beside them, from the start: both mostly wait (faults held for seconds,
# a browser), they never overlap each other (the journey takes `make run`'s ports, chaos
# twenty processes), and the others pick free ports. The gateway's tests compute more than
# they wait: one of the three. Each part prints its environments' durations as they end;
# the last line, the whole. The lane is a job of its own (set -m), so that Ctrl-C reaches
# it too: a background command of a shell without job control ignores SIGINT, and tox
# stops its tests only on one.
PARALLEL_ENVS := dataservice,web,strava-worker,fuzz,tokendealer,gateway,typecheck,admin,strava-sim,common,lint,deploy
SERIAL_ENVS := chaos,e2e

# What tox needs is made two at a time: pip filling .venv/ mostly waits on downloads and
# builds while npm installs, checks and builds the dashboard.
test: system  ## every package's tests (tox), ruff, mypy, luacheck, ESLint, hadolint, the dashboard's Vitest tests and the browser journey (e2e)
	@$(MAKE) --no-print-directory -j2 $(VENV)/.installed frontend-test frontend
	@started=$$(date +%s); \
	set -m; $(BIN)/tox run-parallel --parallel 1 --parallel-no-spinner -e $(SERIAL_ENVS) & \
	lane=$$!; set +m; \
	trap 'kill -INT -- -$$lane 2>/dev/null; wait $$lane; exit 130' INT TERM; \
	$(BIN)/tox run-parallel --parallel 3 --parallel-no-spinner -e $(PARALLEL_ENVS); side=$$?; \
	wait $$lane; alone=$$?; \
	echo "make test: tox took $$(( $$(date +%s) - started )) s"; \
	exit $$(( side || alone ))

setup: system $(VENV)/.installed frontend  ## the environment, the dashboard's build and the development secrets
	$(BIN)/python scripts/dev_setup.py

# The Debian packages the stack and the tests start (scripts/system-packages.txt): installed
# when run as root, otherwise make stops here, before anything else, with the command to run.
system:
	@bash scripts/system-packages.sh

# The React dashboard (runnerly-web/frontend): Node.js 20+ and npm are required, so a machine
# without them stops here with the reason rather than serving a page with no dashboard.
FRONTEND := runnerly-web/frontend
NPM_OK = command -v npm >/dev/null 2>&1 && node -e 'process.exit(parseInt(process.versions.node) < 20 ? 1 : 0)' \
	|| { echo "make: Node.js 20+ with npm is required to build $(FRONTEND); install nodejs and npm" >&2; exit 1; }

# npm ci writes node_modules/.package-lock.json: reinstall only when the lockfile changes.
$(FRONTEND)/node_modules/.package-lock.json: $(FRONTEND)/package-lock.json
	@$(NPM_OK)
	cd $(FRONTEND) && npm ci --no-audit --no-fund

frontend: $(FRONTEND)/node_modules/.package-lock.json  ## build the dashboard into runnerly-web/frontend/dist/
	cd $(FRONTEND) && npm run build

frontend-test: $(FRONTEND)/node_modules/.package-lock.json  ## the dashboard's type check and Vitest tests
	cd $(FRONTEND) && npm run typecheck && npm test

lint: system $(VENV)/.installed $(FRONTEND)/node_modules/.package-lock.json  ## ruff, luacheck, ESLint and hadolint (tox env lint)
	$(BIN)/tox run -e lint

$(VENV)/.installed: constraints.txt requirements-dev.txt $(addsuffix /pyproject.toml,$(PACKAGES))
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -r requirements-dev.txt \
		-e './runnerly-common[mailsink]' $(addprefix -e ./,$(filter-out runnerly-common,$(PACKAGES)))
	touch $@

# constraints.txt pins every version `make setup`, tox and the Dockerfiles install (one for
# Python 3.11 on Linux x86_64). `make lock` recompiles it from constraints.in after a
# pyproject or requirements-dev.txt changes, keeping each pin the ranges still allow;
# `make lock UPGRADE=1` moves every pin to the newest release instead.
LOCAL_NAMES := runnerly-common runnerly-tokendealer runnerly-dataservice runnerly-strava-sim \
	runnerly-strava-worker runnerly-gateway runnerly-web runnerly-admin
lock: $(VENV)/.installed  ## recompile constraints.txt (uv) from constraints.in
	UV_CUSTOM_COMPILE_COMMAND="make lock" $(BIN)/uv pip compile --quiet constraints.in \
		--output-file constraints.txt --python-version 3.11 \
		--python-platform x86_64-unknown-linux-gnu $(addprefix --no-emit-package ,$(LOCAL_NAMES)) \
		$(if $(UPGRADE),--upgrade)

clean:  ## remove the environment, tox envs and local data (development secrets included)
	rm -rf $(VENV) .tox var $(FRONTEND)/node_modules $(FRONTEND)/dist
